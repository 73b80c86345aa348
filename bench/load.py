"""Bench: the deadline rush. gunicorn with several workers on PostgreSQL, a national-scale
round (3,321 communes x 140 lines by default), 100 browsers at once, each logged in as the
leader of another commune, autosaving its own sheet's lines without pause for 60 s.

    .venv/bin/python -m bench.load [--units 3321] [--lines 140] [--clients 100] [--seconds 60]
        [--workers 3] [--worker-class gthread|sync] [--threads 4]
        [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres]

Prints saves per second, p50/p95/p99 latency, the CPU each side spent per save (gunicorn,
PostgreSQL, this client: on a shared host the throughput moves with the neighbours, the CPU
per save much less), errors (anything but 200 {"ok": true}), then checks every acknowledged
save against the database (line value and version, change log): lost writes must be 0.
A fresh database is created and dropped. The browsers are one asyncio loop speaking plain
HTTP/1.1 with keep-alive (the least client CPU on a machine it shares with the server and
PostgreSQL); each logs in through the form and sends the page's CSRF token and the version
its last answer gave, as sheet.js does. Bounded: --seconds, then stop.
"""

import argparse
import asyncio
import json
import re
import statistics
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import create_engine, text

from app.domain.scoring import format_points
from bench.cpu import Meter
from tests.concurrency.server import DEFAULT_POSTGRES, PASSWORD, Server, logged_in

SCORE_INPUT = re.compile(r'id="score-(\d+)"[^>]*data-version="(\d+)"')


def build(url, units, lines, clients):
    """The round (bench.open_round), its windows around now, opened; a leader per commune
    for the first `clients` communes. Returns [(username, assessment id)]."""
    import datetime

    from flask_appbuilder.security.sqla.models import Role
    from werkzeug.security import generate_password_hash

    from app.domain.rounds import open_round
    from app.extensions import db
    from app.models import AppUser, Assessment, Unit
    from app.security import roles
    from bench.open_round import build as build_round
    from bench.open_round import settle
    from tests.conftest import make_app, prepare_database

    app = make_app(url)
    prepare_database(app, demo=False)
    with app.app_context():
        s = db.session
        round_ = build_round(s, units, lines)
        now = datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
        round_.self_start = now - datetime.timedelta(days=1)
        round_.self_end = now + datetime.timedelta(days=30)
        open_round(s, round_, None)
        s.commit()
        leader = s.query(Role).filter_by(name=roles.UNIT_LEADER).one()
        password = generate_password_hash(PASSWORD)  # one hash: logins cost what they cost
        people = []
        for unit in s.query(Unit).filter(Unit.code.like("XA%")).order_by(Unit.code)[:clients]:
            s.add(
                AppUser(
                    username=f"bench.{unit.code.lower()}",
                    first_name="Lãnh đạo",
                    last_name=unit.name,
                    email=f"{unit.code.lower()}@bench.vn",
                    active=True,
                    unit_id=unit.id,
                    roles=[leader],
                    password=password,
                )
            )
            assessment = s.query(Assessment).filter_by(round_id=round_.id, unit_id=unit.id).one()
            people.append((f"bench.{unit.code.lower()}", assessment.id))  # fmt: skip
        s.commit()
        settle(s)
        total = s.execute(text("SELECT count(*) FROM score_line")).scalar()
        db.engine.dispose()
    return people, total


class Browser:
    """One logged-in browser: its cookie and CSRF token, its lines and their versions, one
    keep-alive connection; saves one line after another, alternating 0,5 and 1."""

    def __init__(self, port, client, sheet_html):
        self.port = port
        cookie = "; ".join(f"{c.name}={c.value}" for c in client.cookies)
        self.head = (f"Host: 127.0.0.1:{port}\r\nCookie: {cookie}\r\n"
                     f"X-CSRFToken: {client.headers['X-CSRFToken']}\r\n"
                     "Accept: application/json\r\nContent-Type: application/json\r\n")  # fmt: skip
        self.versions = {int(i): int(v) for i, v in SCORE_INPUT.findall(sheet_html)}
        self.lines = sorted(self.versions)
        self.reader = self.writer = None
        self.acked, self.errors, self.latencies, self.n = [], [], [], 0

    async def _send(self, path, body):
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        payload = json.dumps(body).encode()
        self.writer.write(f"POST {path} HTTP/1.1\r\n{self.head}Content-Length: {len(payload)}"
                          "\r\n\r\n".encode() + payload)  # fmt: skip
        status = int((await self.reader.readline()).split()[1])
        length, close = 0, False
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            if name.lower() == "content-length":
                length = int(value)
            elif name.lower() == "connection" and value.strip().lower() == "close":
                close = True
        data = await self.reader.readexactly(length)
        if close:  # the sync worker answers one request per connection
            self.writer.close()
            self.reader = self.writer = None
        return status, data

    async def run(self, until):
        while time.monotonic() < until:
            line_id = self.lines[self.n % len(self.lines)]
            value = "1" if (self.n // len(self.lines)) % 2 else "0,5"
            self.n += 1
            started = time.perf_counter()
            try:
                status, data = await self._send(
                    f"/sheet/line/{line_id}/score",
                    {"value": value, "version": self.versions[line_id]},
                )
                answer = json.loads(data)  # fmt: skip
            except (OSError, asyncio.IncompleteReadError, ValueError, IndexError) as err:
                self.errors.append(repr(err))
                self.reader = self.writer = None
                continue
            self.latencies.append(time.perf_counter() - started)
            if status == 200 and answer.get("ok"):
                self.versions[line_id] = answer["version"]
                self.acked.append((line_id, answer["points"], answer["version"]))
            else:
                self.errors.append(f"{status} {answer.get('error')}")
                if answer.get("version"):
                    self.versions[line_id] = answer["version"]


def percentile(values, pct):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(pct / 100 * (len(ordered) - 1))))]


