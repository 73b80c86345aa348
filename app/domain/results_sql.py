"""The set-based part of app/domain/results.py: a round's lines summed once, in the database.

A national round has about 465,000 score lines, so nothing here works line by line, or unit
by unit:

1. `scratch_table`: one GROUP BY over score_line x criterion for the whole round, by unit and
   field (top-level criterion, found by a recursive CTE: the tree may have any depth), of the
   applicable lines that are not bonus or penalty lines, stored in a temporary table
   (CREATE TEMPORARY TABLE ... AS SELECT, so PostgreSQL may run it in parallel).
2. `unit_sums` reads that table back per unit (one row per unit); `outside_sums` reads the
   bonus and penalty lines by their criterion ids (a few lines per unit, through the
   (assessment, criterion) index), each line capped at its criterion's max_points.
3. `field_rows` reads it whole (one row per unit and field) for the per-field figures that
   app/domain/results.py writes into each unit's result row.

Exactness: points are kept as integer cents (SQLite stores Numeric as binary floating point;
ROUND(SUM(points) * 100) of 2-place values is the exact number of cents), and an index is
computed in integer arithmetic: `index_hundredths` in Python and `_index_sql` in SQL are the
same formula, half up to 2 decimals, for the non-negative values they are given.
"""

import functools

from sqlalchemy import (
    BigInteger,
    Column,
    Integer,
    MetaData,
    Table,
    case,
    cast,
    func,
    null,
    select,
)

from app.models.criteria import RULE_BONUS, RULE_PENALTY, RULE_SURVEY, Criterion
from app.models.rounds import round_unit
from app.models.scoring import Assessment, ScoreLine

OUTSIDE_SUMS = (RULE_BONUS, RULE_PENALTY)
SCRATCH = "tmp_results_lines"
# PostgreSQL settings for the rest of the computation's transaction (SET LOCAL). With the
# default 4 MB the scan's hash aggregate of a national round (33,210 groups, about 50 MB of
# numeric sums) spills to disk in 129 batches; JIT compiling the scan costs more than it
# saves, and the first JIT of a connection loads LLVM. On bench.results' national round:
# the first computation 1.21 -> 1.04 s, a recomputation 0.70 -> 0.62 s.
SCAN_SETTINGS = {"work_mem": "64MB", "jit": "off"}
# The temporary table, as SQLAlchemy sees it (never part of the app's schema).
lines = Table(
    SCRATCH,
    MetaData(),
    Column("unit_id", Integer),
    Column("field_id", Integer),
    Column("points", BigInteger),  # cents; survey lines included
    Column("survey", BigInteger),  # cents, survey lines only
    Column("maximum", BigInteger),  # cents
    Column("self", BigInteger),  # cents
    Column("unapproved", BigInteger),  # lines without approved points
)


def index_hundredths(points_cents, maximum_cents):
    """points / maximum in %, in hundredths of a percent, half up; None when nothing applies.

    (2 p 10000 + m) // (2 m) = floor(p / m * 10000 + 1/2): exact integer arithmetic."""
    if maximum_cents <= 0:
        return None
    return (2 * points_cents * 10000 + maximum_cents) // (2 * maximum_cents)


@functools.lru_cache(maxsize=1 << 16)  # a round repeats the same few thousand values
def cents_text(cents):
    """Integer cents (or hundredths) as the text of their 2-place Decimal: 850 -> "8.50"."""
    whole, part = divmod(abs(cents), 100)
    return f"{'-' if cents < 0 else ''}{whole}.{part:02d}"


