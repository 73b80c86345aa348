"""A round's results: per unit, points and component index per field, totals, index, grade,
rank and the change since last year. Recomputable until the round is published, then frozen.

The rules, once:
- A line counts with its approved points (`ScoreLine.approved_points`: the team leader's
  approval, step 4, or the survey import). A line not approved yet counts 0 and is reported.
- Not-applicable lines are out of both the points and the maximum.
- Bonus and penalty lines are outside the field sums and the maximum: each adds (bonus) or
  takes away (penalty, stored negative or positive) at most its criterion's max_points.
- Field (top-level criterion): points and applicable maximum of its other leaves, survey
  lines included; component index = points / maximum in %, none when nothing applies.
- Approved total = approved points of the lines that are neither survey nor bonus/penalty;
  survey points = approved points of the survey lines; total (points achieved) = approved
  total + survey points + bonus - penalty, never below 0; index = total / applicable maximum
  in %, 2 decimals, half up. Exact throughout: integer cents in the database and in
  Python, Decimal in and out (never binary floating point arithmetic).
- Self total = the self points of the applicable lines other than survey lines, bonus and
  penalty included, as the unit's score sheet shows it.
- Grade: the framework's bands from the highest `min_index`; a band with a `field_floor`
  also needs every field's component index at or above the floor, else the unit falls to
  the next band down.
- Rank: dense, by index, among the round's units (a round has one framework): equal indexes
  share a rank and the next index takes the next rank (1, 1, 2).
- Change: against last year, through mergers: app/domain/year_change.py.

Set-based (app/domain/results_sql.py): one GROUP BY over score_line x criterion for the whole
round into a temporary table, a few small reads, then the unit results, their fields in the
same rows, written in bulk: about 15 statements whatever the number of units or lines.
Result rows are updated in place, so their ids stay the same from one computation to the
next.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import and_, bindparam, delete, insert, select, update

from app.domain import audit, policy
from app.domain import results_sql as sql
from app.domain.clock import utcnow
from app.domain.decision import ALLOW, deny
from app.domain.errors import DomainError
from app.domain.gc_pause import gc_paused
from app.domain.year_change import fill_changes
from app.models.criteria import RULE_BONUS, Criterion, GradeBand
from app.models.results import UnitResult, field_entry
from app.models.rounds import PHASE_DRAFT, PHASE_PUBLISHED
from app.models.units import Unit


def _points(cents):
    """Integer cents as the 2-place Decimal the columns hold."""
    return Decimal(int(cents)).scaleb(-2)


@dataclass
class UnitFigures:
    """One unit's computed result, before it is written as a UnitResult (Decimal points)."""

    unit_id: int
    self_total: Decimal = Decimal("0.00")
    approved_total: Decimal = Decimal("0.00")
    survey_points: Decimal = Decimal("0.00")
    bonus: Decimal = Decimal("0.00")
    penalty: Decimal = Decimal("0.00")
    total: Decimal = Decimal("0.00")
    applicable_max: Decimal = Decimal("0.00")
    index: Decimal = Decimal("0.00")
    lowest_field_index: Decimal | None = None  # for the grade bands' field floor
    grade_band_id: int | None = None
    rank: int | None = None
    previous_index: Decimal | None = None
    index_change: Decimal | None = None
    unapproved_lines: int = 0
    field_figures: dict = field(default_factory=dict)  # as UnitResult.field_figures stores it


@dataclass(frozen=True)
class UnapprovedUnit:
    unit_id: int
    code: str
    name: str
    lines: int


@dataclass
class ResultsSummary:
    """What `compute_results` did: units computed, and units with lines not approved yet."""

    round_id: int
    units: int
    computed_at: object
    previous_round_id: int | None = None
    unapproved: list = field(default_factory=list)  # of UnapprovedUnit, by unit code

    @property
    def unapproved_lines(self):
        return sum(u.lines for u in self.unapproved)


def results_frozen(round_):
    """Published results never change: no recomputation, no survey import."""
    return round_.published_at is not None or round_.phase == PHASE_PUBLISHED


def results_decision(user, round_):
    """May `user` compute (or recompute) the results of `round_` now? Says why not."""
    if not policy.is_organiser(user):
        return deny(_("Only the organiser (Department of Home Affairs) may compute the results."))
    if results_frozen(round_):
        return deny(_("The results of this round have been published; they can no longer change."))
    if round_.phase == PHASE_DRAFT:
        return deny(_("The round has not been opened yet: it has no score lines."))
    return ALLOW


