"""Fixtures of the concurrency tests: the many-line sheet of world.py (per module, emptied
after each test), Vietnamese messages, and the small appraisal round (`web`) of
tests/web/appraisal_web.py for the team's steps. They run on the suite's database: SQLite
in `make test`, PostgreSQL in `make test-pg`."""

import pytest
from sqlalchemy.orm import Session

from tests.concurrency.world import build_sheet, remove_sheet, reset_sheet
from tests.unit.appraisal_world import people, world  # noqa: F401
from tests.vietnamese import install
from tests.web.appraisal_web import web, web_people  # noqa: F401


@pytest.fixture(scope="module")
def sheet_ids(test_engine):
    with Session(test_engine) as s:
        ids = build_sheet(s)
    yield ids
    with Session(test_engine) as s:
        remove_sheet(s, ids)


@pytest.fixture()
def sheet(sheet_ids, session):
    """The sheet's ids, its lines empty before and after the test (before too: SQLite reuses
    the ids of deleted rows, and the change log of an earlier module's line may carry one)."""
    reset_sheet(session, sheet_ids)
    yield sheet_ids
    reset_sheet(session, sheet_ids)


@pytest.fixture()
def vietnamese(monkeypatch):
    """Messages in Vietnamese, pending translations included (tests/vietnamese.py)."""
    install(monkeypatch)
