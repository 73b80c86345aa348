"""The schema comes only from Alembic: after `upgrade`, autogenerate must find nothing to do."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_appbuilder import Model

from app.extensions import db


def test_migrations_match_models(app):
    with app.app_context():
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = compare_metadata(context, Model.metadata)
    assert diff == [], f"models and migrations differ: {diff}"


def test_no_table_is_created_outside_alembic(app):
    from sqlalchemy import inspect

    with app.app_context():
        tables = set(inspect(db.engine).get_table_names())
    assert "alembic_version" in tables
    assert {"unit", "criterion", "round", "score_line", "ab_user"} <= tables