def _framework_parts(session, framework_id):
    """(field ids in tree order, ids of the bonus and penalty criteria): one small query."""
    fields, outside = [], []
    for criterion_id, parent_id, rule in session.execute(
        select(Criterion.id, Criterion.parent_id, Criterion.rule)
        .where(Criterion.framework_id == framework_id)
        .order_by(Criterion.sort_key)
    ):
        if rule in sql.OUTSIDE_SUMS:
            outside.append(criterion_id)
        elif parent_id is None:
            fields.append(criterion_id)
    return fields, outside


def _rows(session, statement):
    """All the rows of a Core SELECT, fetched at once on the session's connection: without
    the ORM's per-row work, a national round's 33,210 field rows cost twice as much."""
    return session.connection().execute(statement).all()


def _field_figures(session, fields):
    """({unit id: field figures as UnitResult.field_figures stores them}, the figures of a
    unit with no line): every field of `fields` (0 of 0, no index, where nothing applies)."""
    keys = {field_id: str(field_id) for field_id in fields}
    nothing = field_entry(sql.cents_text(0), sql.cents_text(0), None)
    empty = {key: nothing for key in keys.values()}
    figures = {}
    for unit_id, field_id, points, maximum in _rows(session, sql.field_rows()):
        key = keys.get(field_id)
        if key is None:
            continue
        unit = figures.get(unit_id)
        if unit is None:
            unit = figures[unit_id] = dict(empty)
        points, maximum = int(points), int(maximum)
        index = sql.index_hundredths(points, maximum)
        unit[key] = field_entry(
            sql.cents_text(points), sql.cents_text(maximum),
            None if index is None else sql.cents_text(index),
        )  # fmt: skip
    return figures, empty


def _figures(session, round_, fields, outside):
    """{unit id: UnitFigures} for every participating unit, from the scratch table (one row
    per unit, one per unit and field) and the bonus and penalty lines; arithmetic in integer
    cents."""
    cents = {}
    for unit_id, points, survey, maximum, self_cents, unapproved, lowest in _rows(
        session, sql.unit_sums(round_)
    ):
        points, survey = int(points), int(survey)
        cents[unit_id] = {
            "approved": points - survey, "survey": survey, "maximum": int(maximum),
            "self": int(self_cents), "unapproved": int(unapproved), "bonus": 0, "penalty": 0,
            "lowest": None if lowest is None else int(lowest),
        }  # fmt: skip
    if outside:
        for unit_id, rule, capped, self_cents, unapproved in _rows(
            session, sql.outside_sums(round_, outside)
        ):
            unit = cents.get(unit_id)
            if unit is None:  # an assessment of a unit no longer in the round
                continue
            unit["bonus" if rule == RULE_BONUS else "penalty"] += int(capped)
            unit["self"] += int(self_cents)
            unit["unapproved"] += int(unapproved)
    field_figures, no_fields = _field_figures(session, fields)
    units = {}
    for unit_id, c in cents.items():
        total = max(c["approved"] + c["survey"] + c["bonus"] - c["penalty"], 0)
        index = sql.index_hundredths(total, c["maximum"]) or 0
        units[unit_id] = UnitFigures(
            unit_id, self_total=_points(c["self"]), approved_total=_points(c["approved"]),
            survey_points=_points(c["survey"]), bonus=_points(c["bonus"]),
            penalty=_points(c["penalty"]), total=_points(total),
            applicable_max=_points(c["maximum"]), index=_points(index),
            lowest_field_index=None if c["lowest"] is None else _points(c["lowest"]),
            unapproved_lines=c["unapproved"],
            field_figures=field_figures.get(unit_id) or dict(no_fields),
        )  # fmt: skip
    return units


def grade_of(unit, bands):
    """The first band (highest first) whose minimum and field floor the unit reaches."""
    for band in bands:
        if unit.index < band.min_index:
            continue
        lowest = unit.lowest_field_index
        if band.field_floor is not None and lowest is not None and lowest < band.field_floor:
            continue
        return band.id
    return None


