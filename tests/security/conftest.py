"""Fixtures for the hardening tests: an app with CSRF on (the main suite runs without it),
accounts of their own on unit XA033 (no other test uses it), and a line whose window is open.
Everything is restored afterwards."""

import datetime
import os
import re

import pytest
from flask_appbuilder.security.sqla.models import Role
from werkzeug.security import generate_password_hash

from app.domain.clock import utcnow
from app.extensions import db
from app.models import AppUser, Assessment, Criterion, Evidence, Round, ScoreLine, Unit
from app.security import roles
from tests.conftest import make_app

UNIT = "XA033"
PASSWORD = "Kiem-tra-2025"
TOKEN_INPUT = re.compile(r'<input[^>]*name="csrf_token"[^>]*value="([^"]+)"')
TOKEN_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


def build_app(database_url, **overrides):
    """Another app on the suite's (already migrated) database."""
    return make_app(database_url, **overrides)


def dispose(application):
    with application.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def guarded_app(app, database_url, tmp_path_factory):
    """CSRF on, uploads in a folder of its own (so "nothing stored" can be checked)."""
    upload_dir = str(tmp_path_factory.mktemp("guarded-uploads"))
    application = build_app(database_url, WTF_CSRF_ENABLED=True, UPLOAD_DIR=upload_dir)
    yield application
    dispose(application)


def ensure_account(session, username, role_name, unit_code=UNIT, password=PASSWORD):
    """An active account with one role (and the unit), its password reset to `password`, its
    lock and failures cleared."""
    unit = session.query(Unit).filter_by(code=unit_code).one() if unit_code else None
    user = session.query(AppUser).filter_by(username=username).one_or_none()
    if user is None:
        user = AppUser(
            username=username, first_name="Thử", last_name="Kiểm", email=f"{username}@test.vn",
        )  # fmt: skip
        session.add(user)
    user.active, user.unit_id = True, unit.id if unit else None
    user.roles = [session.query(Role).filter_by(name=role_name).one()]
    user.password = generate_password_hash(PASSWORD if password is None else password)
    user.fail_login_count, user.locked_until = 0, None
    session.commit()
    return user


def csrf_login(client, username, password=PASSWORD):
    """Log in through the form with its CSRF token; returns the response of the POST."""
    form = client.get("/login/").text
    token = TOKEN_INPUT.search(form)
    return client.post(
        "/login/",
        data={"username": username, "password": password, "csrf_token": token.group(1)},
    )


def page_token(client, url):
    """The CSRF token a page gives its forms or its script."""
    page = client.get(url).text
    found = TOKEN_META.search(page) or TOKEN_INPUT.search(page)
    assert found, f"no CSRF token on {url}"
    return found.group(1)


@pytest.fixture()
def leader(session):
    return ensure_account(session, "test.sec.leader", roles.UNIT_LEADER)


@pytest.fixture()
def open_line(session, leader):
    """The first self-scored line of XA033 in this year's round, self-assessment window open.
    Yields (line id, assessment id); restores the round, the assessment, the line."""
    unit = session.query(Unit).filter_by(code=UNIT).one()
    # The latest round XA033 takes part in (other tests leave rounds of later years behind).
    round_ = (
        session.query(Round)
        .join(Assessment, Assessment.round_id == Round.id)
        .filter(Assessment.unit_id == unit.id)
        .order_by(Round.year.desc(), Round.id)
        .first()
    )
    assessment = session.query(Assessment).filter_by(round_id=round_.id, unit_id=unit.id).one()
    line = (
        session.query(ScoreLine)
        .join(Criterion, ScoreLine.criterion_id == Criterion.id)
        .filter(ScoreLine.assessment_id == assessment.id, Criterion.rule != "survey")
        .order_by(Criterion.sort_key)
        .first()
    )
    saved = (round_.self_start, round_.self_end, round_.locked, assessment.status)
    before = {e.id for e in session.query(Evidence).filter_by(score_line_id=line.id)}
    now = utcnow()
    round_.self_start = now - datetime.timedelta(days=1)
    round_.self_end = now + datetime.timedelta(days=1)
    round_.locked, assessment.status = False, "draft"
    session.commit()
    try:
        yield line.id, assessment.id
    finally:
        session.rollback()
        session.expire_all()
        round_.self_start, round_.self_end, round_.locked, assessment.status = saved
        for row in session.query(Evidence).filter_by(score_line_id=line.id):
            if row.id not in before:
                session.delete(row)
        session.commit()


def stored_files(upload_dir):
    """Every file under `upload_dir`, temporary ones included."""
    if not os.path.isdir(upload_dir):
        return []
    return sorted(os.path.join(d, f) for d, _s, names in os.walk(upload_dir) for f in names)
