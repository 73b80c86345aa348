"""Publication of a round's results (công bố kết quả), and its withdrawal.

- `publish_round`: the organiser, once the council has finalised the round (phase
  "finalised") and the results are computed and up to date: computed after the finalisation,
  after the last approval of any line and the last survey import, with one result per
  participating unit. The change since last year must not show figures nobody published:
  last year's round (app/domain/year_change.py) must be published before these results were
  computed. Phase -> published; from then on the results are frozen (results_frozen) and the
  public pages show them.
- `unpublish_round`: the organiser, with a written reason, back to the finalised phase (the
  results may then be recomputed and published again).
Both are logged (actions "publish" and "unpublish", with the old and the new phase).
"""

from flask_babel import gettext as _
from sqlalchemy import func, select

from app.domain import audit, policy
from app.domain.clock import utcnow
from app.domain.decision import ALLOW, deny
from app.domain.errors import DomainError
from app.domain.results import results_frozen
from app.domain.year_change import previous_round
from app.models.results import SurveyImport, UnitResult
from app.models.rounds import PHASE_FINALISED, PHASE_PUBLISHED, round_unit
from app.models.scoring import Assessment, ScoreLine


def _latest_change(session, round_):
    """The latest moment anything the results are computed from changed: the last approval
    of a line (survey imports write approvals too) and the last survey import."""
    approved = session.scalar(
        select(func.max(ScoreLine.approved_at))
        .join(Assessment, ScoreLine.assessment_id == Assessment.id)
        .where(Assessment.round_id == round_.id)
    )
    imported = session.scalar(
        select(func.max(SurveyImport.imported_at)).where(SurveyImport.round_id == round_.id)
    )
    moments = [m for m in (approved, imported, round_.finalised_at) if m is not None]
    return max(moments) if moments else None


def _results_cover_the_units(session, round_):
    """Does every participating unit have a result, and no other unit?"""
    units = set(
        session.scalars(select(round_unit.c.unit_id).where(round_unit.c.round_id == round_.id))
    )
    computed = set(
        session.scalars(select(UnitResult.unit_id).where(UnitResult.round_id == round_.id))
    )
    return bool(units) and units == computed


def stale_reason(session, round_):
    """Why the stored results of `round_` are not up to date (None when they are)."""
    if round_.results_computed_at is None:
        return _("The results have not been computed yet: compute them first.")
    latest = _latest_change(session, round_)
    if latest is not None and latest > round_.results_computed_at:
        return _(
            "Approved points or survey results changed after the results were computed:"
            " compute them again before publishing."
        )
    if not _results_cover_the_units(session, round_):
        return _(
            "The participating units changed after the results were computed: compute them"
            " again before publishing."
        )
    return None


def comparison_problem(session, round_):
    """Why the change since last year would show figures that were never published."""
    before = previous_round(session, round_)
    if before is None:
        return None
    if before.published_at is None:
        return _(
            "Last year's round “%(name)s” has results that are not published: publish it"
            " first, since its figures appear as the change since last year.",
            name=before.name,
        )
    if before.published_at > round_.results_computed_at:
        return _(
            "Last year's round “%(name)s” was published after these results were computed:"
            " compute them again before publishing.",
            name=before.name,
        )
    return None


def publish_decision(session, user, round_):
    """May `user` publish the results of `round_` now? The Decision says why not."""
    if not policy.is_organiser(user):
        return deny(_("Only the organiser (Department of Home Affairs) may publish the results."))
    if results_frozen(round_):
        return deny(_("The results of this round have already been published."))
    if round_.phase != PHASE_FINALISED:
        return deny(_("The council has not finalised this round yet: its results cannot be"
                      " published."))  # fmt: skip
    reason = stale_reason(session, round_) or comparison_problem(session, round_)
    return deny(reason) if reason else ALLOW


def publish_round(session, round_, actor, now=None):
    """Publish the results of `round_` (refused with DomainError saying why); logged. The
    caller commits."""
    decision = publish_decision(session, actor, round_)
    if not decision:
        raise DomainError(decision.reason)
    round_.published_at, round_.published_by_id = now or utcnow(), getattr(actor, "id", None)
    old, round_.phase = round_.phase, PHASE_PUBLISHED
    audit.record(session, actor, "publish", "round", round_.id, old=old, new=PHASE_PUBLISHED)


def unpublish_decision(user, round_):
    """May `user` withdraw the publication of `round_`?"""
    if not policy.is_organiser(user):
        return deny(_("Only the organiser (Department of Home Affairs) may withdraw a"
                      " publication."))  # fmt: skip
    if not results_frozen(round_):
        return deny(_("The results of this round are not published."))
    return ALLOW


def unpublish_round(session, round_, actor, reason, now=None):
    """Withdraw the publication of `round_` with a written reason: back to the finalised
    phase, the public pages no longer show it; logged with the reason. The caller commits."""
    decision = unpublish_decision(actor, round_)
    if not decision:
        raise DomainError(decision.reason)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Write why the publication is withdrawn."))
    old = round_.phase
    round_.published_at = round_.published_by_id = None
    round_.phase = PHASE_FINALISED
    audit.record(
        session, actor, "unpublish", "round", round_.id, old=old, new=PHASE_FINALISED,
        reason=reason,
    )  # fmt: skip
