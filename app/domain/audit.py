"""Writing the change log: every score and state change records who, when, old and new.

`record` keeps the entry with the session and writes it, together with the session's other
pending entries in one statement, before the session's next query, flush or commit (as an
added object would be): in the caller's transaction, committed with the change or rolled
back with it (the app uses no savepoints). The entries are plain rows, not ORM objects:
nothing reads them back as objects in the same transaction, and the unit of work's insert
(with its RETURNING of each id) was a sixth of an autosave.
"""

from functools import lru_cache

from sqlalchemy import event
from sqlalchemy.orm import Session

from app.domain.clock import utcnow
from app.models.audit import AuditEvent

_PENDING = "cchc.audit_pending"


def record(session, actor, action, entity, entity_id=None, old=None, new=None, reason=None):
    """Log one AuditEvent in the caller's transaction (the caller's commit writes it)."""
    session.info.setdefault(_PENDING, []).append(
        {
            "at": utcnow(),
            "user_id": getattr(actor, "id", None),
            "action": action,
            "entity": entity,
            "entity_id": entity_id,
            "old_value": None if old is None else str(old),
            "new_value": None if new is None else str(new),
            "reason": reason,
        }
    )


def write_pending(session):
    """Write the entries `record` kept (the flush and commit hooks below call this)."""
    rows = session.info.pop(_PENDING, None)
    if rows:
        session.connection().execute(_insert(), rows)


@lru_cache(maxsize=1)
def _insert():
    return AuditEvent.__table__.insert()


@event.listens_for(Session, "before_flush")
def _write_with_the_flush(session, _context, _instances):
    write_pending(session)


@event.listens_for(Session, "do_orm_execute")
def _write_before_a_query(state):
    # What the caller reads next in this transaction includes what it logged.
    write_pending(state.session)


@event.listens_for(Session, "before_commit")
def _write_before_commit(session):
    # A commit with nothing else to flush runs no flush: the entries are written here.
    write_pending(session)


@event.listens_for(Session, "after_soft_rollback")
def _drop_on_rollback(session, _previous_transaction):
    session.info.pop(_PENDING, None)


@event.listens_for(Session, "after_transaction_end")
def _drop_when_closed(session, transaction):
    # Closed without a commit or a rollback: the entries go with the changes.
    if transaction.parent is None:
        session.info.pop(_PENDING, None)