def lost_writes(url, browsers):
    """Acknowledged saves the database does not hold: a line whose version or value is not
    the last acknowledged one, or a change log with fewer entries than acknowledgements."""
    last, count = {}, {}
    for browser in browsers:
        for line_id, points, version in browser.acked:
            last[line_id] = max(last.get(line_id, (0, "")), (version, points))
            count[line_id] = count.get(line_id, 0) + 1
    engine = create_engine(url)
    lost = 0
    with engine.connect() as conn:
        ids = list(last)
        stored = {row.id: row for row in conn.execute(
            text("SELECT id, self_points, version FROM score_line WHERE id = ANY(:ids)"),
            {"ids": ids})}  # fmt: skip
        logged = dict(conn.execute(
            text("SELECT entity_id, count(*) FROM audit_event WHERE entity = 'score_line' "
                 "AND action = 'score' AND entity_id = ANY(:ids) GROUP BY entity_id"),
            {"ids": ids}).all())  # fmt: skip
    engine.dispose()
    for line_id, (version, points) in last.items():
        row = stored[line_id]
        if (
            row.version != version
            or format_points(row.self_points) != points
            or logged.get(line_id, 0) < count[line_id]
        ):
            lost += 1
    return lost


async def rush(browsers, seconds):
    until = time.monotonic() + seconds
    await asyncio.gather(*(browser.run(until) for browser in browsers))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--units", type=int, default=3321)
    parser.add_argument("--lines", type=int, default=140)
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=60)
    # The best of the measured settings on 2 cores (README, "Deployment").
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--worker-class", default="gthread", choices=["gthread", "sync"])
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--database-url", default=DEFAULT_POSTGRES)
    args = parser.parse_args()

    from tests.conftest import _postgres_database

    url, drop = _postgres_database(args.database_url)
    server = None
    try:
        started = time.perf_counter()
        people, total = build(url, args.units, args.lines, args.clients)
        print(f"database: {total:,} score lines, {args.units:,} units "
              f"(built in {time.perf_counter() - started:.0f} s)")  # fmt: skip
        threads = args.threads if args.worker_class == "gthread" else 1
        server = Server(url, tempfile.mktemp(suffix=".log"), workers=args.workers,
                        threads=threads, worker_class=args.worker_class,
                        extra_args=["--keep-alive", "30", "--backlog", "2048"]).start()  # fmt: skip

        def login(person):
            username, assessment_id = person
            client = logged_in(server.base, username, f"/sheet/{assessment_id}")
            page = client.get(f"{server.base}/sheet/{assessment_id}",
                              headers={"Accept": "text/html"}, timeout=30)  # fmt: skip
            return Browser(server.port, client, page.text)

        with ThreadPoolExecutor(max_workers=8) as pool:
            browsers = list(pool.map(login, people))
        assert all(b.lines for b in browsers), "a sheet without score inputs"
        # The client is this process (its asyncio loop); PostgreSQL's backends serve the rush.
        meter = Meter({"gunicorn": "gunicorn", "PostgreSQL": "postgres:", "client": "bench.load"})
        meter.start()
        asyncio.run(rush(browsers, args.seconds))
        meter.stop()
        server.stop()
        saves = sum(len(b.acked) for b in browsers)
        latencies = [t * 1000 for b in browsers for t in b.latencies]
        errors = [e for b in browsers for e in b.errors]
        print(f"gunicorn: --workers {args.workers} --worker-class {args.worker_class} "
              f"--threads {threads} --preload --keep-alive 30; {len(browsers)} browsers, "
              f"{args.seconds:.0f} s")  # fmt: skip
        print(f"  saves: {saves:,} acknowledged, {saves / args.seconds:.0f} per second")
        print(
            f"  latency: p50 {statistics.median(latencies):.0f} ms, p95 "
            f"{percentile(latencies, 95):.0f} ms, p99 {percentile(latencies, 99):.0f} ms"
        )
        print("  " + meter.report(saves, "save"))
        print(f"  errors: {len(errors)}" + (f" (first: {errors[0]})" if errors else ""))
        print(f"  lost writes: {lost_writes(url, browsers)} (every acknowledged save checked "
              "against the line and its change log)")  # fmt: skip
    finally:
        if server is not None:
            server.stop()
        drop()


if __name__ == "__main__":
    main()
