"""Migration 0006 moves each unit's field results into its result row, and back, unchanged."""

import datetime
import os

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import MetaData, select, text

from tests.conftest import ROOT, make_app, new_database

MIGRATIONS = os.path.join(ROOT, "migrations")


@pytest.fixture
def empty_url(tmp_path):
    with new_database(tmp_path) as url:
        yield url


ROWS = [  # written the 0005 way: a result with two field rows, and what it stands on
    ("unit_type", {"id": 1, "code": "X", "name": "Xã"}),
    ("unit", {"id": 1, "code": "U1", "name": "Xã Một", "unit_type_id": 1}),
    ("framework", {"id": 1, "code": "F", "name": "Bộ", "year": 2030, "unit_type_id": 1}),
    ("criterion", {"id": 11, "framework_id": 1, "code": "1", "title": "Lĩnh vực 1"}),
    ("criterion", {"id": 12, "framework_id": 1, "code": "2", "title": "Lĩnh vực 2"}),
    ("round", {"id": 1, "name": "Đợt", "year": 2030, "framework_id": 1, "organiser_unit_id": 1}),
    ("unit_result", {"id": 7, "round_id": 1, "unit_id": 1}),
    ("field_result", {"id": 1, "unit_result_id": 7, "criterion_id": 11, "points": 8.5,
                      "applicable_max": 10, "index": 85}),
    ("field_result", {"id": 2, "unit_result_id": 7, "criterion_id": 12, "points": 0,
                      "applicable_max": 0, "index": None}),
]  # fmt: skip


def _filler(column):
    """A value for a NOT NULL column the row above does not give (the models' defaults are
    Python-side: the schema has none)."""
    python_type = column.type.python_type
    if python_type is bool:
        return False
    if python_type is str:
        return ""
    if python_type is datetime.datetime:
        return datetime.datetime(2030, 1, 1)
    return 0


def _write_0005_rows(connection):
    schema = MetaData()
    schema.reflect(connection)
    for name, values in ROWS:
        table = schema.tables[name]
        required = {
            c.name: _filler(c)
            for c in table.columns
            if not c.nullable and c.name not in values and not c.primary_key
        }
        connection.execute(table.insert().values(**required, **values))
    if connection.dialect.name == "postgresql":  # ids given by hand: move the sequences on
        for name in {name for name, _values in ROWS}:
            connection.execute(text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), 100)"))


def test_field_results_move_into_the_unit_result_and_back(empty_url):
    app = make_app(empty_url)
    with app.app_context():
        from app.extensions import db

        upgrade(directory=MIGRATIONS, revision="0005")
        with db.engine.begin() as connection:
            _write_0005_rows(connection)
        upgrade(directory=MIGRATIONS, revision="0006")
        from app.models import UnitResult

        result = db.session.get(UnitResult, 7)
        assert result.field_figures == {
            "11": ["8.50", "10.00", "85.00"],
            "12": ["0.00", "0.00", None],
        }
        assert str(result.fields[11].index) == "85.00" and result.fields[12].index is None
        db.session.rollback()
        downgrade(directory=MIGRATIONS, revision="0005")
        with db.engine.connect() as connection:
            schema = MetaData()
            schema.reflect(connection, only=["field_result"])
            table = schema.tables["field_result"]
            rows = connection.execute(
                select(table.c.criterion_id, table.c.points, table.c.applicable_max,
                       table.c.index).order_by(table.c.criterion_id)
            ).all()  # fmt: skip
        assert [(c, float(p), float(m), i if i is None else float(i)) for c, p, m, i in rows] == [
            (11, 8.5, 10.0, 85.0), (12, 0.0, 0.0, None)
        ]  # fmt: skip
        db.engine.dispose()
