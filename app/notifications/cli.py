"""`flask send-reminders`: the reminders due now (cron, every 15 minutes; see README)."""

import datetime

import click
from flask.cli import with_appcontext

from app.domain.clock import to_utc
from app.extensions import db


def _parse_local(text):
    try:
        return to_utc(datetime.datetime.strptime(text.strip(), "%Y-%m-%d %H:%M"))
    except ValueError:
        raise click.BadParameter("use YYYY-MM-DD HH:MM (local time)", param_hint="--now") from None


@click.command("send-reminders")
@click.option("--now", "now_text", help="Act as if it were this local time (YYYY-MM-DD HH:MM).")
@click.option("--dry-run", is_flag=True, help="List the reminders due, send nothing.")
@with_appcontext
def send_reminders_command(now_text, dry_run):
    """E-mail whoever still has open lines 24 hours before a window closes (once each)."""
    from app.notifications import reminders
    from app.notifications.messages import compose

    now = _parse_local(now_text) if now_text else None
    if dry_run:
        for message in compose(reminders.due_reminders(db.session, now)):
            click.echo(f"{message.to.email}\t{message.subject}")
        db.session.rollback()
        return
    summary = reminders.send_reminders(db.session, now)
    db.session.commit()
    click.echo(f"Reminders due: {summary.due}, sent: {summary.sent}, failed: {summary.failed}.")
