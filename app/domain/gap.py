"""Gap analysis of one unit in a round (phân tích điểm hụt): where it lost points, against the
maximum, against the province's best units, and since last year.

Per leaf criterion counted in the sums (bonus and penalty lines are outside the maximum, so
they have no gap; survey lines are in):
- points: the line's approved points (0 while not approved, as the results count them);
  a not-applicable line has no points, no maximum and no gap;
- lost = maximum - points;
- best units: the mean points, on the criterion, of the round's top group, the units whose
  index is at least the index of the unit ranked ceil(10%) of the round (at least one unit;
  every unit tied with it is in, so the group never depends on an arbitrary order). Only the
  top units to whom the criterion applies count. Behind best = that mean - points (negative
  when the unit does better than the best units). Why the mean of the top 10% rather than
  the best unit per criterion: in a real round some unit nearly always has the full points
  on every criterion, so "the best unit" is the maximum again and says nothing new; the top
  group's mean shows what the leading units actually achieve;
- rate = points / maximum in %, and the change since last year in percentage points against
  the same criterion code in last year's round (app/domain/year_change.py: the same unit,
  or every unit merged into it, their points and maxima added before dividing). A rate is
  compared because the maximum of a code may change with the framework.
Per field: the unit's stored field result (points, applicable maximum, component index),
the top group's mean component index, and last year's index of the field with the same code
(pooled over merged units the same way).

Set-based: a fixed number of queries whatever the number of units or criteria (about ten):
the criteria, the unit's lines, the round's indexes, the top group's sums per criterion and
per field, and last year's round, merges, lines, fields and results (the field figures are
in the unit results' rows).
"""

from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import undefer

from app.domain import results_sql as sql
from app.domain.year_change import _formed_from, _predecessors, index_of, previous_round
from app.models.criteria import RULE_SURVEY, Criterion
from app.models.results import UnitResult, decode_fields, index_sums
from app.models.scoring import Assessment, ScoreLine

TOP_PERCENT = 10  # the top group: the best 10% of the round's units
LIST_LENGTH = 10  # lines in each "where most was lost" list
ZERO = Decimal("0.00")


def _points(cents):
    return Decimal(int(cents)).scaleb(-2)


