"""The council's verification (thẩm tra) and finalisation of a round, and the explicit reopen.

- `verify_round`: a council member of the round; every applicable non-survey line of every
  participating unit approved, and no supplement request open or answered. Otherwise refused
  with the list of what is missing, per unit. Phase -> verification.
- `finalise_round`: a council member, on a verified round (checked again). Phase -> finalised;
  from then on every write path (self-assessment, evidence, assignment, appraisal, supplement)
  is refused with a message saying the round is finalised.
- `reopen_round`: the round's organiser (an Organiser account of its organiser unit) or a
  council member, with a written reason, from verification or finalised (never once the
  results are published), back to the appraisal phase; approved lines stay approved and
  frozen, so further changes go through the council's supplement requests.
A manual lock (round.locked) stops verification and finalisation too; reopen stays possible.
Each move is logged (verify, finalise, reopen) with the old and the new phase.
"""

from flask_babel import gettext as _
from sqlalchemy import func

from app.domain import membership
from app.domain.clock import utcnow
from app.domain.decision import ALLOW, deny
from app.domain.errors import DomainError
from app.domain.round_state import move_phase, writable_decision
from app.models.criteria import RULE_SURVEY, Criterion
from app.models.rounds import (
    PHASE_APPRAISAL,
    PHASE_FINALISED,
    PHASE_PUBLISHED,
    PHASE_SELF,
    PHASE_SUPPLEMENT,
    PHASE_VERIFICATION,
)
from app.models.scoring import APPRAISAL_APPROVED, Assessment, ScoreLine
from app.models.supplement import REQUEST_CLOSED, SupplementRequest
from app.models.units import Unit

# How many criterion codes a problem line names before "…".
_SHOWN_CODES = 8


def _codes(codes):
    shown = ", ".join(codes[:_SHOWN_CODES])
    return shown + (", …" if len(codes) > _SHOWN_CODES else "")


def verification_problems(session, round_):
    """Why the round cannot be verified yet: one message per unit and kind of gap."""
    not_approved = (
        session.query(Unit.name, Criterion.code)
        .select_from(ScoreLine)
        .join(Assessment, ScoreLine.assessment_id == Assessment.id)
        .join(Unit, Assessment.unit_id == Unit.id)
        .join(Criterion, ScoreLine.criterion_id == Criterion.id)
        .filter(
            Assessment.round_id == round_.id,
            Criterion.rule != RULE_SURVEY,
            ScoreLine.not_applicable.is_(False),
            ScoreLine.appraisal_state != APPRAISAL_APPROVED,
        )
        .order_by(Unit.name_sort, Unit.id, Criterion.sort_key)
    )
    open_requests = (
        session.query(Unit.name, Criterion.code)
        .select_from(SupplementRequest)
        .join(ScoreLine, SupplementRequest.score_line_id == ScoreLine.id)
        .join(Assessment, ScoreLine.assessment_id == Assessment.id)
        .join(Unit, Assessment.unit_id == Unit.id)
        .join(Criterion, ScoreLine.criterion_id == Criterion.id)
        .filter(SupplementRequest.round_id == round_.id)
        .filter(SupplementRequest.status != REQUEST_CLOSED)
        .order_by(Unit.name_sort, Unit.id, Criterion.sort_key)
    )
    problems = []
    for rows, message in (
        (not_approved, _("%(unit)s: %(count)s lines not approved yet (%(codes)s).")),
        (open_requests, _("%(unit)s: %(count)s supplement requests not closed (%(codes)s).")),
    ):
        grouped = {}
        for unit_name, code in rows:
            grouped.setdefault(unit_name, []).append(code)
        for unit_name, codes in grouped.items():
            problems.append(
                message % {"unit": unit_name, "count": len(codes), "codes": _codes(codes)}
            )
    if (
        not session.query(func.count(ScoreLine.id))
        .join(Assessment)
        .filter(Assessment.round_id == round_.id)
        .scalar()
    ):
        problems.append(_("The round has no score lines to verify."))
    return problems


def _council_decision(session, user, round_):
    if not (decision := writable_decision(round_)):
        return decision
    if not membership.is_council(session, round_, user):
        return deny(_("Only a member of the round's appraisal council may do this."))
    return ALLOW


def verify_decision(session, user, round_):
    """May `user` verify `round_` (not counting missing approvals)?"""
    if not (decision := _council_decision(session, user, round_)):
        return decision
    if round_.phase == PHASE_VERIFICATION:
        return deny(_("The round has already been verified."))
    if round_.phase not in (PHASE_SELF, PHASE_APPRAISAL, PHASE_SUPPLEMENT):
        return deny(_("The round has not reached the appraisal yet."))
    return ALLOW


def verify_round(session, round_, actor, now=None):
    """The council verifies the round; raises DomainError listing what is missing."""
    if not (decision := verify_decision(session, actor, round_)):
        raise DomainError(decision.reason)
    problems = verification_problems(session, round_)
    if problems:
        raise DomainError(_("The round cannot be verified yet."), problems)
    round_.verified_at, round_.verified_by_id = now or utcnow(), getattr(actor, "id", None)
    move_phase(session, round_, PHASE_VERIFICATION, actor, action="verify")


def finalise_decision(session, user, round_):
    if not (decision := _council_decision(session, user, round_)):
        return decision
    if round_.phase != PHASE_VERIFICATION:
        return deny(_("Verify the round before finalising it."))
    return ALLOW


def finalise_round(session, round_, actor, now=None):
    """The council finalises a verified round: afterwards nothing changes without a reopen."""
    if not (decision := finalise_decision(session, actor, round_)):
        raise DomainError(decision.reason)
    problems = verification_problems(session, round_)
    if problems:
        raise DomainError(_("The round cannot be verified yet."), problems)
    round_.finalised_at, round_.finalised_by_id = now or utcnow(), getattr(actor, "id", None)
    move_phase(session, round_, PHASE_FINALISED, actor, action="finalise")


def reopen_decision(session, user, round_):
    if round_.phase == PHASE_PUBLISHED:
        return deny(_("The round's results have been published: nothing can be changed any more."))
    if not (
        membership.is_round_organiser(user, round_) or membership.is_council(session, round_, user)
    ):
        return deny(_("Only the round's organiser or its appraisal council may reopen it."))
    if round_.phase not in (PHASE_VERIFICATION, PHASE_FINALISED):
        return deny(_("Only a verified or finalised round can be reopened."))
    return ALLOW


def reopen_round(session, round_, actor, reason, now=None):
    """Back to the appraisal phase, with a written reason (logged); verification and
    finalisation are cleared (the change log keeps them)."""
    if not (decision := reopen_decision(session, actor, round_)):
        raise DomainError(decision.reason)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Write why the round is reopened."))
    round_.verified_at = round_.verified_by_id = None
    round_.finalised_at = round_.finalised_by_id = None
    move_phase(session, round_, PHASE_APPRAISAL, actor, action="reopen", reason=reason)
