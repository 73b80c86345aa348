"""Bench: opening a national-scale round (3,321 communes x 140 lines = about 465,000 lines).

    .venv/bin/python -m bench.open_round [--units 3321] [--lines 140] [--database-url URL]

Prints the seconds taken to create assessments and score lines. Without --database-url it uses
a temporary SQLite file; pass a PostgreSQL server URL (any database) to bench there: a fresh
database is created and dropped.
"""

import argparse
import os
import tempfile
import time
from decimal import Decimal

from sqlalchemy import func, insert


def build(session, units, lines):
    from app.domain.criteria_tree import code_sort_key
    from app.models import Criterion, Framework, Round, Unit, UnitType, round_unit

    unit_type = UnitType(code="XA", name="UBND cấp xã")
    organiser = Unit(code="SNV", name="Sở Nội vụ", unit_type=unit_type)
    session.add_all([unit_type, organiser])
    session.flush()
    session.execute(
        insert(Unit),
        [
            {"code": f"XA{i:05d}", "name": f"Xã số {i}", "name_sort": f"{i:08d}",
             "unit_type_id": unit_type.id, "active": True}
            for i in range(units)
        ],
    )  # fmt: skip
    per_field = lines // 10
    framework = Framework(code="BENCH", name="Bench", year=2026, unit_type=unit_type,
                          max_points=Decimal(per_field * 10))  # fmt: skip
    session.add(framework)
    for f in range(1, 11):
        field = Criterion(framework=framework, code=str(f), sort_key=code_sort_key(str(f)),
                          title=f"Lĩnh vực {f}", max_points=per_field)  # fmt: skip
        session.add(field)
        for c in range(1, per_field + 1):
            code = f"{f}.{c}"
            line = Criterion(framework=framework, parent=field, code=code, title=code,
                             sort_key=code_sort_key(code), max_points=1)  # fmt: skip
            session.add(line)
    round_ = Round(name="Bench", year=2026, framework=framework, organiser_unit=organiser)
    session.add(round_)
    session.flush()
    unit_ids = session.query(Unit.id).filter(Unit.code.like("XA%")).all()
    session.execute(
        insert(round_unit), [{"round_id": round_.id, "unit_id": u} for (u,) in unit_ids]
    )
    import datetime

    round_.self_start = datetime.datetime(2026, 1, 1)
    round_.self_end = datetime.datetime(2026, 2, 1)
    session.commit()
    return round_


def settle(session):
    """What autovacuum does for a live database between a bulk load and the first users:
    drop dead rows, refresh the statistics, write the dirty pages out (PostgreSQL), so a bench
    does not time the aftermath of building its own data."""
    session.commit()
    engine = session.get_bind()
    postgres = engine.dialect.name == "postgresql"
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("VACUUM ANALYZE" if postgres else "ANALYZE")
        if postgres:
            connection.exec_driver_sql("CHECKPOINT")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--units", type=int, default=3321)
    parser.add_argument("--lines", type=int, default=140)
    parser.add_argument("--database-url")
    args = parser.parse_args()

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
    from app.models import ScoreLine

    with app.app_context():
        round_ = build(db.session, args.units, args.lines)
        started = time.perf_counter()
        open_round(db.session, round_, None)
        db.session.commit()
        seconds = time.perf_counter() - started
        count = db.session.query(func.count(ScoreLine.id)).scalar()
        db.engine.dispose()
    print(f"{url.split(':')[0]}: open_round created "
          f"{count:,} score lines for {args.units:,} units in {seconds:.2f} s")  # fmt: skip
    if drop:
        drop()


if __name__ == "__main__":
    main()
