"""The session's outbox: notices queued inside a transaction, sent after its commit.

Notices live in `session.info["outbox"]`, each tagged with the savepoint that was current when
it was queued. A root commit sends them all (after the database has them, so no message
announces a change that was not saved); a rollback of the whole transaction drops them all; a
rolled-back savepoint drops those queued inside it. The listeners are registered on
SQLAlchemy's Session class, so Flask-SQLAlchemy's session and plain sessions alike take part.
"""

import logging

from sqlalchemy import event
from sqlalchemy.orm import Session, scoped_session

log = logging.getLogger(__name__)

OUTBOX = "outbox"


def queue(session, notice):
    """Queue `notice` (app/notifications/messages.py Notice) until `session` commits."""
    session = _actual(session)
    session.info.setdefault(OUTBOX, []).append((session.get_nested_transaction(), notice))


def pending(session):
    """The notices queued on `session` and not sent yet (tests, debugging)."""
    return [notice for _tag, notice in _actual(session).info.get(OUTBOX, [])]


def _actual(session):
    # Flask-SQLAlchemy's db.session is a scoped_session: the events see the Session in it.
    return session() if isinstance(session, scoped_session) else session


def _inside(tag, transaction):
    """Was a notice tagged `tag` (a savepoint or None) queued inside `transaction`?"""
    while tag is not None:
        if tag is transaction:
            return True
        tag = tag.parent
    return transaction.parent is None


@event.listens_for(Session, "after_commit")
def _send_after_commit(session):
    # after_commit also fires when a savepoint is released: only the root commit sends.
    if session.in_nested_transaction() or not session.info.get(OUTBOX):
        return
    notices = [notice for _tag, notice in session.info.pop(OUTBOX)]
    from app.notifications.delivery import deliver

    try:
        deliver(session.get_bind(), notices)
    except Exception:  # the save is committed: a mail problem must never surface as an error
        log.exception("Sending %s notification(s) failed", len(notices))


@event.listens_for(Session, "after_soft_rollback")
def _drop_rolled_back(session, previous_transaction):
    items = session.info.get(OUTBOX)
    if items and previous_transaction.nested:
        kept = [(tag, n) for tag, n in items if not _inside(tag, previous_transaction)]
        session.info[OUTBOX] = kept


@event.listens_for(Session, "after_transaction_end")
def _drop_uncommitted(session, transaction):
    # The root transaction ended without a commit (rollback, close): nothing was saved.
    if transaction.parent is None and session.info.get(OUTBOX):
        dropped = session.info.pop(OUTBOX)
        log.debug("%s notification(s) dropped: their transaction was not committed", len(dropped))