def _mean(cents, count):
    """The mean of `count` values adding up to `cents`, in cents, half up (cents >= 0)."""
    return _points((2 * int(cents) + count) // (2 * count)) if count else None


@dataclass
class GapLine:
    criterion_id: int
    code: str
    title: str
    field_code: str
    depth: int
    max_points: Decimal
    survey: bool = False
    not_applicable: bool = False
    approved: bool = False  # has approved points (step 4, or the survey import), as results
    points: Decimal | None = None  # None when not applicable
    lost: Decimal | None = None
    best: Decimal | None = None  # the top group's mean points
    behind_best: Decimal | None = None
    rate: Decimal | None = None  # points / maximum, %
    previous_rate: Decimal | None = None
    change: Decimal | None = None  # rate - previous rate, percentage points

    @property
    def best_rate(self):
        return None if self.best is None else index_of(self.best, self.max_points)


@dataclass
class GapField:
    criterion_id: int
    code: str
    title: str
    points: Decimal = ZERO
    applicable_max: Decimal = ZERO
    index: Decimal | None = None
    lost: Decimal = ZERO
    best_index: Decimal | None = None  # the top group's mean component index
    previous_index: Decimal | None = None
    change: Decimal | None = None


@dataclass
class GapReport:
    round_id: int
    unit_id: int
    result: UnitResult | None
    units_ranked: int
    top_count: int  # units in the top group
    top_threshold: Decimal | None  # their lowest index
    previous_round_id: int | None
    fields: list = field(default_factory=list)  # [GapField] in tree order
    lines: list = field(default_factory=list)  # [GapLine] in tree order

    @property
    def lost_total(self):
        return sum((f.lost for f in self.fields), ZERO)

    @property
    def largest_losses(self):
        """The lines where the most points were lost against the maximum, most first."""
        lost = [line for line in self.lines if line.lost]
        return sorted(lost, key=lambda line: -line.lost)[:LIST_LENGTH]

    @property
    def furthest_behind(self):
        """The lines where the unit is furthest behind the best units, most first."""
        behind = [line for line in self.lines if line.behind_best and line.behind_best > 0]
        return sorted(behind, key=lambda line: -line.behind_best)[:LIST_LENGTH]


def framework_criteria(session, framework_id):
    """The framework's criteria in tree order: (id, parent id, code, title, max, rule)."""
    return session.execute(
        select(
            Criterion.id, Criterion.parent_id, Criterion.code, Criterion.title,
            Criterion.max_points, Criterion.rule,
        )
        .where(Criterion.framework_id == framework_id)
        .order_by(Criterion.sort_key)
    ).all()  # fmt: skip


def _unit_lines(session, round_id, unit_id):
    return {
        criterion_id: (approved, not_applicable)
        for criterion_id, approved, not_applicable in session.execute(
            select(ScoreLine.criterion_id, ScoreLine.approved_points, ScoreLine.not_applicable)
            .join(Assessment, ScoreLine.assessment_id == Assessment.id)
            .where(Assessment.round_id == round_id, Assessment.unit_id == unit_id)
        )
    }  # fmt: skip


def top_group(session, round_id):
    """(units ranked, size of the top group, its lowest index): see the module docstring."""
    indexes = list(
        session.scalars(
            select(UnitResult.index)
            .where(UnitResult.round_id == round_id)
            .order_by(UnitResult.index.desc())
        )
    )
    if not indexes:
        return 0, 0, None
    wanted = max(1, -(-len(indexes) * TOP_PERCENT // 100))  # ceil(10%), in integers
    threshold = indexes[wanted - 1]
    return len(indexes), sum(1 for i in indexes if i >= threshold), threshold


def _top_lines(session, round_id, threshold):
    """{criterion id: (points in cents, applicable lines)} over the top group's lines."""
    rows = session.execute(
        select(ScoreLine.criterion_id, sql._cents(ScoreLine.approved_points), func.count())
        .join(Assessment, ScoreLine.assessment_id == Assessment.id)
        .join(
            UnitResult,
            (UnitResult.round_id == Assessment.round_id)
            & (UnitResult.unit_id == Assessment.unit_id),
        )
        .where(
            Assessment.round_id == round_id,
            UnitResult.index >= threshold,
            ScoreLine.not_applicable.is_(False),
        )
        .group_by(ScoreLine.criterion_id)
    )
    return {criterion_id: (cents, count) for criterion_id, cents, count in rows}


def _top_fields(session, round_id, threshold):
    """{field id: (sum of component indexes in hundredths, fields with an index)}."""
    return index_sums(
        session.scalars(
            select(UnitResult.field_figures).where(
                UnitResult.round_id == round_id, UnitResult.index >= threshold
            )
        )
    )


def _unit_fields(result):
    return {id_: (f.points, f.applicable_max, f.index) for id_, f in result.fields.items()}


def _previous(session, round_, unit_id):
    """(previous round id, {criterion code: rate %}, {field code: index %}) of the units the
    unit was formed from, last year; (None, {}, {}) without a previous round."""
    before = previous_round(session, round_)
    if before is None:
        return None, {}, {}
    units = _formed_from(unit_id, _predecessors(session))
    lines = session.execute(
        select(
            Criterion.code, sql._cents(ScoreLine.approved_points), sql._cents(Criterion.max_points)
        )
        .join(Assessment, ScoreLine.assessment_id == Assessment.id)
        .join(Criterion, ScoreLine.criterion_id == Criterion.id)
        .where(
            Assessment.round_id == before.id,
            Assessment.unit_id.in_(units),
            ScoreLine.not_applicable.is_(False),
            Criterion.rule.not_in(sql.OUTSIDE_SUMS),
        )
        .group_by(Criterion.code)
    )
    rates = {code: index_of(_points(p), _points(m)) for code, p, m in lines}
    codes = dict(
        session.execute(
            select(Criterion.id, Criterion.code).where(
                Criterion.framework_id == before.framework_id, Criterion.parent_id.is_(None)
            )
        ).all()
    )
    fields = {}  # field code: (points, applicable maximum), pooled over the merged units
    for stored in session.scalars(
        select(UnitResult.field_figures).where(
            UnitResult.round_id == before.id, UnitResult.unit_id.in_(units)
        )
    ):
        for field_id, figures in decode_fields(stored).items():
            code = codes.get(field_id)
            if code is not None:
                points, maximum = fields.get(code, (ZERO, ZERO))
                fields[code] = (points + figures.points, maximum + figures.applicable_max)
    indexes = {code: index_of(p, m) for code, (p, m) in fields.items()}
    return before.id, rates, indexes


def _change(now, before):
    return None if now is None or before is None else now - before


def gap_report(session, round_, unit_id):
    """The gap analysis of unit `unit_id` in `round_` (see the module docstring). Uses the
    stored results (compute them first); a unit without a result gets its lines only."""
    result = session.scalar(
        select(UnitResult)
        .options(undefer(UnitResult.field_figures))
        .where(UnitResult.round_id == round_.id, UnitResult.unit_id == unit_id)
    )
    ranked, top_count, threshold = top_group(session, round_.id)
    top_lines = _top_lines(session, round_.id, threshold) if threshold is not None else {}
    top_fields = _top_fields(session, round_.id, threshold) if threshold is not None else {}
    unit_fields = _unit_fields(result) if result is not None else {}
    previous_id, previous_rates, previous_fields = _previous(session, round_, unit_id)
    report = GapReport(round_.id, unit_id, result, ranked, top_count, threshold, previous_id)
    lines = _unit_lines(session, round_.id, unit_id)
    criteria = framework_criteria(session, round_.framework_id)
    field_of = {}
    for criterion_id, parent_id, code, title, maximum, rule in criteria:
        field_of[criterion_id] = field_of.get(parent_id, code)
        if parent_id is None:
            points, applicable, index = unit_fields.get(criterion_id, (ZERO, ZERO, None))
            cents, count = top_fields.get(criterion_id, (0, 0))
            item = GapField(
                criterion_id, code, title, points, applicable, index, applicable - points,
                _mean(cents, count), previous_fields.get(code),
            )  # fmt: skip
            item.change = _change(item.index, item.previous_index)
            report.fields.append(item)
        line = lines.get(criterion_id)
        if line is None or rule in sql.OUTSIDE_SUMS:
            continue  # a heading, or a bonus or penalty line
        approved, not_applicable = line
        item = GapLine(
            criterion_id, code, title, field_of[criterion_id], code.count("."), maximum,
            survey=rule == RULE_SURVEY, not_applicable=bool(not_applicable),
            approved=approved is not None,
        )  # fmt: skip
        report.lines.append(item)
        if item.not_applicable:
            continue
        item.points = Decimal(approved if approved is not None else 0).quantize(ZERO)
        item.lost = maximum - item.points
        cents, count = top_lines.get(criterion_id, (0, 0))
        item.best = _mean(cents, count)
        item.behind_best = _change(item.best, item.points)
        item.rate = index_of(item.points, maximum)
        item.previous_rate = previous_rates.get(code)
        item.change = _change(item.rate, item.previous_rate)
    return report
