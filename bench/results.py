"""Bench: computing the results of a national-scale round against a hand-written GROUP BY.

    .venv/bin/python -m bench.results [--units 3321] [--lines 140] [--runs 3]
                                      [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres]

Builds 3,321 communes x 140 lines (about 465,000 score lines) with bench.open_round, gives
every line approved points (some lines not applicable, some bonus and penalty lines, grade
bands with a field floor), then, in the same run and alternately, times:

- compute_results: the domain's computation, writing 3,321 UnitResult rows with their
  33,210 field figures (grades, ranks, change included), and its commit, printed apart; first
  on a round without results (every row inserted), then --runs times after new points were
  given to every line (every row updated);
- a hand-written SQL GROUP BY over the same tables giving each unit's points and applicable
  maximum per field, fetched to Python: the least any computation must do;
- for reference, the same GROUP BY stored as one row per unit and field: INSERT ... SELECT
  into a table with foreign keys to unit and criterion and a unique index, as the field
  results were kept before migration 0006 (PostgreSQL checks each new row's foreign keys one
  by one): why they are now kept in the unit's row.

Prints the seconds of each, the ratios to the hand-written query of the same run (target: at
most 2x), and the number of SQL statements compute_results issued.
"""

import argparse
import datetime
import os
import statistics
import tempfile
import time
from decimal import Decimal

from sqlalchemy import event, text

from bench.open_round import settle

HAND_WRITTEN = """
SELECT a.unit_id, field.id AS field_id,
       SUM(CASE WHEN sl.not_applicable = :no AND c.rule NOT IN ('bonus', 'penalty')
                THEN COALESCE(sl.approved_points, 0) ELSE 0 END) AS points,
       SUM(CASE WHEN sl.not_applicable = :no AND c.rule NOT IN ('bonus', 'penalty')
                THEN c.max_points ELSE 0 END) AS maximum
FROM score_line sl
JOIN assessment a ON a.id = sl.assessment_id
JOIN criterion c ON c.id = sl.criterion_id
JOIN criterion field ON field.id = c.parent_id
WHERE a.round_id = :round_id
GROUP BY a.unit_id, field.id
"""

STORED = "bench_stored_sums"
STORED_TABLE = """
CREATE TABLE bench_stored_sums (
    id {id} PRIMARY KEY,
    unit_id INTEGER NOT NULL REFERENCES unit (id),
    field_id INTEGER NOT NULL REFERENCES criterion (id),
    points NUMERIC(10, 2), maximum NUMERIC(10, 2),
    UNIQUE (unit_id, field_id)
){storage}
"""


def _organiser(session):
    from flask_appbuilder.security.sqla.models import Role

    from app.models import AppUser
    from app.security import roles

    role = session.query(Role).filter_by(name=roles.ORGANISER).one()
    user = AppUser(username="bench.organiser", first_name="Bench", last_name="Organiser",
                   email="bench.organiser@example.vn", active=True, roles=[role])  # fmt: skip
    session.add(user)
    session.commit()
    return user


def _arrange(session, round_):
    """Approved points on every line; a bonus line (1.14) and a penalty line (5.14), as real
    frameworks have; one line in 50 not applicable; five grades, the top one with a 70%
    field floor."""
    from sqlalchemy import update

    from app.models import Criterion, GradeBand, ScoreLine

    framework_id = round_.framework_id
    for code, rule in (("1.14", "bonus"), ("5.14", "penalty")):
        session.execute(
            update(Criterion)
            .where(Criterion.framework_id == framework_id, Criterion.code == code)
            .values(rule=rule)
        )
    _give_points(session, 0)
    session.execute(update(ScoreLine).where(ScoreLine.id % 50 == 7).values(not_applicable=True))
    for position, (name, low, floor) in enumerate(
        [("Xuất sắc", 90, 70), ("Tốt", 80, None), ("Khá", 70, None), ("Trung bình", 50, None),
         ("Yếu", 0, None)]
    ):  # fmt: skip
        session.add(GradeBand(framework_id=framework_id, name=name, min_index=Decimal(low),
                              field_floor=floor, position=position))  # fmt: skip
    session.commit()


def _give_points(session, shift):
    """0, 0.25, 0.5, 0.75 or 1 point on every line, spread by line id and `shift`, so each
    recomputation finds every unit's figures changed."""
    from sqlalchemy import update

    from app.models import ScoreLine

    points = ((ScoreLine.id + shift) % 5) * Decimal("0.25")
    session.execute(update(ScoreLine).values(approved_points=points, self_points=points))
    session.commit()
    settle(session)


def _hand_written(session, round_id, no):
    rows = session.execute(text(HAND_WRITTEN), {"round_id": round_id, "no": no}).all()
    return len(rows)


