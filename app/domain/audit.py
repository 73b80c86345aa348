"""Writing the change log: every score and state change records who, when, old and new."""

from app.domain.clock import utcnow
from app.models.audit import AuditEvent


def record(session, actor, action, entity, entity_id=None, old=None, new=None, reason=None):
    """Add one AuditEvent to the session (the caller's transaction commits it with the change)."""
    event = AuditEvent(
        at=utcnow(),
        user_id=getattr(actor, "id", None),
        action=action,
        entity=entity,
        entity_id=entity_id,
        old_value=None if old is None else str(old),
        new_value=None if new is None else str(new),
        reason=reason,
    )
    session.add(event)
    return event
