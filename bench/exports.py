"""Bench: exporting the score-line list of a national-scale round to CSV and Excel.

    .venv/bin/python -m bench.exports [--units 3321] [--lines 140]
                                      [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres]

Builds 3,321 communes x 140 lines (about 465,000 score lines, every one scored) with
bench.open_round, then, through the real Flask app as the organiser, downloads
/scorelineview/export/csv and /xlsx (every row) and one unit's lines: wall and CPU seconds
(the CPU time does not depend on what else the machine runs), rows per CPU second,
SQL statements, file size and how much the process's peak memory rose during the download.
"""

import argparse
import datetime
import os
import tempfile
import time

from sqlalchemy import event, update


def _organiser(session):
    from flask_appbuilder.security.sqla.models import Role
    from werkzeug.security import generate_password_hash

    from app.models import AppUser
    from app.security import roles

    role = session.query(Role).filter_by(name=roles.ORGANISER).one()
    user = AppUser(username="bench.tochuc", first_name="Bench", last_name="Organiser",
                   email="bench.tochuc@example.vn", active=True, roles=[role])  # fmt: skip
    user.password = generate_password_hash("pw")
    session.add(user)
    session.commit()
    return user.username


def _status_mb(field):
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return 0.0


def _reset_peak():
    """Linux: reset the peak resident size (VmHWM) to the current one."""
    try:
        with open("/proc/self/clear_refs", "w") as handle:
            handle.write("5")
    except OSError:
        pass


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--units", type=int, default=3321)
    parser.add_argument("--lines", type=int, default=140)
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
    from decimal import Decimal

    from app.domain.rounds import open_round
    from app.extensions import db
    from app.models import Assessment, ScoreLine, Unit

    with app.app_context():
        round_ = build(db.session, args.units, args.lines)
        open_round(db.session, round_, None)
        db.session.commit()
        # Every line scored, so the files carry numbers and dates.
        db.session.execute(update(ScoreLine).values(
            self_points=Decimal("0.75"), self_input="0,75",
            updated_at=datetime.datetime(2026, 10, 20, 1, 30)))  # fmt: skip
        db.session.commit()
        username = _organiser(db.session)
        unit = db.session.query(Unit).filter_by(code="XA00007").one()
        assessment_id = db.session.query(Assessment.id).filter_by(unit_id=unit.id).scalar()
        total = db.session.query(ScoreLine).count()
        engine = db.engine
    statements = {"n": 0}
    event.listen(
        engine, "before_cursor_execute", lambda *a, **k: statements.update(n=statements["n"] + 1)
    )

    client = app.test_client()
    client.post("/login/", data={"username": username, "password": "pw"})
    kind = url.split(":")[0]
    print(f"{kind}: {total:,} score lines, {args.units:,} units")
    runs = [
        ("one unit csv ", f"/scorelineview/export/csv?_flt_0_assessment={assessment_id}"),
        ("one unit xlsx", f"/scorelineview/export/xlsx?_flt_0_assessment={assessment_id}"),
        ("all csv      ", "/scorelineview/export/csv"),
        ("all xlsx     ", "/scorelineview/export/xlsx"),
    ]
    for label, path in runs:
        statements["n"] = 0
        _reset_peak()
        before = _status_mb("VmRSS")
        started, cpu = time.perf_counter(), time.process_time()
        # Read as a browser does, chunk by chunk: the peak is the server's, not a buffer's.
        response = client.get(path, buffered=False)
        assert response.status_code == 200, (path, response.status_code)
        size = lines = 0
        for chunk in response.iter_encoded():
            size, lines = size + len(chunk), lines + chunk.count(b"\r\n")
        response.close()
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        shown = f"{lines - 1:,} rows" if "csv" in path else "xlsx"
        rate = f"{total / cpu:,.0f} rows per CPU second" if "all" in label else ""
        peak = _status_mb("VmHWM") - before
        print(f"  {label}: {seconds:7.2f} s (CPU {cpu:6.2f} s)  {shown:>14}  {size / 1e6:6.1f} MB  "
              f"statements {statements['n']:4d}  peak memory +{peak:5.0f} MB  {rate}")  # fmt: skip
    with app.app_context():
        db.engine.dispose()
    if drop:
        drop()


if __name__ == "__main__":
    main()
