"""Writing the change log: every score and state change records who, when, old and new."""

from functools import lru_cache

from app.domain.clock import utcnow
from app.models.audit import AuditEvent


def record(session, actor, action, entity, entity_id=None, old=None, new=None, reason=None):
    """Write one AuditEvent in the caller's transaction: it is committed with the change, or
    rolled back with it (a savepoint included).

    Written at once on the session's connection rather than added to the session: the log
    is never read back as an object in the same transaction, and the unit of work's insert
    (and its RETURNING of the id) was a sixth of an autosave's time."""
    values = {
        "at": utcnow(),
        "user_id": getattr(actor, "id", None),
        "action": action,
        "entity": entity,
        "entity_id": entity_id,
        "old_value": None if old is None else str(old),
        "new_value": None if new is None else str(new),
        "reason": reason,
    }
    session.connection().execute(_insert(), values)


@lru_cache(maxsize=1)
def _insert():
    return AuditEvent.__table__.insert()
