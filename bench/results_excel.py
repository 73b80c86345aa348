"""Bench: the units x criteria Excel of a province (170 units x 140 criteria, target 2 s).

    .venv/bin/python -m bench.results_excel [--units 170] [--lines 140] [--runs 5]
                                            [--database-url postgresql+psycopg://...]

Builds the round with bench.open_round, gives every line approved and self points (some
lines not applicable, a bonus and a penalty line, grade bands: bench.results), computes the
results, then times app/reports/results_matrix.matrix_xlsx --runs times: the reading (its SQL
statements counted) and the writing of both sheets. Prints the median and best wall time,
the process's CPU time (the machine is shared), the file size and the statement count; then,
once each, the results announcement PDF and one unit's gap analysis (and its PDF), for scale.
"""

import argparse
import os
import statistics
import tempfile
import time

from sqlalchemy import event


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--units", type=int, default=170)
    parser.add_argument("--lines", type=int, default=140)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--database-url")
    args = parser.parse_args()

    from bench.open_round import build, settle
    from bench.results import _arrange, _organiser
    from tests.conftest import _postgres_database, make_app, prepare_database

    drop = None
    if args.database_url:
        url, drop = _postgres_database(args.database_url)
    else:
        url = "sqlite:///" + os.path.join(tempfile.mkdtemp(), "bench.db")
    app = make_app(url)
    prepare_database(app, demo=False)
    from app.domain.errors import DomainError
    from app.domain.gap import gap_report
    from app.domain.results import compute_results
    from app.domain.rounds import open_round
    from app.extensions import db
    from app.models import Unit
    from app.reports.announcement import announcement_pdf
    from app.reports.gap_report import gap_pdf
    from app.reports.results_matrix import load_matrix, matrix_xlsx

    with app.test_request_context():
        session = db.session
        round_ = build(session, args.units, args.lines)
        open_round(session, round_, None)
        session.commit()
        _arrange(session, round_)
        compute_results(session, round_, _organiser(session))
        session.commit()
        settle(session)
        statements = []
        event.listen(db.engine, "before_cursor_execute", lambda *a, **k: statements.append(1))
        load_matrix(session, round_)  # warm the caches, untimed
        statements.clear()
        load_matrix(session, round_)
        reads = len(statements)
        walls, cpus = [], []
        for _run in range(args.runs):
            session.expire_all()
            started, cpu = time.perf_counter(), time.process_time()
            data = matrix_xlsx(session, round_)
            walls.append(time.perf_counter() - started)
            cpus.append(time.process_time() - cpu)
        others = {}
        unit = session.query(Unit).filter(Unit.code == "XA00007").one()
        for name, make in (
            ("announcement PDF", lambda: announcement_pdf(session, round_)),
            ("gap analysis (domain)", lambda: gap_report(session, round_, unit.id)),
            ("gap analysis PDF", lambda: gap_pdf(session, round_, unit)),
        ):
            started = time.perf_counter()
            try:
                make()
            except DomainError as err:  # e.g. xhtml2pdf's 60 s render limit
                others[name] = f"refused after {time.perf_counter() - started:.0f} s ({err})"
                continue
            others[name] = f"{time.perf_counter() - started:.2f} s"
        db.engine.dispose()
    backend = url.split(":")[0].split("+")[0]
    print(f"{backend}: units x criteria Excel of {args.units} units x {args.lines} criteria"
          f" ({len(data) / 1024:.0f} KiB, 2 sheets): median {statistics.median(walls):.2f} s,"
          f" best {min(walls):.2f} s, CPU median {statistics.median(cpus):.2f} s; reading in"
          f" {reads} SQL statements (target at most 2 s)")  # fmt: skip
    print(f"{backend}: " + ", ".join(f"{name} {took}" for name, took in others.items()))
    if drop:
        drop()


if __name__ == "__main__":
    main()
