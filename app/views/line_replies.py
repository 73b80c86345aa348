"""The JSON answers of a score line's write when it did not go through: someone else saved
the line first (409, with their value and the line's version now), or the database refused
the write (503, nothing saved). Shared by the score sheet and the appraisal sheet; the
conflicts themselves come from app/domain/line_versions.py."""

import logging

from flask import jsonify
from flask_babel import gettext as _

from app.domain import line_versions
from app.extensions import db

log = logging.getLogger(__name__)


def busy_message():
    return _("The database is busy: nothing was saved. Try again in a moment.")


def conflict_data(err):
    """What a 409 carries besides the message: the other person's value and the line's
    version now (the page keeps it, so saving again is a choice made knowingly)."""
    return {"current": err.shown, "version": err.version}


def conflict_reply(err, **extra):
    """409: someone else saved the line since the user loaded it."""
    return jsonify(ok=False, error=err.message, **conflict_data(err), **extra), 409


def race_reply(line_id, what):
    """A concurrent save committed between our read and our write (StaleDataError): the
    same 409 as a stale version, with what the winner stored. Rolls the session back."""
    log.info("Score line %s: a concurrent save won the race", line_id)
    err = line_versions.after_race(db.session, line_id, what)
    if err is None:
        message = _("This line does not exist or you may not see it.")
        return jsonify(ok=False, error=message), 404
    return conflict_reply(err)


def save_failed_reply(line_id):
    """The database refused the write (a lock timeout, a lost connection): 503, nothing
    saved; the page keeps what was typed and the user can save again."""
    log.warning("Saving score line %s failed", line_id, exc_info=True)
    db.session.rollback()
    return jsonify(ok=False, error=busy_message()), 503
