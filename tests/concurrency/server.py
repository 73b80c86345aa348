"""The real server for the durability test (and bench/load.py): a fresh database (PostgreSQL,
created and dropped here, or an SQLite file in WAL mode), migrated, its roles synced, a unit
with a leader and an open sheet; gunicorn started on it as a process group of its own (so
SIGKILL reaches the master and every worker); clients logged in through the login form with
its CSRF token, as a browser is.
"""

import datetime
import os
import re
import signal
import socket
import subprocess
import sys
import time
from decimal import Decimal

import requests
from werkzeug.security import generate_password_hash

from tests.conftest import ROOT, _postgres_database, make_app, prepare_database

PASSWORD = "Durable@2031"
DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
TOKEN_INPUT = re.compile(r'<input[^>]*name="csrf_token"[^>]*value="([^"]+)"')
TOKEN_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


def fresh_database(kind, folder):
    """(SQLAlchemy URL, drop()) of an empty database of `kind` ("postgresql" or "sqlite")."""
    if kind == "sqlite":
        return "sqlite:///" + os.path.join(folder, "durable.db"), lambda: None
    base = os.environ.get("TEST_DATABASE_URL") or ""
    return _postgres_database(base if base.startswith("postgresql") else DEFAULT_POSTGRES)


def prepare(url, lines=24):
    """Migrate, sync the roles, add a unit, its leader and an open sheet of `lines` lines
    (0 to 10 points, steps of 0,5). Returns {"assessment", "lines": [ids], "username"}."""
    app = make_app(url)
    prepare_database(app, demo=False)
    from app.extensions import db

    with app.app_context():
        ids = _build(db.session, lines)
        db.session.commit()
        db.engine.dispose()
    return ids


def _build(s, lines):
    from flask_appbuilder.security.sqla.models import Role

    from app.domain.clock import utcnow
    from app.domain.criteria_tree import code_sort_key
    from app.models import (
        AppUser,
        Assessment,
        Criterion,
        Framework,
        Round,
        ScoreLine,
        Unit,
        UnitType,
    )
    from app.models.rounds import PHASE_SELF
    from app.security import roles

    kind = UnitType(code="XA", name="UBND cấp xã")
    organiser = Unit(code="SNV", name="Sở Nội vụ", unit_type=kind)
    unit = Unit(code="XA-BEN", name="Xã Bền Vững", unit_type=kind)
    leader = AppUser(
        username="lanhdao.benvung", first_name="Lãnh đạo", last_name="Xã Bền Vững",
        email="lanhdao.benvung@example.vn", active=True, unit=unit,
        roles=[s.query(Role).filter_by(name=roles.UNIT_LEADER).one()],
        password=generate_password_hash(PASSWORD),
    )  # fmt: skip
    framework = Framework(code="BEN", name="Bộ tiêu chí bền vững", year=2031, unit_type=kind,
                          max_points=Decimal(10 * lines), frozen=True)  # fmt: skip
    field = Criterion(framework=framework, code="1", sort_key=code_sort_key("1"),
                      title="Lĩnh vực", max_points=Decimal(10 * lines))  # fmt: skip
    leaves = [
        Criterion(framework=framework, parent=field, code=f"1.{i}", rule="number",
                  sort_key=code_sort_key(f"1.{i}"), title=f"Tiêu chí {i}",
                  max_points=Decimal(10), step=Decimal("0.5"))
        for i in range(1, lines + 1)
    ]  # fmt: skip
    now = utcnow()
    round_ = Round(name="Vòng bền vững", year=2031, framework=framework, organiser_unit=organiser,
                   units=[unit], phase=PHASE_SELF, self_start=now - datetime.timedelta(days=1),
                   self_end=now + datetime.timedelta(days=30))  # fmt: skip
    s.add_all([kind, organiser, unit, leader, framework, field, *leaves, round_])
    s.flush()
    assessment = Assessment(round_id=round_.id, unit_id=unit.id)
    s.add(assessment)
    s.flush()
    score_lines = [ScoreLine(assessment_id=assessment.id, criterion_id=c.id) for c in leaves]
    s.add_all(score_lines)
    s.flush()
    return {
        "assessment": assessment.id,
        "lines": [line.id for line in score_lines],
        "username": leader.username,
    }


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """gunicorn on 127.0.0.1 (a port of its own) serving `url`'s database."""

    def __init__(
        self, url, log_path, workers=2, threads=4, worker_class="gthread", extra_args=(),
        extra_env=None,
    ):  # fmt: skip
        self.url, self.log_path = url, log_path
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        # --preload: the app is built once, before the fork (it opens no connection then;
        # the roles were synced by prepare(), so workers never race on permissions).
        self.args = [
            sys.executable, "-m", "gunicorn", "--preload", "--workers", str(workers),
            "--threads", str(threads), "--worker-class", worker_class,
            "--bind", f"127.0.0.1:{self.port}", "--graceful-timeout", "2", "--timeout", "30",
            *extra_args, "app.wsgi:app",
        ]  # fmt: skip
        self.env = {
            **os.environ, "DATABASE_URL": url, "SECRET_KEY": "durability-test-secret",
            "RATELIMIT_ENABLED": "0", "FAB_UPDATE_PERMS": "0", "MAIL_SUPPRESS_SEND": "1",
            **(extra_env or {}),
        }  # fmt: skip
        self.process = None

    def start(self, timeout=60):
        log = open(self.log_path, "ab")  # noqa: SIM115 (the server writes to it until it stops)
        self.process = subprocess.Popen(
            self.args, cwd=ROOT, env=self.env, stdout=log, stderr=log, start_new_session=True
        )
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"gunicorn exited: see {self.log_path}")
            try:
                if requests.get(self.base + "/login/", timeout=2).status_code == 200:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise AssertionError(f"gunicorn did not answer within {timeout} s: see {self.log_path}")

    def kill(self):
        """SIGKILL to the master and every worker at once: no clean shutdown of anything."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()


def logged_in(base, username, sheet_url, password=PASSWORD):
    """A requests.Session logged in through the form, sending the CSRF token of the page
    at `sheet_url` (a score sheet) with every request."""
    client = requests.Session()
    form = client.get(base + "/login/", timeout=10).text
    answer = client.post(
        base + "/login/", allow_redirects=False, timeout=10,
        data={"username": username, "password": password,
              "csrf_token": TOKEN_INPUT.search(form).group(1)},
    )  # fmt: skip
    assert answer.status_code == 302, answer.text[:300]
    page = client.get(base + sheet_url, headers={"Accept": "text/html"}, timeout=10)
    assert page.status_code == 200, page.status_code
    client.headers.update(
        {"X-CSRFToken": TOKEN_META.search(page.text).group(1), "Accept": "application/json"}
    )
    return client