def _stored_table(session):
    postgres = session.get_bind().dialect.name == "postgresql"
    session.execute(
        text(
            STORED_TABLE.format(
                id="SERIAL" if postgres else "INTEGER",
                storage=" WITH (fillfactor = 50)" if postgres else "",  # as field_result was
            )
        )
    )
    session.commit()


def _stored(session, round_id, no):
    """Seconds to store the hand-written GROUP BY's rows (rolled back, not committed: the
    computation's commit is timed apart too)."""
    insert = f"INSERT INTO {STORED} (unit_id, field_id, points, maximum) {HAND_WRITTEN}"
    started = time.perf_counter()
    session.execute(text(insert), {"round_id": round_id, "no": no})
    seconds = time.perf_counter() - started
    session.rollback()
    return seconds


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--units", type=int, default=3321)
    parser.add_argument("--lines", type=int, default=140)
    parser.add_argument("--runs", type=int, default=3)
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
    from app.domain.results import compute_results
    from app.domain.rounds import open_round
    from app.extensions import db
    from app.models import ScoreLine, UnitResult

    with app.app_context():
        session = db.session
        started = time.perf_counter()
        round_ = build(session, args.units, args.lines)
        round_.self_start = datetime.datetime(2000, 1, 1)
        round_.self_end = datetime.datetime(2100, 1, 1)
        open_round(session, round_, None)
        session.commit()
        _arrange(session, round_)
        organiser = _organiser(session)
        settle(session)
        lines = session.query(ScoreLine).count()
        print(f"built {lines:,} score lines for {args.units:,} units"
              f" in {time.perf_counter() - started:.1f} s")  # fmt: skip
        no = False
        _stored_table(session)
        statements = []
        event.listen(db.engine, "before_cursor_execute", lambda *a, **k: statements.append(1))
        domain, commits, hand, stored = [], [], [], []
        for run in range(args.runs + 1):
            if run:  # new points everywhere (not timed): every result row must change
                _give_points(session, run)
            stored.append(_stored(session, round_.id, no))  # rolled back: before the warm-up
            _hand_written(session, round_.id, no)  # warm the cache for both, untimed
            started = time.perf_counter()
            groups = _hand_written(session, round_.id, no)
            hand.append(time.perf_counter() - started)
            statements.clear()
            started = time.perf_counter()
            summary = compute_results(session, round_, organiser)
            domain.append(time.perf_counter() - started)
            counted = len(statements)
            started = time.perf_counter()
            session.commit()
            commits.append(time.perf_counter() - started)
        kept = session.query(UnitResult).filter_by(round_id=round_.id).all()
        results, fields = len(kept), sum(len(r.field_figures) for r in kept)
        db.engine.dispose()
    backend = url.split(":")[0].split("+")[0]
    # Each run's computation against the hand-written query timed just before it: the
    # machine's load moves both alike.
    ratios = [d / h for d, h in zip(domain, hand, strict=True)]
    to_stored = [d / s for d, s in zip(domain, stored, strict=True)]
    print(f"{backend}: compute_results for {summary.units:,} units wrote {results:,} unit"
          f" with {fields:,} field figures in {counted} SQL statements")  # fmt: skip
    print(f"{backend}: hand-written SQL GROUP BY ({groups:,} unit x field groups): best"
          f" {min(hand):.2f} s, median {statistics.median(hand):.2f} s")  # fmt: skip
    print(f"{backend}: seconds per run (the first one inserting): compute_results"
          f" {' '.join(f'{d:.2f}' for d in domain)}; hand-written query"
          f" {' '.join(f'{h:.2f}' for h in hand)}")  # fmt: skip
    print(f"{backend}: compute_results, first time (every row inserted): {domain[0]:.2f} s,"
          f" {ratios[0]:.2f}x the hand-written query of the same run")  # fmt: skip
    print(f"{backend}: compute_results, recomputed after every unit changed: best"
          f" {min(domain[1:]):.2f} s, median {statistics.median(domain[1:]):.2f} s;"
          f" {statistics.median(ratios[1:]):.2f}x the hand-written query (median of the"
          f" runs, best {min(ratios[1:]):.2f}x; target at most 2x);"
          f" commit median {statistics.median(commits):.2f} s")  # fmt: skip
    print(f"{backend}: for reference, the hand-written GROUP BY stored, one row per unit and"
          f" field (INSERT ... SELECT, foreign keys): median {statistics.median(stored):.2f} s;"
          f" compute_results is {to_stored[0]:.2f}x that the first time,"
          f" {statistics.median(to_stored[1:]):.2f}x recomputed")  # fmt: skip
    if drop:
        drop()


if __name__ == "__main__":
    main()
