"""Optimistic locking of score lines: nothing one person saves is overwritten unseen.

Every write on a line (the unit's score, explanation and not-applicable mark; the team's
support score, appraisal, approval and return) carries the version the user loaded
(`ScoreLine.version`, SQLAlchemy's version_id_col: every UPDATE of the row adds one). Two
guards, one message:

1. `check()`, in the domain function before anything changes: the version sent is not the
   line's any more (someone saved since the page was loaded) -> ConflictError.
2. The UPDATE itself is `... WHERE id = :id AND version = :loaded`: when another save commits
   between our read and our write it matches no row and SQLAlchemy raises StaleDataError at
   the flush. The caller rolls back and turns it into the same ConflictError with `after_race()`,
   which reads what the winner stored.

Either way the first save stays, the second is not applied, and its author reads (in
Vietnamese) what the line now holds, so they can check it and save again knowingly.
"""

from flask_babel import gettext as _

from app.domain.errors import DomainError
from app.domain.scoring import format_points

# What the user was editing: the value the conflict message shows.
SELF = "self"  # the unit's score (or its not-applicable mark)
EXPLANATION = "explanation"
SUPPORT = "support"  # step 2
APPRAISED = "appraised"  # step 3
DECISION = "decision"  # step 4: approve or return, on the appraised score
MAX_SHOWN = 200  # characters of an explanation quoted back


class ConflictError(DomainError):
    """Someone else saved the line since this user loaded it. `current` is their raw value
    (points, or the explanation), `shown` the same as the message writes it, `version` the
    line's version now (None when unknown)."""

    def __init__(self, message, current, shown=None, version=None):
        super().__init__(message)
        self.current = current
        self.shown = shown if shown is not None else format_points(current)
        self.version = version


def _quote(text):
    text = " ".join((text or "").split())
    return text if len(text) <= MAX_SHOWN else text[:MAX_SHOWN] + "…"


def current_value(line, what):
    """(raw value, text) of what `line` holds now for the part `what` names."""
    if what == EXPLANATION:
        return line.explanation, _quote(line.explanation) or _("no explanation")
    if what == SELF and line.not_applicable:
        return None, _("not applicable to the unit")
    raw = {
        SELF: line.self_points,
        SUPPORT: line.support_points,
        APPRAISED: line.appraised_points,
        DECISION: line.appraised_points,
    }[what]
    return raw, format_points(raw) or _("no score")


def conflict(line, what):
    """The ConflictError saying what `line` holds now (the other person's value)."""
    raw, shown = current_value(line, what)
    if what == EXPLANATION:
        message = _(
            "Someone else saved this line meanwhile: its explanation now reads “%(value)s”. "
            "Check it and save yours again.",
            value=shown,
        )
    elif what == DECISION:
        message = _(
            "Someone else saved this line meanwhile: it now holds %(value)s. "
            "Check it before deciding again.",
            value=shown,
        )
    else:
        message = _(
            "Someone else saved this line meanwhile: it now holds %(value)s. "
            "Check it and enter your score again.",
            value=shown,
        )
    return ConflictError(message, current=raw, shown=shown, version=line.version)


def check(line, expected_version, what):
    """Raise ConflictError when `expected_version` (the version the user loaded; None: not
    sent) is not the line's version any more."""
    if expected_version is not None and int(expected_version) != line.version:
        raise conflict(line, what)


def after_race(session, line_id, what):
    """The ConflictError to answer after a flush raised StaleDataError (another save
    committed between our read and our UPDATE): rolls the session back and reads the line
    as the winner left it. None if the line is gone."""
    from app.models.scoring import ScoreLine

    session.rollback()
    line = session.get(ScoreLine, line_id, populate_existing=True)
    return conflict(line, what) if line is not None else None
