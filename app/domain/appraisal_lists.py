"""Set-based reads for the appraisal's lists, REST and the council's pages (no writes): who
holds which lines, the open supplement requests of a page of lines, the approved results of
a round per unit and field.

`held_lines` is the SQL form of the rule app/domain/assignees.py applies in Python (the most
specific assignment covering a line wins), so a list filtered by assignee shows exactly the
lines the sheets give that person, in one statement whatever the number of lines.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import case, exists, func, or_, select
from sqlalchemy.orm import aliased

from app.models.appraisal import Assignment
from app.models.criteria import RULE_BONUS, RULE_PENALTY, RULE_SURVEY, Criterion
from app.models.rounds import round_unit
from app.models.scoring import APPRAISAL_APPROVED, Assessment, ScoreLine
from app.models.supplement import REQUEST_CLOSED, SupplementRequest
from app.models.units import Unit

# Bonus and penalty lines add or take points outside the applicable maximum.
OUTSIDE_MAXIMUM = (RULE_BONUS, RULE_PENALTY)


def _covers(line_code, root_code):
    """SQL: the line's code is the assignment's root or lies under it."""
    return or_(line_code == root_code, line_code.startswith(root_code + "."))


def held_lines(user_id, kind=None):
    """SELECT of the ids of the score lines `user_id` holds (support or appraisal, or only
    `kind`): an assignment of theirs covers the line and no more specific assignment of the
    same kind, for the same round and unit, covers it."""
    line, assessment, line_criterion = aliased(ScoreLine), aliased(Assessment), aliased(Criterion)
    mine, mine_root = aliased(Assignment), aliased(Criterion)
    other, other_root = aliased(Assignment), aliased(Criterion)
    nearer = exists().where(
        other.round_id == mine.round_id,
        other.unit_id == mine.unit_id,
        other.kind == mine.kind,
        other_root.id == other.criterion_id,
        func.length(other_root.code) > func.length(mine_root.code),
        _covers(line_criterion.code, other_root.code),
    )
    query = (
        select(line.id)
        .join(assessment, line.assessment_id == assessment.id)
        .join(line_criterion, line.criterion_id == line_criterion.id)
        .join(
            mine,
            (mine.round_id == assessment.round_id) & (mine.unit_id == assessment.unit_id),
        )
        .join(mine_root, mine_root.id == mine.criterion_id)
        .where(mine.user_id == user_id, _covers(line_criterion.code, mine_root.code), ~nearer)
    )
    if kind is not None:
        query = query.where(mine.kind == kind)
    return query


def open_requests(session, line_ids):
    """{line id: its supplement request that is not closed} for `line_ids` (one query)."""
    line_ids = list(line_ids)
    if not line_ids:
        return {}
    rows = (
        session.query(SupplementRequest)
        .filter(
            SupplementRequest.score_line_id.in_(line_ids),
            SupplementRequest.status != REQUEST_CLOSED,
        )
        .order_by(SupplementRequest.id)
    )
    return {request.score_line_id: request for request in rows}


# --- the council's view of a round: approved results per unit and field -----------------------


@dataclass
class FieldSum:
    """Approved points and applicable maximum of one field (or a unit's total), and how many
    of its lines the team scores are approved."""

    points: Decimal = Decimal("0")
    maximum: Decimal = Decimal("0")
    lines: int = 0
    approved: int = 0

    def add(self, other):
        self.points += other.points
        self.maximum += other.maximum
        self.lines += other.lines
        self.approved += other.approved


@dataclass
class UnitSummary:
    unit_id: int
    unit_name: str
    fields: dict = field(default_factory=dict)  # field code -> FieldSum
    total: FieldSum = field(default_factory=FieldSum)
    open_requests: int = 0

    @property
    def complete(self):
        return self.total.approved == self.total.lines


def field_criteria(session, round_):
    """The framework's fields (top-level criteria) of the round, in framework order."""
    return (
        session.query(Criterion)
        .filter(Criterion.framework_id == round_.framework_id, Criterion.parent_id.is_(None))
        .order_by(Criterion.sort_key)
        .all()
    )


def approved_summary(session, round_):
    """[UnitSummary] of every unit of the round, by name: per field the approved points of the
    applicable lines and their applicable maximum (bonus and penalty lines add points outside
    the maximum, as on the sheets), the lines the team scores (survey lines left out) and how
    many are approved, and the supplement requests not closed. Three queries in all."""
    top = aliased(Criterion)
    applicable = ScoreLine.not_applicable.is_(False)
    scored = applicable & (Criterion.rule != RULE_SURVEY)
    rows = (
        session.query(
            Assessment.unit_id,
            top.code,
            func.sum(case((applicable, ScoreLine.approved_points))),
            func.sum(
                case((applicable & Criterion.rule.not_in(OUTSIDE_MAXIMUM), Criterion.max_points))
            ),
            func.count(case((scored, ScoreLine.id))),
            func.count(
                case((scored & (ScoreLine.appraisal_state == APPRAISAL_APPROVED), ScoreLine.id))
            ),  # fmt: skip
        )
        .select_from(ScoreLine)
        .join(Assessment, ScoreLine.assessment_id == Assessment.id)
        .join(Criterion, ScoreLine.criterion_id == Criterion.id)
        .join(
            top,
            (top.framework_id == Criterion.framework_id)
            & top.parent_id.is_(None)
            & _covers(Criterion.code, top.code),
        )
        .filter(Assessment.round_id == round_.id)
        .group_by(Assessment.unit_id, top.code)
    )
    units = {
        unit_id: UnitSummary(unit_id, name)
        for unit_id, name in session.query(Unit.id, Unit.name)
        .join(round_unit, round_unit.c.unit_id == Unit.id)
        .filter(round_unit.c.round_id == round_.id)
        .order_by(Unit.name_sort, Unit.id)
    }
    for unit_id, code, points, maximum, lines, approved in rows:
        summary = units.get(unit_id)
        if summary is None:
            continue
        sums = FieldSum(Decimal(points or 0), Decimal(maximum or 0), lines, approved)
        summary.fields[code] = sums
        summary.total.add(sums)
    requests = (
        session.query(Assessment.unit_id, func.count(SupplementRequest.id))
        .select_from(SupplementRequest)
        .join(ScoreLine, SupplementRequest.score_line_id == ScoreLine.id)
        .join(Assessment, ScoreLine.assessment_id == Assessment.id)
        .filter(SupplementRequest.round_id == round_.id, SupplementRequest.status != REQUEST_CLOSED)
        .group_by(Assessment.unit_id)
    )
    for unit_id, count in requests:
        if unit_id in units:
            units[unit_id].open_requests = count
    return list(units.values())
