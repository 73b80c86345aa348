"""The organiser's grants: a window kept open for one unit (an extension) or reopened for all
(a reopening), each with a written reason, logged. app/domain/windows.py honours them."""

from flask_babel import gettext as _

from app.domain import audit
from app.domain.clock import format_local, utcnow
from app.domain.round_state import frozen_decision
from app.domain.windows import bounds
from app.models.rounds import WINDOW_KINDS

MIN_REASON_LENGTH = 10


def grant_problems(grant, now=None):
    """Why an extension or reopening cannot be granted as typed ([] = fine)."""
    now, problems, round_ = now or utcnow(), [], grant.round
    # Finalised or published: no extension nor reopening until the council's logged reopen.
    if round_ is not None and not (decision := frozen_decision(round_)):
        return [decision.reason]
    if len((grant.reason or "").strip()) < MIN_REASON_LENGTH:
        problems.append(_("Write the reason (at least %(count)s characters).",
                          count=MIN_REASON_LENGTH))  # fmt: skip
    if grant.until is None:
        problems.append(_("Enter until when the window stays open."))
    elif grant.until <= now:
        problems.append(_("The new deadline must be in the future."))
    elif round_ is not None and grant.window in WINDOW_KINDS:
        start = bounds(round_, grant.window)[0]
        if start is not None and grant.until <= start:
            problems.append(_("The new deadline must be after the window opens (%(start)s).",
                              start=format_local(start)))  # fmt: skip
    if round_ is not None and grant.unit is not None and grant.unit not in round_.units:
        problems.append(_("This unit does not take part in the round."))
    return problems


def unit_or_all(unit):
    return str(unit) if unit is not None else _("All units")


def record_grant(session, actor, grant):
    """Stamp `grant` (checked by `grant_problems`) with who and when, and log it: with one
    unit an extension, without a unit a reopening. The caller adds it and commits."""
    grant.reason = grant.reason.strip()
    grant.granted_by_id, grant.granted_at = actor.id, utcnow()
    audit.record(
        session, actor, "grant" if grant.unit is not None else "reopen", "round",
        grant.round.id, new=f"{unit_or_all(grant.unit)}: {grant.window} -> "
        f"{format_local(grant.until)}", reason=grant.reason,
    )  # fmt: skip
