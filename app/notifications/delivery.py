"""Compose, send and account for messages: failures are logged and written to the change log
(action "mail_failed" on the recipient's account, with the subject and the server's answer)."""

import logging

from flask import current_app, has_app_context
from sqlalchemy.orm import Session

from app.domain import audit
from app.notifications import mailer
from app.notifications.messages import compose

log = logging.getLogger(__name__)

MAIL_FAILED = "mail_failed"


def send_composed(composed):
    """Send [Composed]; returns the error (or None) of each, or None when mail is off or
    suppressed (nothing was sent, nothing failed)."""
    if not composed:
        return []
    mail = mailer.settings(current_app.config)
    if mail is None or mailer.suppressed(current_app):
        for item in composed:
            log.info("Mail off or suppressed, not sent: %r to %s", item.subject, item.to.email)
        return None
    errors = mailer.send([mailer.build(item, mail) for item in composed], mail)
    for item, error in zip(composed, errors, strict=True):
        if error is None:
            log.info("Mail sent: %r to %s", item.subject, item.to.email)
    return errors


def record_failures(session, composed, errors):
    """Log and add a "mail_failed" event per failed message (the caller commits)."""
    failed = [(item, error) for item, error in zip(composed, errors, strict=True) if error]
    for item, error in failed:
        log.warning("Mail to %s failed (%s): %r", item.to.email, error, item.subject)
        audit.record(
            session, None, MAIL_FAILED, "user", item.to.user_id, new=item.subject,
            reason=f"{item.to.email}: {error}"[:2000],
        )  # fmt: skip
    return len(failed)


def deliver(bind, notices):
    """After a commit: compose `notices`, send them, record failures in a transaction of
    their own on `bind` (the committed one is over). Dropped, with a log line, when there is
    no app context to read the settings from."""
    if not has_app_context():
        log.info("%s notification(s) dropped: no application context", len(notices))
        return
    composed = compose(notices)
    errors = send_composed(composed)
    if errors and any(errors):
        with Session(bind=bind) as session:
            record_failures(session, composed, errors)
            session.commit()
