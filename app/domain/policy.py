"""One policy: may this user do this action on this row now, and if not, why.

Every path asks here: FAB list filters and related-field dropdowns (`scope`), FAB forms and
actions (`check` inside pre_add / pre_update / pre_delete and every action), and the REST API.
"""

from flask_babel import lazy_gettext as _l

from app.domain import framework_rows, membership, results_policy
from app.domain.decision import ALLOW, Decision, deny  # noqa: F401  (re-exported)
from app.models import (
    AppraisalTeam,
    Assessment,
    Assignment,
    CouncilMember,
    Criterion,
    CriterionOption,
    CriterionTier,
    Evidence,
    Framework,
    GradeBand,
    Round,
    ScoreLine,
    SupplementRequest,
    TeamMember,
    Unit,
    UnitType,
    WindowGrant,
)
from app.security import roles

VIEW = "view"
CREATE = "create"
EDIT = "edit"
DELETE = "delete"
# Add evidence to a score line: the unit during its self-assessment, or for a council request.
ATTACH = "attach"


class PolicyError(Exception):
    """Raised by `require` so every path can turn a refusal into its own kind of answer."""

    def __init__(self, decision):
        super().__init__(decision.reason)
        self.reason = decision.reason


def role_names(user):
    if user is None or not getattr(user, "is_authenticated", True):
        return set()
    return {role.name for role in getattr(user, "roles", []) or []}


def is_admin(user):
    return roles.ADMIN in role_names(user)


def is_organiser(user):
    names = role_names(user)
    return roles.ADMIN in names or roles.ORGANISER in names


def sees_all_units(user):
    """Province-wide roles see every unit; unit roles see only their own unit's subtree."""
    names = role_names(user)
    return bool(names - set(roles.UNIT_BOUND_ROLES) - {roles.PUBLIC})


def unit_subtree_ids(session, unit_id):
    """Ids of a unit and all its descendants (any depth), walking one level per query."""
    ids, frontier = {unit_id}, [unit_id]
    while frontier:
        children = session.query(Unit.id).filter(Unit.parent_id.in_(frontier)).all()
        frontier = [cid for (cid,) in children if cid not in ids]
        ids.update(frontier)
    return ids


# --- decisions per model -------------------------------------------------------------------

_NOT_ORGANISER = _l("Only the organiser (Department of Home Affairs) may change this.")
_FROZEN = _l("The criteria framework is frozen because a round uses it; copy it to change it.")


def _config_decision(user, action, obj):
    """Units, unit types, rounds, teams: read by whoever has the screen, written by organisers."""
    if action == VIEW:
        return ALLOW if _visible(user, obj) else deny(_l("You may not see this record."))
    if not is_organiser(user):
        return deny(_NOT_ORGANISER)
    return _membership_decision(obj)


_MEMBERSHIP = (AppraisalTeam, TeamMember, CouncilMember)


def _membership_decision(obj):
    """Teams and the council sign the minutes: frozen with their finalised round."""
    from app.domain import rounds

    return rounds.membership_decision(obj) if isinstance(obj, _MEMBERSHIP) else ALLOW


def _framework_decision(user, action, obj):
    if action == VIEW:
        return ALLOW
    if not is_organiser(user):
        return deny(_NOT_ORGANISER)
    # Judged on where the row is stored as well as where the edit would put it: moving a row
    # out of a frozen framework changes that framework.
    if action in (CREATE, EDIT, DELETE) and framework_rows.touches_frozen(obj):
        return deny(_FROZEN)
    return ALLOW


def _visible(user, obj):
    # Appraisal accounts read their assignments' units; assignments and requests have rules.
    if obj is not None and (seen := membership.sees(user, obj)) is not None:
        return seen
    if obj is None or sees_all_units(user):
        return True
    own = getattr(user, "unit_id", None)
    if own is None:
        return False
    if isinstance(obj, Unit):
        unit = obj
        while unit is not None:
            if unit.id == own:
                return True
            unit = unit.parent
        return False
    if isinstance(obj, Round):
        return any(u.id == own for u in obj.units)
    if isinstance(obj, Assessment):
        return obj.unit_id == own
    if isinstance(obj, ScoreLine):
        return obj.assessment.unit_id == own
    if isinstance(obj, Evidence):
        return obj.score_line.assessment.unit_id == own
    return False


def _line_decision(user, action, obj):
    from app.domain.self_assessment import line_edit_decision

    if action == VIEW:
        return ALLOW if _visible(user, obj) else deny(_l("You may not see this record."))
    if obj is None:
        return deny(_l("Score lines are created when a round opens."))
    from app.domain import supplement

    if isinstance(obj, Evidence):
        return supplement.evidence_delete_decision(user, obj)
    if action == ATTACH:
        return supplement.attach_decision(user, obj)[0]
    return line_edit_decision(user, obj)


