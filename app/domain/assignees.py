"""Who holds which line: resolving assignments (the most specific wins) and the coverage of
a round. Read-only, set-based (a fixed number of queries whatever the number of lines); the
rules of making assignments are in app/domain/assignment.py, which re-exports these."""

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy.orm import selectinload

from app.domain.membership import may_take
from app.models.appraisal import ASSIGN_APPRAISER, ASSIGN_SUPPORT, Assignment, TeamMember
from app.models.criteria import RULE_SURVEY, Criterion
from app.models.scoring import Assessment, ScoreLine
from app.models.units import Unit


@dataclass(frozen=True)
class LineAssignees:
    """Who holds a line: the winning support and appraisal assignments (or None)."""

    support: Assignment | None = None
    appraiser: Assignment | None = None

    def of(self, kind):
        return self.support if kind == ASSIGN_SUPPORT else self.appraiser


@dataclass(frozen=True)
class CoverageGap:
    """A (unit, leaf line) that still misses a support member and/or an appraiser."""

    unit_id: int
    unit_name: str
    line_id: int
    criterion_id: int
    code: str
    title: str
    not_applicable: bool
    missing: tuple  # of ASSIGN_SUPPORT / ASSIGN_APPRAISER


def winner(by_code, code):
    """The assignment at `code` or the nearest above it: the most specific one wins."""
    while True:
        if code in by_code:
            return by_code[code]
        if "." not in code:
            return None
        code = code.rsplit(".", 1)[0]


def held_assignments(session, round_id, unit_ids=None, kind=None):
    """[(Assignment, criterion code)] of the round, with user and team loaded."""
    query = (
        session.query(Assignment, Criterion.code)
        .join(Criterion, Assignment.criterion_id == Criterion.id)
        # Few people and teams for many rows: one IN query each rather than wide joins.
        .options(selectinload(Assignment.user), selectinload(Assignment.team))
        .filter(Assignment.round_id == round_id)
    )
    if unit_ids is not None:
        query = query.filter(Assignment.unit_id.in_(unit_ids))
    if kind is not None:
        query = query.filter(Assignment.kind == kind)
    return query.all()


def assignee(session, line, kind):
    """The Assignment that holds `line` for `kind` (the most specific covering it), or None.
    Its `.user` is the person, its `.team` the team whose leader approves."""
    assessment = line.assessment
    by_code = {
        code: assignment
        for assignment, code in session.query(Assignment, Criterion.code)
        .join(Criterion, Assignment.criterion_id == Criterion.id)
        .filter(
            Assignment.round_id == assessment.round_id,
            Assignment.unit_id == assessment.unit_id,
            Assignment.kind == kind,
        )
    }
    return winner(by_code, line.criterion.code)


def assignees_for(session, round_, unit_ids=None):
    """{line id: LineAssignees} for every line of the round (or of `unit_ids`), in four
    queries whatever the number of lines (assignments, their people and teams, the lines):
    for sheets and bulk actions."""
    if unit_ids is not None:
        unit_ids = list(unit_ids)
        if not unit_ids:
            return {}
    held = defaultdict(dict)  # (unit id, kind) -> {code: Assignment}
    for assignment, code in held_assignments(session, round_.id, unit_ids):
        held[(assignment.unit_id, assignment.kind)][code] = assignment
    lines = (
        session.query(ScoreLine.id, Assessment.unit_id, Criterion.code)
        .join(Assessment, ScoreLine.assessment_id == Assessment.id)
        .join(Criterion, ScoreLine.criterion_id == Criterion.id)
        .filter(Assessment.round_id == round_.id)
    )
    if unit_ids is not None:
        lines = lines.filter(Assessment.unit_id.in_(unit_ids))
    return {
        line_id: LineAssignees(
            winner(held.get((unit_id, ASSIGN_SUPPORT), {}), code),
            winner(held.get((unit_id, ASSIGN_APPRAISER), {}), code),
        )
        for line_id, unit_id, code in lines
    }


def coverage(session, round_, unit_ids=None):
    """[CoverageGap] of every non-survey leaf line of the round still without a support
    member and/or an appraiser, by unit then framework order. Two set-based queries (the
    round's assigned roots, its lines), then the sheets' resolution in memory: a whole
    province (170 units x 140 lines) takes a fraction of a second."""
    roots = defaultdict(dict)  # (unit id, kind) -> {assigned criterion code: still held?}
    assigned = (
        session.query(Assignment.unit_id, Assignment.kind, Criterion.code, TeamMember.role)
        .join(Criterion, Assignment.criterion_id == Criterion.id)
        .outerjoin(
            TeamMember,
            (TeamMember.team_id == Assignment.team_id) & (TeamMember.user_id == Assignment.user_id),
        )
        .filter(Assignment.round_id == round_.id)
    )
    lines = (
        session.query(
            Assessment.unit_id,
            Unit.name,
            ScoreLine.id,
            Criterion.id,
            Criterion.code,
            Criterion.title,
            ScoreLine.not_applicable,
        )  # fmt: skip
        .select_from(ScoreLine)
        .join(Assessment, ScoreLine.assessment_id == Assessment.id)
        .join(Unit, Assessment.unit_id == Unit.id)
        .join(Criterion, ScoreLine.criterion_id == Criterion.id)
        .filter(Assessment.round_id == round_.id, Criterion.rule != RULE_SURVEY)
        .order_by(Unit.name_sort, Unit.id, Criterion.sort_key)
    )
    if unit_ids is not None:
        unit_ids = list(unit_ids)
        assigned = assigned.filter(Assignment.unit_id.in_(unit_ids))
        lines = lines.filter(Assessment.unit_id.in_(unit_ids))
    for unit_id, kind, code, role in assigned:
        # A holder taken off the team, or moved to a role that may not take the work, no
        # longer covers the lines: the most specific assignment wins, so it leaves a gap.
        roots[(unit_id, kind)][code] = may_take(role, kind)
    gaps = []
    for unit_id, name, line_id, criterion_id, code, title, not_applicable in lines:
        missing = tuple(
            kind
            for kind in (ASSIGN_SUPPORT, ASSIGN_APPRAISER)
            if not winner(roots.get((unit_id, kind), {}), code)
        )
        if missing:
            gaps.append(
                CoverageGap(
                    unit_id,
                    name,
                    line_id,
                    criterion_id,
                    code,
                    title,
                    bool(not_applicable),
                    missing,
                )  # fmt: skip
            )
    return gaps