def dense_ranks(units):
    """Rank 1 for the highest index; equal indexes share a rank, the next takes rank + 1."""
    ranks = {index: n for n, index in enumerate(sorted({u.index for u in units}, reverse=True), 1)}
    for unit in units:
        unit.rank = ranks[unit.index]


_VALUES = (
    "self_total", "approved_total", "survey_points", "bonus", "penalty", "total",
    "applicable_max", "index", "grade_band_id", "rank", "previous_index", "index_change",
    "field_figures",
)  # fmt: skip


def _expire_held(session, round_):
    """The rows change under the session's feet (bulk statements): reload on next access."""
    for obj in list(session.identity_map.values()):
        if isinstance(obj, UnitResult):
            session.expire(obj)


def _write(session, round_, units, now):
    """Bring the round's UnitResult rows in line with `units`, set-based.

    Rows are kept and updated in place (their ids stay the same from one computation to the
    next); only what changed is written. A few statements whatever the number of units."""
    _expire_held(session, round_)
    table = UnitResult.__table__
    existing = {
        row.unit_id: row
        for row in _rows(
            session,
            select(table.c.id, table.c.unit_id, *(table.c[n] for n in _VALUES)).where(
                table.c.round_id == round_.id
            ),
        )
    }
    gone = [row.id for unit_id, row in existing.items() if unit_id not in units]
    if gone:  # units no longer in the round: their results go
        session.execute(delete(UnitResult).where(UnitResult.id.in_(gone)))
    new, changed = [], []
    for unit in units.values():
        values = {name: getattr(unit, name) for name in _VALUES}
        row = existing.get(unit.unit_id)
        if row is None:
            new.append(
                {"round_id": round_.id, "unit_id": unit.unit_id, "computed_at": now, **values}
            )
        elif any(getattr(row, name) != value for name, value in values.items()):
            changed.append({"result_id": row.id, "computed_at": now, **values})
    if new:
        session.execute(insert(table), new)
    if changed:
        session.execute(
            update(table)
            .where(table.c.id == bindparam("result_id"))
            .values({name: bindparam(name) for name in (*_VALUES, "computed_at")}),
            changed,
        )
    unchanged = and_(table.c.round_id == round_.id, table.c.computed_at.is_distinct_from(now))
    session.execute(update(table).where(unchanged).values(computed_at=now))


def _unapproved(session, round_, units):
    waiting = {u.unit_id: u.unapproved_lines for u in units.values() if u.unapproved_lines}
    if not waiting:
        return []
    named = session.execute(
        select(Unit.id, Unit.code, Unit.name).where(Unit.id.in_(waiting)).order_by(Unit.code)
    )
    return [UnapprovedUnit(i, code, name, waiting[i]) for i, code, name in named if i in waiting]


@gc_paused()
def compute_results(session, round_, actor, now=None):
    """Compute and store the results of every participating unit of `round_`.

    Replaces any earlier computation; refused (DomainError) once the round is published, or
    for anyone but the organiser. Lines not approved count 0: the returned ResultsSummary
    lists the units that have some. Audited; the caller commits."""
    decision = results_decision(actor, round_)
    if not decision:
        raise DomainError(decision.reason)
    now = now or utcnow()
    fields, outside = _framework_parts(session, round_.framework_id)
    sql.scratch_table(session, round_)
    bands = list(
        session.scalars(
            select(GradeBand)
            .where(GradeBand.framework_id == round_.framework_id)
            .order_by(GradeBand.min_index.desc(), GradeBand.position)
        )
    )
    units = _figures(session, round_, fields, outside)
    for unit in units.values():
        unit.grade_band_id = grade_of(unit, bands)
    dense_ranks(list(units.values()))
    previous_id = fill_changes(session, round_, units)
    _write(session, round_, units, now)
    sql.drop_scratch_table(session)
    earlier = round_.results_computed_at
    round_.results_computed_at = now
    summary = ResultsSummary(round_.id, len(units), now, previous_id)
    summary.unapproved = _unapproved(session, round_, units)
    audit.record(
        session, actor, "compute_results", "round", round_.id,
        old=earlier.isoformat(sep=" ", timespec="seconds") if earlier else None,
        new=str(len(units)),
        reason=_(
            "%(lines)s lines not approved yet were counted as 0.", lines=summary.unapproved_lines
        ) if summary.unapproved else None,
    )  # fmt: skip
    return summary
