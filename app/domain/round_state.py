"""Where a round stands after its self-assessment, and the one place its phase moves.

Phases after the self-assessment, kept coherent by the domain (every move is logged as
action "phase", or as verify / finalise / reopen by app/domain/verification.py):

- self_assessment -> appraisal: the first appraisal write of steps 2 to 4 (a support score,
  an appraisal or an approval) on any line of the round;
- appraisal (or verification) -> supplement: the council's first supplement request;
- appraisal / supplement -> verification: the council verifies the round;
- verification -> finalised: the council finalises it;
- verification / finalised -> appraisal: an explicit, logged reopen with a written reason.

Once finalised (or published) every write path is refused: self-assessment, evidence,
assignment, appraisal, supplements. A manual lock (round.locked) stops every write too.
"""

from flask_babel import gettext as _

from app.domain import audit
from app.domain.decision import ALLOW, deny
from app.models.rounds import (
    PHASE_APPRAISAL,
    PHASE_DRAFT,
    PHASE_FINALISED,
    PHASE_PUBLISHED,
    PHASE_SELF,
    PHASE_SUPPLEMENT,
    PHASE_VERIFICATION,
)

FROZEN_PHASES = (PHASE_FINALISED, PHASE_PUBLISHED)


def frozen_decision(round_):
    """Refused once the council has finalised the round or its results are published."""
    if round_.phase == PHASE_PUBLISHED:
        return deny(_("The round's results have been published: nothing can be changed any more."))
    if round_.phase == PHASE_FINALISED:
        return deny(
            _(
                "The round has been finalised by the council: nothing can be changed "
                "until it is reopened."
            )
        )
    return ALLOW


def writable_decision(round_):
    """May anything of the appraisal be written on this round at all (phase and lock)?"""
    if round_.phase == PHASE_DRAFT:
        return deny(_("The round has not been opened yet."))
    if not (decision := frozen_decision(round_)):
        return decision
    if round_.locked:
        return deny(_("The round's current phase is locked by the organiser."))
    return ALLOW


def move_phase(session, round_, new_phase, actor, action="phase", reason=None):
    """Set the round's phase and log the move (no event when it does not change)."""
    old = round_.phase
    if old == new_phase:
        return False
    round_.phase = new_phase
    audit.record(session, actor, action, "round", round_.id, old=old, new=new_phase, reason=reason)
    return True


def enter_appraisal(session, round_, actor):
    """The first appraisal write moves a round still in its self-assessment phase on."""
    if round_.phase == PHASE_SELF:
        move_phase(session, round_, PHASE_APPRAISAL, actor, reason="first appraisal write")


def enter_supplement(session, round_, actor):
    """A supplement request moves the round to the supplement phase; a verification done
    before it no longer holds, so it is cleared (the change log keeps it)."""
    if round_.phase in (PHASE_SELF, PHASE_APPRAISAL, PHASE_VERIFICATION):
        if round_.phase == PHASE_VERIFICATION:
            round_.verified_at = round_.verified_by_id = None
        move_phase(session, round_, PHASE_SUPPLEMENT, actor, reason="supplement request")
