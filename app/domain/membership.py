"""Who is who in a round's appraisal, read from the round's membership rows, and what the
appraisal accounts may read.

Authority comes from the round's rows, never from a FAB role alone (the role only opens the
screens) and never from being an administrator:

- team leader: the TeamMember with role "leader" of a team of the round;
- support member / appraiser: TeamMember rows with role "support" / "appraiser" (the leader of
  a team may also appraise for it);
- council: the CouncilMember rows of the round;
- organiser: an Organiser account whose unit is the round's organiser unit.

Reading (used by app/domain/policy.py): accounts whose roles are only appraisal roles
(SupportMember, Appraiser, TeamLeader, possibly with a unit role) see the assessments, score
lines, evidence and supplement requests of the units they hold an assignment for in that round,
every unit of the rounds where they lead a team, and their own unit as before. They see the
assignments of the teams they belong to. Council, organiser, admin (and viewer) see everything,
unit accounts see their own unit's rows and its supplement requests, and no assignment.
"""

from sqlalchemy import exists, false, or_, select
from sqlalchemy.orm import object_session

from app.models.appraisal import (
    ASSIGN_APPRAISER,
    MEMBER_APPRAISER,
    MEMBER_LEADER,
    AppraisalTeam,
    Assignment,
    CouncilMember,
    TeamMember,
)
from app.models.scoring import Assessment, Evidence, ScoreLine
from app.models.supplement import SupplementRequest
from app.security import roles

APPRAISAL_ROLES = frozenset((roles.SUPPORT_MEMBER, roles.APPRAISER, roles.TEAM_LEADER))
WIDE_ROLES = frozenset((roles.ADMIN, roles.ORGANISER, roles.COUNCIL, roles.VIEWER))
_SCOPED = (Assessment, ScoreLine, Evidence, Assignment, SupplementRequest)


def _role_names(user):
    from app.domain.policy import role_names

    return role_names(user)


def _id(obj):
    return getattr(obj, "id", obj)


# --- membership -------------------------------------------------------------------------------


def member_role(session, team, user):
    """The user's role in `team` ("leader", "appraiser", "support") or None."""
    return (
        session.query(TeamMember.role)
        .filter(TeamMember.team_id == _id(team), TeamMember.user_id == _id(user))
        .scalar()
    )


def is_leader(session, team, user):
    return user is not None and member_role(session, team, user) == MEMBER_LEADER


def may_take(role, kind):
    """Can a member with `role` take an assignment of `kind`? Support needs a support
    member; appraisal needs an appraiser, or the team's leader."""
    if kind == ASSIGN_APPRAISER:
        return role in (MEMBER_APPRAISER, MEMBER_LEADER)
    return role == kind


def led_team_ids(session, round_id, user):
    """Ids of the teams of the round the user leads."""
    rows = (
        session.query(TeamMember.team_id)
        .join(AppraisalTeam, TeamMember.team_id == AppraisalTeam.id)
        .filter(
            AppraisalTeam.round_id == round_id,
            TeamMember.user_id == _id(user),
            TeamMember.role == MEMBER_LEADER,
        )
    )
    return {team_id for (team_id,) in rows}


def is_council(session, round_, user):
    """Is the user a member of the round's council (Hội đồng thẩm định)?"""
    if user is None or getattr(user, "id", None) is None:
        return False
    return bool(
        session.query(CouncilMember.id)
        .filter(CouncilMember.round_id == _id(round_), CouncilMember.user_id == user.id)
        .first()
    )


def is_round_organiser(user, round_):
    """An Organiser account of the round's organiser unit (Sở Nội vụ)."""
    return (
        roles.ORGANISER in _role_names(user)
        and getattr(user, "unit_id", None) is not None
        and user.unit_id == round_.organiser_unit_id
    )


# --- reading scope ------------------------------------------------------------------------------


def appraisal_scoped(user):
    """True for accounts whose reads are limited to their assignments and teams."""
    names = _role_names(user)
    return bool(names & APPRAISAL_ROLES) and not names & WIDE_ROLES


def _assessment_clause(user):
    """SQL condition on Assessment: the rows an appraisal account may read."""
    user_id = getattr(user, "id", None)
    assigned = exists().where(
        Assignment.round_id == Assessment.round_id,
        Assignment.unit_id == Assessment.unit_id,
        Assignment.user_id == user_id,
    )
    led_rounds = (
        select(AppraisalTeam.round_id)
        .join(TeamMember, TeamMember.team_id == AppraisalTeam.id)
        .where(TeamMember.user_id == user_id, TeamMember.role == MEMBER_LEADER)
    )
    clauses = [assigned, Assessment.round_id.in_(led_rounds)]
    own = getattr(user, "unit_id", None)
    if own is not None and _role_names(user) & set(roles.UNIT_BOUND_ROLES):
        clauses.append(Assessment.unit_id == own)
    return or_(*clauses)


def _clause(model, assessment_clause):
    if model is Assessment:
        return assessment_clause
    line_clause = ScoreLine.assessment.has(assessment_clause)
    if model is ScoreLine:
        return line_clause
    return model.score_line.has(line_clause)  # Evidence, SupplementRequest


def scope_query(user, model, query):
    """`query` of `model` limited for `user`, or None when the general rule of
    app/domain/policy.py applies unchanged (unit accounts, models not handled here)."""
    condition = scope_condition(user, model)
    return None if condition is None else query.filter(condition)


def scope_condition(user, model):
    """The SQL condition `scope_query` adds for `user` on `model`, or None."""
    if model not in _SCOPED:
        return None
    names = _role_names(user)
    if names & WIDE_ROLES:
        return None
    if names & APPRAISAL_ROLES:
        if model is Assignment:
            teams = select(TeamMember.team_id).where(TeamMember.user_id == user.id)
            return or_(Assignment.team_id.in_(teams), Assignment.user_id == user.id)
        return _clause(model, _assessment_clause(user))
    if model is Assignment:
        return false()
    if model is SupplementRequest:
        own = getattr(user, "unit_id", None)
        if own is None:
            return false()
        return _clause(model, Assessment.unit_id == own)
    return None


def sees(user, obj):
    """May `user` read `obj`? None when the general rule of the policy applies."""
    model = type(obj)
    if model not in _SCOPED or obj.id is None:
        return None
    session = object_session(obj)
    # The condition first: most accounts have none, and building a query costs an autosave
    # more than all the rest of the policy.
    condition = None if session is None else scope_condition(user, model)
    if condition is None:
        return None
    return session.query(model.id).filter(model.id == obj.id, condition).first() is not None
