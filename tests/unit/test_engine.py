"""Pooled PostgreSQL connections: one that sat idle is pinged and replaced when the server cut
it, so the next request works; one reused at once is not pinged (no round trip per request).
Always on PostgreSQL, which every machine of this project runs."""

import time

import pytest
from sqlalchemy import create_engine, exc, text

from app import engine as app_engine
from tests.concurrency.server import fresh_database


@pytest.fixture()
def pg_engine(tmp_path):
    url, drop = fresh_database("postgresql", str(tmp_path))
    engine = create_engine(url, pool_size=1, max_overflow=0)
    app_engine.tune(engine, ping_idle_seconds=0.3)
    yield engine
    engine.dispose()
    drop()


def _backend_pid(engine):
    with engine.connect() as conn:
        return conn.execute(text("SELECT pg_backend_pid()")).scalar()


def _cut(engine, pid):
    """What a database restart or a firewall does to the pooled connection."""
    admin = create_engine(engine.url)
    with admin.connect() as conn:
        conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    admin.dispose()


def test_an_idle_connection_cut_by_the_server_is_replaced_before_use(pg_engine):
    pid = _backend_pid(pg_engine)
    _cut(pg_engine, pid)
    time.sleep(0.5)
    assert _backend_pid(pg_engine) != pid


def test_a_connection_reused_at_once_is_not_pinged(pg_engine):
    pid = _backend_pid(pg_engine)
    _cut(pg_engine, pid)
    with pytest.raises(exc.OperationalError):
        _backend_pid(pg_engine)
    # The failed connection is dropped: the next one works.
    assert _backend_pid(pg_engine) != pid
