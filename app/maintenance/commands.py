"""flask backup --to FILE / flask restore --from FILE [--force] (see app/maintenance/backup.py)."""

import os

import click
from flask import current_app
from flask.cli import with_appcontext

from app.extensions import db
from app.maintenance import backup as archive


def _migrations_dir():
    return current_app.extensions["migrate"].directory


def _summary(manifest):
    rows = sum(manifest["tables"].values())
    return (
        f"schema {manifest['schema_revision']}, {len(manifest['tables'])} tables, {rows} rows, "
        f"{len(manifest['files'])} evidence files"
    )


@click.command("backup")
@click.option("--to", "target", required=True, type=click.Path(dir_okay=False, writable=True),
              help="The archive to write (.tar.gz).")  # fmt: skip
@with_appcontext
def backup_command(target):
    """Back up the database and the evidence files (UPLOAD_DIR) into one archive."""
    try:
        manifest = archive.backup(
            db.engine, current_app.config["UPLOAD_DIR"], target, _migrations_dir()
        )
    except archive.BackupError as err:
        raise click.ClickException(err.message) from err
    click.echo(f"Backup written to {target}: {_summary(manifest)}.")
    if manifest["missing_files"]:
        click.echo(
            f"Warning: {len(manifest['missing_files'])} evidence files referenced by the "
            f"database were not found under UPLOAD_DIR: {', '.join(manifest['missing_files'])}",
            err=True,
        )


@click.command("restore")
@click.option("--from", "source", required=True, type=click.Path(exists=True, dir_okay=False),
              help="The archive made by flask backup.")  # fmt: skip
@click.option("--force", is_flag=True, help="Replace the data of a database that is not empty.")
@with_appcontext
def restore_command(source, force):
    """Restore a backup into an empty database (migrated first if it has no tables)."""
    from flask_migrate import upgrade

    try:
        manifest = archive.restore(
            db.engine,
            current_app.config["UPLOAD_DIR"],
            source,
            _migrations_dir(),
            upgrade=lambda: upgrade(directory=_migrations_dir()),
            force=force,
        )
    except archive.BackupError as err:
        raise click.ClickException(err.message) from err
    click.echo(f"Restored {os.path.basename(source)}: {_summary(manifest)}.")
    click.echo("Run `flask sync-roles` if this version of the application adds permissions.")


COMMANDS = (backup_command, restore_command)