def _assessment_decision(user, action, obj):
    from app.domain.self_assessment import leader_decision

    if action == VIEW:
        return ALLOW if _visible(user, obj) else deny(_l("You may not see this record."))
    if obj is None:
        return deny(_l("Assessments are created when a round opens."))
    return leader_decision(user, obj)


def _assignment_decision(user, action, obj):
    from app.domain import assignment

    if action == VIEW:
        return ALLOW if _visible(user, obj) else deny(_l("You may not see this record."))
    if obj is None:
        if roles.TEAM_LEADER in role_names(user):
            return ALLOW
        return deny(_l("Only a team leader assigns the appraisal."))
    return assignment.edit_decision(user, obj)


def _request_decision(user, action, obj):
    from sqlalchemy.orm import object_session

    from app.domain import supplement

    if action == VIEW:
        return ALLOW if _visible(user, obj) else deny(_l("You may not see this record."))
    if action == DELETE:
        return deny(_l("A supplement request is closed by approving its line again."))
    if obj is None:
        if roles.COUNCIL in role_names(user):
            return ALLOW
        return deny(_l("Only a member of the round's appraisal council may request a supplement."))
    line = obj.score_line
    if action == CREATE and line is not None:
        return supplement.request_decision(object_session(line), user, line)
    return supplement.respond_decision(user, obj)


_RULES = {
    UnitType: _config_decision,
    Unit: _config_decision,
    Round: _config_decision,
    AppraisalTeam: _config_decision,
    TeamMember: _config_decision,
    CouncilMember: _config_decision,
    Framework: _framework_decision,
    ScoreLine: _line_decision,
    Evidence: _line_decision,
    Assessment: _assessment_decision,
    Assignment: _assignment_decision,
    SupplementRequest: _request_decision,
    WindowGrant: _config_decision,
    Criterion: _framework_decision,
    CriterionOption: _framework_decision,
    CriterionTier: _framework_decision,
    GradeBand: _framework_decision,
    # Results, survey results and imports: app/domain/results_policy.py.
    **{model: results_policy.decision for model in results_policy.RESULT_MODELS},
}


def check(user, action, obj=None, model=None):
    """Return the Decision for `user` doing `action` on `obj` (or on a new row of `model`)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return deny(_l("Please log in."))
    if is_admin(user) and action != VIEW:
        # Even the administrator cannot edit a frozen framework or a unit's self-assessment:
        # those are rules, not rights.
        if isinstance(obj, (Framework, Criterion, CriterionOption, CriterionTier, GradeBand)):
            return _framework_decision(user, action, obj)
        if isinstance(obj, (ScoreLine, Evidence, Assessment, Assignment, SupplementRequest)):
            return _RULES[type(obj)](user, action, obj)
        if isinstance(obj, _MEMBERSHIP):
            return _membership_decision(obj)
        if isinstance(obj, results_policy.RESULT_MODELS) or model in results_policy.RESULT_MODELS:
            return results_policy.decision(user, action, obj)
        return ALLOW
    rule = _RULES.get(type(obj) if obj is not None else model)
    if rule is None:
        return ALLOW if is_admin(user) else deny(_l("You may not do this."))
    return rule(user, action, obj)


def require(user, action, obj=None, model=None):
    """Like `check`, but raises PolicyError when refused."""
    decision = check(user, action, obj, model)
    if not decision:
        raise PolicyError(decision)
    return decision


def scope(user, model, query, session):
    """Restrict a query of `model` to the rows `user` may see (lists, dropdowns, REST, exports)."""
    if model in results_policy.RESULT_MODELS:  # published or not matters, not only the unit
        return results_policy.scope(user, model, query)
    if (scoped := membership.scope_query(user, model, query)) is not None:
        return scoped
    if sees_all_units(user):
        return query
    own = getattr(user, "unit_id", None)
    if own is None:
        return query.filter(False)
    if model is Unit:
        return query.filter(model.id.in_(unit_subtree_ids(session, own)))
    if model is Round:
        return query.filter(model.units.any(Unit.id == own))
    if model is Assessment:
        return query.filter(model.unit_id == own)
    if model is ScoreLine:
        return query.filter(model.assessment.has(Assessment.unit_id == own))
    if model is Evidence:
        return query.filter(
            model.score_line.has(ScoreLine.assessment.has(Assessment.unit_id == own))
        )
    if model is WindowGrant:
        return query.filter(model.unit_id == own)
    return query
