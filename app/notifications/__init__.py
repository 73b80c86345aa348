"""E-mail notifications (issue 4, item 9): on assignment, on a supplement request, and 24 hours
before a window closes.

How a message travels:

- The domain functions (app/domain/assignment.py `apply_assignment`, app/domain/supplement.py
  `request_supplement`) call app/notifications/events.py, which reads who must be told and
  queues one `Notice` per recipient and item on the session (`session.info["outbox"]`,
  app/notifications/outbox.py). Nothing talks to SMTP inside the transaction.
- After the commit (SQLAlchemy's after_commit event) the notices are grouped, one message per
  recipient and subject (all the units and criteria of one assignment; all the lines of one
  unit the council asked about in one transaction), written in Vietnamese
  (app/notifications/messages.py) and sent (app/notifications/mailer.py). A rollback, a
  refused operation or a savepoint rolled back sends nothing of what it queued. So the
  screen, a FAB action and the REST API send the same messages.
- A failing SMTP server never breaks the user's save: the save is committed before sending;
  the failure is logged and recorded in the change log (action "mail_failed", on the
  recipient's account) and the message is dropped. Reminders are retried: they are recorded
  as sent (action "reminder_sent") only once the server accepted them, so the next
  `flask send-reminders` run tries again while the window is still open.
- `flask send-reminders` (cron, every 15 minutes; app/notifications/reminders.py) writes to
  whoever still has open lines 24 hours before a window closes, once per window, deadline and
  person.

Settings (config.py): MAIL_SERVER (empty: no mail), MAIL_PORT, MAIL_USE_TLS (STARTTLS),
MAIL_USERNAME / MAIL_PASSWORD (login when set), MAIL_DEFAULT_SENDER, MAIL_TIMEOUT,
MAIL_SUPPRESS_SEND (default: on when testing) and APP_BASE_URL (links in the messages).
"""

from app.notifications.outbox import pending, queue  # noqa: F401  (the package's API)
