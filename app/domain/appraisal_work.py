"""A team member's work list ("my work"): per (round, unit), the lines the user scores,
appraises or, as a team leader, approves, and how many of them are done.

Read from the round's assignments, resolved as the sheets resolve them (the most specific
assignment wins, app/domain/assignees.py): three queries for the user's rounds and units, then
per round the assignees' four and one for the lines' states, whatever the number of lines.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import or_

from app.domain.assignees import assignees_for
from app.models.appraisal import MEMBER_LEADER, AppraisalTeam, Assignment, TeamMember
from app.models.criteria import RULE_SURVEY, Criterion
from app.models.rounds import PHASE_DRAFT, Round
from app.models.scoring import (
    APPRAISAL_APPRAISED,
    APPRAISAL_APPROVED,
    APPRAISAL_SCORED,
    Assessment,
    ScoreLine,
)
from app.models.units import Unit

_SCORED = (APPRAISAL_SCORED, APPRAISAL_APPRAISED, APPRAISAL_APPROVED)
_APPRAISED = (APPRAISAL_APPRAISED, APPRAISAL_APPROVED)


@dataclass
class Count:
    """Lines of one kind of work: how many, how many done."""

    total: int = 0
    done: int = 0

    @property
    def left(self):
        return self.total - self.done


@dataclass
class WorkItem:
    round: Round
    unit: Unit
    assessment_id: int
    support: Count = field(default_factory=Count)  # lines I score (step 2)
    appraisal: Count = field(default_factory=Count)  # lines I appraise (step 3)
    approval: Count = field(default_factory=Count)  # lines my team decides (step 4)
    waiting: int = 0  # appraised lines waiting for my approval

    @property
    def left(self):
        return self.support.left + self.appraisal.left + self.waiting


def _led_team_ids(session, user_id):
    rows = session.query(TeamMember.team_id).filter(
        TeamMember.user_id == user_id, TeamMember.role == MEMBER_LEADER
    )
    return {team_id for (team_id,) in rows}


def _units_by_round(session, user_id, led):
    """{round id: {unit ids}} where the user holds an assignment or leads the assigning team."""
    clause = Assignment.user_id == user_id
    if led:
        clause = or_(clause, Assignment.team_id.in_(led))
    rows = (
        session.query(Assignment.round_id, Assignment.unit_id)
        .join(Round, Assignment.round_id == Round.id)
        .filter(clause, Round.phase != PHASE_DRAFT)
        .distinct()
    )
    found = defaultdict(set)
    for round_id, unit_id in rows:
        found[round_id].add(unit_id)
    return found


def _lines(session, round_id, unit_ids):
    """(line id, assessment id, unit id, state) of the team's lines (survey and not
    applicable left out)."""
    return (
        session.query(ScoreLine.id, Assessment.id, Assessment.unit_id, ScoreLine.appraisal_state)
        .join(Assessment, ScoreLine.assessment_id == Assessment.id)
        .join(Criterion, ScoreLine.criterion_id == Criterion.id)
        .filter(
            Assessment.round_id == round_id,
            Assessment.unit_id.in_(unit_ids),
            Criterion.rule != RULE_SURVEY,
            ScoreLine.not_applicable.is_(False),
        )
        .all()
    )


def _count(item, held, state, user_id, led):
    if held.support is not None and held.support.user_id == user_id:
        item.support.total += 1
        item.support.done += state in _SCORED
    if held.appraiser is not None and held.appraiser.user_id == user_id:
        item.appraisal.total += 1
        item.appraisal.done += state in _APPRAISED
    deciding = held.appraiser or held.support
    if deciding is not None and deciding.team_id in led:
        item.approval.total += 1
        item.approval.done += state == APPRAISAL_APPROVED
        item.waiting += state == APPRAISAL_APPRAISED


def my_work(session, user):
    """[WorkItem] of the user, newest round first, then by unit name: only (round, unit)
    pairs with at least one line for the user."""
    user_id = getattr(user, "id", None)
    if user_id is None:
        return []
    led = _led_team_ids(session, user_id)
    by_round = _units_by_round(session, user_id, led)
    if not by_round:
        return []
    rounds = {r.id: r for r in session.query(Round).filter(Round.id.in_(by_round))}
    unit_ids = set().union(*by_round.values())
    units = {u.id: u for u in session.query(Unit).filter(Unit.id.in_(unit_ids))}
    items = []
    for round_id, round_units in by_round.items():
        round_ = rounds[round_id]
        held = assignees_for(session, round_, round_units)
        per_unit = {}
        for line_id, assessment_id, unit_id, state in _lines(session, round_id, round_units):
            item = per_unit.get(unit_id)
            if item is None:
                item = per_unit[unit_id] = WorkItem(round_, units[unit_id], assessment_id)
            assignees = held.get(line_id)
            if assignees is not None:
                _count(item, assignees, state, user_id, led)
        items.extend(
            item
            for item in per_unit.values()
            if item.support.total or item.appraisal.total or item.approval.total
        )
    items.sort(key=lambda i: (-i.round.year, -i.round.id, i.unit.name_sort or i.unit.name))
    return items


def led_teams(session, user):
    """The appraisal teams the user leads, newest round first."""
    return (
        session.query(AppraisalTeam)
        .join(TeamMember, TeamMember.team_id == AppraisalTeam.id)
        .join(Round, AppraisalTeam.round_id == Round.id)
        .filter(TeamMember.user_id == getattr(user, "id", None), TeamMember.role == MEMBER_LEADER)
        .order_by(Round.year.desc(), Round.id.desc(), AppraisalTeam.name)
        .all()
    )
