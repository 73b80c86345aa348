"""The appraisal minutes of one unit (Biên bản thẩm định): who may download them, whether the
appraisal of the unit is complete, and who signs them.

Who may download a unit's minutes (any time, as a working copy while lines are still open):
- administrators and organisers (they run the round);
- members of the round's council (CouncilMember rows);
- every member of a team that holds an assignment for the unit in the round, its leader
  included (they write and sign the minutes).
The unit itself (its leader and staff) once its appraisal is complete: every line the team
scores (neither survey nor not applicable) approved and no supplement request still open, or
the round finalised or published. Before that the minutes are a draft of the team's.

Signatures: per team holding an assignment for the unit, its leader and the members who hold
an assignment for the unit (the whole team when none of them does).
"""

from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from app.domain import membership
from app.domain.decision import ALLOW, deny
from app.domain.policy import role_names
from app.models.appraisal import MEMBER_LEADER, AppraisalTeam, Assignment, TeamMember
from app.models.criteria import RULE_SURVEY, Criterion
from app.models.rounds import PHASE_FINALISED, PHASE_PUBLISHED
from app.models.scoring import APPRAISAL_APPROVED, ScoreLine
from app.models.supplement import REQUEST_CLOSED, SupplementRequest
from app.security import roles


@dataclass
class TeamSigners:
    team: AppraisalTeam
    leaders: list = field(default_factory=list)  # [AppUser]
    members: list = field(default_factory=list)  # [(AppUser, role)]


def _team_ids(session, assessment):
    rows = session.query(Assignment.team_id).filter(
        Assignment.round_id == assessment.round_id, Assignment.unit_id == assessment.unit_id
    )
    return {team_id for (team_id,) in rows.distinct()}


def open_lines(session, assessment):
    """How many of the unit's team-scored lines are not approved yet (0: complete), plus
    its supplement requests still open."""
    unapproved = (
        session.query(ScoreLine.id)
        .join(Criterion, ScoreLine.criterion_id == Criterion.id)
        .filter(
            ScoreLine.assessment_id == assessment.id,
            Criterion.rule != RULE_SURVEY,
            ScoreLine.not_applicable.is_(False),
            ScoreLine.appraisal_state != APPRAISAL_APPROVED,
        )
        .count()
    )
    requests = (
        session.query(SupplementRequest.id)
        .join(ScoreLine, SupplementRequest.score_line_id == ScoreLine.id)
        .filter(
            ScoreLine.assessment_id == assessment.id,
            SupplementRequest.status != REQUEST_CLOSED,
        )
        .count()
    )
    return unapproved + requests


def minutes_decision(session, user, assessment):
    """May `user` download the appraisal minutes of `assessment`'s unit now?"""
    if user is None or not getattr(user, "is_authenticated", False):
        return deny(_("Please log in."))
    names = role_names(user)
    round_ = assessment.round
    if names & {roles.ADMIN, roles.ORGANISER}:
        return ALLOW
    if roles.COUNCIL in names and membership.is_council(session, round_, user):
        return ALLOW
    team_ids = _team_ids(session, assessment)
    if team_ids and (
        session.query(TeamMember.id)
        .filter(TeamMember.team_id.in_(team_ids), TeamMember.user_id == user.id)
        .first()
    ):
        return ALLOW
    if names & set(roles.UNIT_BOUND_ROLES) and user.unit_id == assessment.unit_id:
        if round_.phase in (PHASE_FINALISED, PHASE_PUBLISHED) or not open_lines(
            session, assessment
        ):
            return ALLOW
        return deny(
            _(
                "The appraisal minutes are available to the unit once the team leader has "
                "approved every line."
            )
        )
    return deny(_("You may not see this record."))


def signers(session, assessment):
    """[TeamSigners] of the teams holding an assignment for the unit, by team name."""
    team_ids = _team_ids(session, assessment)
    if not team_ids:
        return []
    assigned = {
        user_id
        for (user_id,) in session.query(Assignment.user_id).filter(
            Assignment.round_id == assessment.round_id, Assignment.unit_id == assessment.unit_id
        )
    }
    teams = (
        session.query(AppraisalTeam)
        .options(selectinload(AppraisalTeam.members).selectinload(TeamMember.user))
        .filter(AppraisalTeam.id.in_(team_ids))
        .order_by(AppraisalTeam.name)
        .all()
    )
    result = []
    for team in teams:
        entry = TeamSigners(team)
        others = [m for m in team.members if m.role != MEMBER_LEADER]
        if any(m.user_id in assigned for m in others):
            others = [m for m in others if m.user_id in assigned]
        entry.leaders = [m.user for m in team.members if m.role == MEMBER_LEADER]
        entry.members = [(m.user, m.role) for m in sorted(others, key=lambda m: m.id)]
        result.append(entry)
    return result
