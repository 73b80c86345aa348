"""No acknowledged save is lost when the server dies: the real server (gunicorn, two
workers) on a fresh database, a burst of autosaves from several logged-in browsers, SIGKILL
to the master and every worker in the middle of it, a restart; every save the server had
answered 200 {"ok": true} is in the database with its value (the line, and its change log
entry, written in the same transaction). Once on PostgreSQL, once on SQLite in WAL mode.
Bounded: the burst stops itself after BURST_SECONDS if the kill never came.
"""

import threading
import time
from decimal import Decimal

import pytest
import requests
from sqlalchemy import create_engine, text

from app.domain.scoring import format_points
from tests.concurrency.server import Server, fresh_database, logged_in, prepare

BROWSERS = 6
KILL_AFTER = 40  # acknowledged saves before the kill
BURST_SECONDS = 20


class Browser(threading.Thread):
    """Autosaves its own lines in turn, each time another value, sending the version its
    last answer gave; keeps every acknowledged save; stops at the first failed request."""

    def __init__(self, client, base, lines, stop):
        super().__init__(daemon=True)
        self.client, self.base, self.lines, self.stop = client, base, lines, stop
        self.acked = []  # (line id, points as shown, version)
        self.failure = None

    def run(self):
        versions = dict.fromkeys(self.lines, 1)
        deadline = time.monotonic() + BURST_SECONDS
        n = 0
        while not self.stop.is_set() and time.monotonic() < deadline:
            line_id = self.lines[n % len(self.lines)]
            value = format_points(Decimal(n // len(self.lines) % 20 + 1) / 2)
            n += 1
            try:
                answer = self.client.post(
                    f"{self.base}/sheet/line/{line_id}/score",
                    json={"value": value, "version": versions[line_id]}, timeout=10,
                )  # fmt: skip
                data = answer.json()
            except (requests.RequestException, ValueError) as err:
                self.failure = err  # the server went away: this browser's burst is over
                return
            if answer.status_code != 200 or not data.get("ok"):
                self.failure = AssertionError(f"{answer.status_code} {data}")
                return
            versions[line_id] = data["version"]
            self.acked.append((line_id, data["points"], data["version"]))


@pytest.mark.parametrize("kind", ["postgresql", "sqlite"])
def test_every_acknowledged_save_survives_a_sigkill(kind, tmp_path):
    url, drop = fresh_database(kind, str(tmp_path))
    server = None
    try:
        ids = prepare(url)
        server = Server(url, str(tmp_path / "gunicorn.log")).start()
        sheet = f"/sheet/{ids['assessment']}"
        stop = threading.Event()
        browsers = [
            Browser(logged_in(server.base, ids["username"], sheet_url=sheet), server.base,
                    ids["lines"][i::BROWSERS], stop)
            for i in range(BROWSERS)
        ]  # fmt: skip
        for browser in browsers:
            browser.start()
        deadline = time.monotonic() + BURST_SECONDS
        while sum(len(b.acked) for b in browsers) < KILL_AFTER and time.monotonic() < deadline:
            time.sleep(0.01)
        server.kill()
        for browser in browsers:
            browser.join(timeout=15)
        stop.set()
        acked = [save for browser in browsers for save in browser.acked]
        assert len(acked) >= KILL_AFTER
        # Mid-burst: every browser was still saving when the server died.
        assert all(isinstance(b.failure, requests.RequestException) for b in browsers), [
            repr(b.failure) for b in browsers
        ]

        if kind == "sqlite":  # the server's SQLite journal, kept in the file
            assert journal_mode(url) == "wal"
        server.start()  # the same database, a new server
        assert_every_save_stored(url, acked)
        # The restarted server goes on from what is stored.
        client = logged_in(server.base, ids["username"], sheet_url=sheet)
        line_id, _points, version = max(acked, key=lambda save: save[2])
        stored = stored_lines(url)[line_id][1]
        answer = client.post(f"{server.base}/sheet/line/{line_id}/score",
                             json={"value": "10", "version": stored}, timeout=10)  # fmt: skip
        assert answer.status_code == 200 and answer.json()["version"] == stored + 1
        assert stored >= version
    finally:
        if server is not None:
            server.stop()
        drop()


def journal_mode(url):
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.exec_driver_sql("PRAGMA journal_mode").scalar()
    finally:
        engine.dispose()


def stored_lines(url):
    """{line id: (points, version)} as the database holds them."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT id, self_points, version FROM score_line"))
            return {row.id: (row.self_points, row.version) for row in rows}
    finally:
        engine.dispose()


def logged_values(url):
    """{line id: [new values of its "score" change log entries]}."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(text(
                "SELECT entity_id, new_value FROM audit_event WHERE entity = 'score_line' "
                "AND action = 'score' ORDER BY id"
            ))  # fmt: skip
            found = {}
            for row in rows:
                found.setdefault(row.entity_id, []).append(row.new_value)
            return found
    finally:
        engine.dispose()


def assert_every_save_stored(url, acked):
    lines, logged = stored_lines(url), logged_values(url)
    last = {}
    for line_id, points, version in acked:
        if version > last.get(line_id, (0, ""))[0]:
            last[line_id] = (version, points)
    for line_id, (version, points) in last.items():
        stored_points, stored_version = lines[line_id]
        # The last acknowledged save is there, or one save after it that committed while
        # its answer was lost with the server (never an older value).
        assert stored_version in (version, version + 1), (line_id, stored_version, version)
        if stored_version == version:
            assert format_points(stored_points) == points, line_id
    for line_id in last:
        answered = [p for lid, p, _v in sorted(acked, key=lambda s: s[2]) if lid == line_id]
        # Every acknowledged save is in the change log, in order (one unanswered may follow).
        assert logged[line_id][: len(answered)] == answered, line_id
        assert len(logged[line_id]) - len(answered) in (0, 1), line_id
