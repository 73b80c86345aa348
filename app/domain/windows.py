"""The deadline lock: is a round's window open for this unit right now (to the minute)?

A window is open from its start (inclusive) to its end (exclusive), unless the phase is locked by
hand. The organiser's grants (an extension for one unit, a reopening for one unit or all) keep
it open until the grant's time.
"""

from flask_babel import gettext as _

from app.domain.clock import format_local, utcnow
from app.domain.decision import ALLOW, Decision, deny
from app.models.rounds import WINDOW_APPRAISAL, WINDOW_SELF, WINDOW_SUPPLEMENT

_ATTRS = {
    WINDOW_SELF: ("self_start", "self_end"),
    WINDOW_APPRAISAL: ("appraisal_start", "appraisal_end"),
    WINDOW_SUPPLEMENT: ("supplement_start", "supplement_end"),
}


def _name(window):
    # Translated only for a refusal: an open window (every autosave) needs no message.
    if window == WINDOW_SELF:
        return _("self-assessment window")
    if window == WINDOW_APPRAISAL:
        return _("appraisal window")
    return _("supplement window")


def bounds(round_, window):
    """(start, end) of `window` in UTC, either may be None."""
    start_attr, end_attr = _ATTRS[window]
    return getattr(round_, start_attr), getattr(round_, end_attr)


def grant_until(round_, window, unit_id, now):
    """The latest time a live grant keeps `window` open for `unit_id`, or None."""
    times = [
        g.until
        for g in getattr(round_, "grants", []) or []
        if g.window == window and (g.unit_id is None or g.unit_id == unit_id) and g.until > now
    ]
    return max(times) if times else None


def deadline(round_, window, unit_id, now=None):
    """The end that applies to this unit now: the window's end or a later grant."""
    now = now or utcnow()
    _start, end = bounds(round_, window)
    granted = grant_until(round_, window, unit_id, now)
    if granted and (end is None or granted > end):
        return granted
    return end


def window_open(round_, window, unit_id, now=None):
    """Decision: may data of `window` be written for `unit_id` at `now`? Says why not."""
    now = now or utcnow()
    if round_.locked:
        return deny(_("The round's current phase is locked by the organiser."))
    granted = grant_until(round_, window, unit_id, now)
    if granted:
        return ALLOW
    start, end = bounds(round_, window)
    if start is None or end is None:
        return deny(_("The %(window)s has not been set.", window=_name(window)))
    if now < start:
        return deny(
            _("The %(window)s opens at %(start)s.", window=_name(window), start=format_local(start))
        )
    if now >= end:
        return deny(
            _(
                "The %(window)s closed at %(end)s: nothing can be changed any more.",
                window=_name(window),
                end=format_local(end),
            )
        )
    return ALLOW


def appraisal_work_over(round_, unit_id, now=None):
    """Is the appraisal work on `unit_id` over at `now`: its appraisal window and then its
    supplement window (an unset one counts as over) both past their deadline for the unit,
    extensions and reopenings included? False before the appraisal window opens."""
    now = now or utcnow()
    for window in (WINDOW_APPRAISAL, WINDOW_SUPPLEMENT):
        end = deadline(round_, window, unit_id, now)
        if end is None and window == WINDOW_SUPPLEMENT:
            continue  # no supplement window (nor reopening) set: nothing more to come
        if end is None or now < end:
            return False
    return True


def time_left(round_, window, unit_id, now=None):
    """Seconds until the deadline that applies (negative once past), or None if unset."""
    now = now or utcnow()
    end = deadline(round_, window, unit_id, now)
    return None if end is None else (end - now).total_seconds()


__all__ = [
    "Decision",
    "appraisal_work_over",
    "bounds",
    "deadline",
    "grant_until",
    "time_left",
    "window_open",
]