def _index_sql(points, maximum):
    """`index_hundredths` in SQL: SQLAlchemy renders `//` as integer division (truncating,
    the same as Python's floor for the values >= 0 it is given)."""
    return case(
        (maximum > 0, (2 * points * 10000 + maximum) // (2 * maximum)),
        else_=null(),
    )


def _cents(expression):
    return cast(func.round(func.coalesce(func.sum(expression), 0) * 100), BigInteger)


def _unapproved():
    return func.count() - func.count(ScoreLine.approved_points)


def field_tree(framework_id):
    """A recursive CTE: every criterion of the framework with its field (top-level) id."""
    top = (
        select(Criterion.id.label("id"), Criterion.id.label("field_id"))
        .where(Criterion.framework_id == framework_id, Criterion.parent_id.is_(None))
        .cte("field_tree", recursive=True)
    )
    child = select(Criterion.id, top.c.field_id).join(top, Criterion.parent_id == top.c.id)
    return top.union_all(child)


def field_sums(round_):
    """SELECT per unit and field of the round's applicable lines, bonus and penalty left out:
    points, survey, maximum and self in cents, and the count of lines not approved."""
    tree = field_tree(round_.framework_id)
    approved = ScoreLine.approved_points
    return (
        select(
            Assessment.unit_id.label("unit_id"),
            tree.c.field_id.label("field_id"),
            _cents(approved).label("points"),
            _cents(case((Criterion.rule == RULE_SURVEY, approved))).label("survey"),
            _cents(Criterion.max_points).label("maximum"),
            # Survey lines are never self-scored (the self-assessment refuses them).
            _cents(ScoreLine.self_points).label("self"),
            _unapproved().label("unapproved"),
        )
        .select_from(ScoreLine)
        .join(Assessment, ScoreLine.assessment_id == Assessment.id)
        .join(Criterion, ScoreLine.criterion_id == Criterion.id)
        .join(tree, tree.c.id == Criterion.id)
        .where(
            Assessment.round_id == round_.id,
            ScoreLine.not_applicable.is_(False),
            Criterion.rule.not_in(OUTSIDE_SUMS),
        )
        .group_by(Assessment.unit_id, tree.c.field_id)
    )


def scratch_table(session, round_):
    """(Re)create the temporary table of `field_sums` for the round: the one full scan."""
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        for name, value in SCAN_SETTINGS.items():
            connection.exec_driver_sql(f"SET LOCAL {name} = '{value}'")
    connection.exec_driver_sql(f"DROP TABLE IF EXISTS {SCRATCH}")
    # Only integers and the module's constants are inlined: no user text reaches this SQL.
    query = field_sums(round_).compile(
        dialect=connection.dialect, compile_kwargs={"literal_binds": True}
    )
    connection.exec_driver_sql(f"CREATE TEMPORARY TABLE {SCRATCH} AS {query}")
    # The reads below join it by unit: without an index SQLite would scan it once per unit.
    connection.exec_driver_sql(f"CREATE INDEX {SCRATCH}_unit ON {SCRATCH} (unit_id, field_id)")


def drop_scratch_table(session):
    session.connection().exec_driver_sql(f"DROP TABLE IF EXISTS {SCRATCH}")


def unit_sums(round_):
    """SELECT per participating unit: the sums of its fields (cents), its lines not approved,
    and its lowest field index in hundredths (fields where something applies)."""
    total = func.coalesce
    return (
        select(
            round_unit.c.unit_id,
            total(func.sum(lines.c.points), 0),
            total(func.sum(lines.c.survey), 0),
            total(func.sum(lines.c.maximum), 0),
            total(func.sum(lines.c.self), 0),
            total(func.sum(lines.c.unapproved), 0),
            func.min(_index_sql(lines.c.points, lines.c.maximum)),
        )
        .select_from(round_unit)
        .outerjoin(lines, lines.c.unit_id == round_unit.c.unit_id)
        .where(round_unit.c.round_id == round_.id)
        .group_by(round_unit.c.unit_id)
    )


def outside_sums(round_, criterion_ids):
    """SELECT per unit and rule (bonus, penalty) over the applicable lines of `criterion_ids`:
    capped (cents: each line's approved points as a size, at most its max_points), self
    (cents, a penalty negative) and the count of lines not approved."""
    size = func.abs(ScoreLine.approved_points)
    capped = case((size > Criterion.max_points, Criterion.max_points), else_=size)
    return (
        select(
            Assessment.unit_id,
            Criterion.rule,
            _cents(capped),
            _cents(ScoreLine.self_points),
            _unapproved(),
        )
        .select_from(ScoreLine)
        .join(Assessment, ScoreLine.assessment_id == Assessment.id)
        .join(Criterion, ScoreLine.criterion_id == Criterion.id)
        .where(
            Assessment.round_id == round_.id,
            ScoreLine.not_applicable.is_(False),
            ScoreLine.criterion_id.in_(criterion_ids),
        )
        .group_by(Assessment.unit_id, Criterion.rule)
    )


def field_rows():
    """SELECT unit_id, field_id, points, maximum (cents) of the scratch table: each unit's
    fields where something applies, for the unit results' `fields`."""
    return select(lines.c.unit_id, lines.c.field_id, lines.c.points, lines.c.maximum)
