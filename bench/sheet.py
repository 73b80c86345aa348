"""Bench: the score-sheet page and one autosave on a national-scale database.

    .venv/bin/python -m bench.sheet [--units 3321] [--lines 140] [--requests 200]
                                    [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres]

Builds 3,321 communes x 140 lines (about 465,000 score lines) with bench.open_round, then
times, through the real Flask app, GET /sheet/<id> and POST /sheet/line/<id>/score for a unit
leader: p50 and p95 server time, and the SQL statements per request (with the app process's
CPU time beside, as the machine is shared). Also checks that the statement count of the sheet
does not grow with the number of lines: a second round of 10 lines for the same unit.
"""

import argparse
import os
import statistics
import tempfile
import time
from decimal import Decimal

from sqlalchemy import event


def _percentile(values, pct):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(pct / 100 * (len(ordered) - 1))))]


class StatementCounter:
    def __init__(self, engine):
        self.count = 0
        event.listen(engine, "before_cursor_execute", self._on_execute)

    def _on_execute(self, *args, **kwargs):
        self.count += 1


def _leader_for(session, unit):
    from flask_appbuilder.security.sqla.models import Role

    from app.models import AppUser
    from app.security import roles

    role = session.query(Role).filter_by(name=roles.UNIT_LEADER).one()
    user = AppUser(username=f"bench.{unit.code}", first_name="Bench", last_name="Leader",
                   email=f"bench.{unit.code}@example.vn", active=True, roles=[role],
                   unit_id=unit.id)  # fmt: skip
    user.password = __import__("werkzeug.security", fromlist=["x"]).generate_password_hash("pw")
    session.add(user)
    session.commit()
    return user


def _small_sheet(session, unit, organiser_id, lines=10):
    """A second round for `unit` on a framework of `lines` lines (2 fields): its assessment.
    The sheet page must cost the same statements for it as for the 140-line one."""
    import datetime

    from app.domain.criteria_tree import code_sort_key
    from app.domain.rounds import open_round
    from app.models import Assessment, Criterion, Framework, Round

    framework = Framework(code="BENCH-SMALL", name="Bench small", year=2027,
                          unit_type_id=unit.unit_type_id, max_points=Decimal(lines))  # fmt: skip
    session.add(framework)
    per_field = lines // 2
    for f in (1, 2):
        field = Criterion(framework=framework, code=str(f), sort_key=code_sort_key(str(f)),
                          title=f"Lĩnh vực {f}", max_points=per_field)  # fmt: skip
        session.add(field)
        for c in range(1, per_field + 1):
            code = f"{f}.{c}"
            session.add(Criterion(framework=framework, parent=field, code=code, title=code,
                                  sort_key=code_sort_key(code), max_points=1))  # fmt: skip
    round_ = Round(name="Bench small", year=2027, framework=framework, units=[unit],
                   organiser_unit_id=organiser_id, self_start=datetime.datetime(2000, 1, 1),
                   self_end=datetime.datetime(2100, 1, 1))  # fmt: skip
    session.add(round_)
    session.flush()
    open_round(session, round_, None)
    session.commit()
    return session.query(Assessment).filter_by(round_id=round_.id, unit_id=unit.id).one()


def measure(client, counter, method, url, n, **kwargs):
    """Wall times, statement counts and the app process's CPU times (ms) of n requests."""
    times, statements, cpu = [], [], []
    for _ in range(n):
        counter.count = 0
        started, cpu_started = time.perf_counter(), time.process_time()
        response = getattr(client, method)(url, **kwargs)
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - cpu_started) * 1000)
        statements.append(counter.count)
        assert response.status_code == 200, (url, response.status_code, response.data[:300])
    return times, statements, cpu


def _usual(statements):
    """The statement count of most requests. The roles' permissions are reloaded once every
    PERMISSIONS_CACHE_SECONDS, so a few requests of a long run count one or two more."""
    return statistics.mode(statements)


def _line(name, times, statements, cpu):
    # CPU: the app's own work, less sensitive than wall time to others' load on the machine
    # (the database server's time is not in it).
    usual = _usual(statements)
    more = sum(1 for count in statements if count > usual)
    reloads = f" ({more} of {len(statements)} with the permission reload)" if more else ""
    return (
        f"  {name:<11}: p50 {statistics.median(times):6.1f} ms  p95 "
        f"{_percentile(times, 95):6.1f} ms  statements {usual}{reloads}   "
        f"(app CPU p50 {statistics.median(cpu):5.1f} ms  p95 {_percentile(cpu, 95):5.1f} ms)"
    )


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--units", type=int, default=3321)
    parser.add_argument("--lines", type=int, default=140)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--database-url")
    args = parser.parse_args()

    from bench.open_round import build
    from tests.conftest import _postgres_database, make_app, prepare_database

    drop = None
    if args.database_url:
        url, drop = _postgres_database(args.database_url)
    else:
        url = "sqlite:///" + os.path.join(tempfile.mkdtemp(), "bench.db")
    app = make_app(url)
    prepare_database(app, demo=False)
    from app.domain.rounds import open_round
    from app.extensions import db
    from app.models import Assessment, Criterion, ScoreLine, Unit

    with app.app_context():
        round_ = build(db.session, args.units, args.lines)
        round_.self_start = __import__("datetime").datetime(2000, 1, 1)
        round_.self_end = __import__("datetime").datetime(2100, 1, 1)
        open_round(db.session, round_, None)
        db.session.commit()
        unit = db.session.query(Unit).filter_by(code="XA00007").one()
        leader = _leader_for(db.session, unit)
        assessment = db.session.query(Assessment).filter_by(unit_id=unit.id).one()
        line = (
            db.session.query(ScoreLine)
            .join(Criterion, ScoreLine.criterion_id == Criterion.id)
            .filter(ScoreLine.assessment_id == assessment.id)
            .first()
        )
        small = _small_sheet(db.session, unit, round_.organiser_unit_id)
        ids = (assessment.id, line.id, leader.username, small.id)
        counter = StatementCounter(db.engine)
        total_lines = db.session.query(ScoreLine).count()

    client = app.test_client()
    client.post("/login/", data={"username": ids[2], "password": "pw"})
    # Warm-up, not counted: the first request compiles templates and statements.
    measure(client, counter, "get", f"/sheet/{ids[0]}", 3)
    sheet_t, sheet_q, sheet_c = measure(client, counter, "get", f"/sheet/{ids[0]}", args.requests)
    save_t, save_q, save_c = [], [], []
    for i in range(args.requests):
        value = "1" if i % 2 else "0,5"
        t, q, c = measure(client, counter, "post", f"/sheet/line/{ids[1]}/score", 1,
                          json={"value": value})  # fmt: skip
        save_t, save_q, save_c = save_t + t, save_q + q, save_c + c
    _, small_q, _ = measure(client, counter, "get", f"/sheet/{ids[3]}", 5)
    kind = url.split(":")[0]
    print(f"{kind}: {total_lines:,} score lines, {args.units:,} units")
    print(_line("sheet page", sheet_t, sheet_q, sheet_c))
    print(_line("autosave", save_t, save_q, save_c))
    few, many = _usual(small_q), _usual(sheet_q)
    same = "the same" if few == many else "DIFFERENT: a query runs per line"
    print(f"  sheet statements: {few} for 10 lines, {many} for "
          f"{args.lines} lines ({same})")  # fmt: skip
    with app.app_context():
        db.engine.dispose()
    if drop:
        drop()


if __name__ == "__main__":
    main()
