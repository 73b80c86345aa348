"""Who may read which results (app/domain/policy.py asks here for the results' models).

- admin, organiser, council: every result, survey result and survey import, published or not;
- unit accounts (unit leader, unit staff): their own unit's results and survey results, of
  published rounds only (until then the figures are provisional);
- every other account (viewer, appraisal accounts): the results and survey results of
  published rounds;
- nobody but the organiser's side reads the survey imports; anonymous visitors read nothing
  here (the public pages, app/views/public.py, show published rounds only).
Results are written by the domain only (compute_results, the survey import): no form, no
REST write, no delete.
"""

from flask_babel import lazy_gettext as _l
from sqlalchemy import false, or_, select

from app.domain.decision import ALLOW, deny
from app.models.results import SurveyImport, SurveyResult, UnitResult
from app.models.rounds import PHASE_PUBLISHED, Round
from app.security import roles

RESULT_MODELS = (UnitResult, SurveyResult, SurveyImport)
SEE_UNPUBLISHED = frozenset((roles.ADMIN, roles.ORGANISER, roles.COUNCIL))


def _names(user):
    from app.domain.policy import role_names

    return role_names(user)


def unit_bound(user):
    return bool(_names(user) & set(roles.UNIT_BOUND_ROLES))


def sees_unpublished(user):
    """Organiser, council and administrator accounts (not tied to one unit)."""
    return bool(_names(user) & SEE_UNPUBLISHED) and not unit_bound(user)


def is_published(round_):
    """The same rule as results.results_frozen, for a Round row."""
    return round_ is not None and (
        round_.published_at is not None or round_.phase == PHASE_PUBLISHED
    )


def published_rounds():
    """SQL: ids of the rounds whose results are published."""
    return select(Round.id).where(
        or_(Round.published_at.is_not(None), Round.phase == PHASE_PUBLISHED)
    )


def _round_and_unit(obj):
    if isinstance(obj, SurveyImport):
        return obj.round, None
    if isinstance(obj, SurveyResult):
        from sqlalchemy.orm import object_session

        session = object_session(obj)
        return (session.get(Round, obj.round_id) if session else None), obj.unit_id
    return obj.round, obj.unit_id


def visible(user, obj):
    """May `user` read `obj` (a UnitResult, SurveyResult or SurveyImport)?"""
    if user is None or not getattr(user, "is_authenticated", False) or not _names(user):
        return False
    if obj is None or sees_unpublished(user):
        return True
    if isinstance(obj, SurveyImport):
        return False
    round_, unit_id = _round_and_unit(obj)
    if not is_published(round_):
        return False
    if unit_bound(user):
        return unit_id is not None and unit_id == getattr(user, "unit_id", None)
    return True


def decision(user, action, obj):
    """The policy's rule for the results' models: read as above, never written by hand."""
    from app.domain.policy import VIEW

    if action == VIEW:
        return ALLOW if visible(user, obj) else deny(_l("You may not see this record."))
    return deny(_l("Results are computed and imported, never edited by hand."))


def scope(user, model, query):
    """`query` of one of RESULT_MODELS limited to what `user` may read."""
    if user is None or not getattr(user, "is_authenticated", False) or not _names(user):
        return query.filter(false())
    if sees_unpublished(user):
        return query
    if model is SurveyImport:
        return query.filter(false())
    own = getattr(user, "unit_id", None)
    query = query.filter(model.round_id.in_(published_rounds()))
    if unit_bound(user):
        query = query.filter(model.unit_id == own) if own is not None else query.filter(false())
    return query
