"""flask commands: sync-roles, demo-data, create-admin."""

import click
from flask import current_app
from flask.cli import with_appcontext

from app.extensions import db


def _require_good_password(password, username, name):
    """Stop the command when `password` breaks the rules of local accounts."""
    from app.security.passwords import password_problems

    problems = password_problems(password, username)
    if problems:
        raise click.BadParameter(" ".join(str(p) for p in problems), param_hint=name)


@click.command("sync-roles")
@with_appcontext
def sync_roles_command():
    """Create every permission and set each role's permissions from app/security/roles.py."""
    from app.security.sync import sync_roles

    sync_roles(current_app.appbuilder)
    click.echo("Roles synchronised.")


@click.command("demo-data")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already has units.")
@with_appcontext
def demo_data_command(if_empty):
    """Load the demo province (units, frameworks, rounds, one account per role)."""
    from app.demo.loader import load_demo
    from app.demo.people import PEOPLE
    from app.models import Unit

    password = current_app.config["DEMO_PASSWORD"]
    _require_good_password(password, None, "DEMO_PASSWORD")
    if if_empty and db.session.query(Unit.id).first():
        click.echo("Database already has data: demo not loaded again.")
    else:
        counts = load_demo(db.session, current_app.appbuilder, password)
        db.session.commit()
        click.echo("Demo data loaded: " + ", ".join(f"{k}={v}" for k, v in counts.items()))
    click.echo(f"Demo accounts (password: {password}):")
    for person in PEOPLE:
        click.echo(f"  {person['username']:<12} {', '.join(person['roles']):<14} {person['title']}")


@click.command("create-admin")
@click.option("--username", default="admin")
@click.option("--email", default="admin@localhost")
@click.password_option()
@with_appcontext
def create_admin_command(username, email, password):
    """Create an administrator account (production start-up)."""
    sm = current_app.appbuilder.sm
    _require_good_password(password, username, "--password")
    if sm.find_user(username=username):
        click.echo(f"User {username} already exists.")
        return
    sm.add_user(username, "Quản trị", "Hệ thống", email, sm.find_role("Admin"), password=password)
    click.echo(f"Administrator {username} created.")


def register_cli(app):
    from app.maintenance.commands import COMMANDS as MAINTENANCE  # flask backup / restore
    from app.notifications.cli import send_reminders_command

    for command in (sync_roles_command, demo_data_command, create_admin_command, *MAINTENANCE):
        app.cli.add_command(command)
    app.cli.add_command(send_reminders_command)
