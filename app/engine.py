"""How the app treats its database connections: SQLite as a real database (foreign keys, WAL),
and pooled connections checked only when they have been idle.

SQLAlchemy's pool_pre_ping costs a round trip on every request, a sixth of the statements of
an autosave. A connection that has just served a request is alive; one that sat in the pool
for a while may have been cut (a database restart, a firewall's idle timeout), so only those
are pinged, and a dead one is replaced before the request sees it.
"""

import time

from sqlalchemy import event, exc


def tune(engine, ping_idle_seconds):
    """Install the connection events on `engine` (once, when the app is created)."""
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    else:
        _ping_when_idle(engine.pool, ping_idle_seconds)


def _sqlite_pragmas(dbapi_connection, _record):
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def _ping_when_idle(pool, idle_seconds):
    @event.listens_for(pool, "checkin")
    def _note_return(_dbapi_connection, record):
        if record is not None:
            record.info["returned_at"] = time.monotonic()

    @event.listens_for(pool, "checkout")
    def _ping_if_idle(dbapi_connection, record, _proxy):
        returned_at = record.info.get("returned_at")
        if returned_at is None or time.monotonic() - returned_at < idle_seconds:
            return
        try:
            cursor = dbapi_connection.cursor()
            cursor.execute("SELECT 1")
            cursor.close()
        except Exception as err:
            # The pool discards this connection and checks out another (its documented
            # answer to DisconnectionError raised here).
            raise exc.DisconnectionError() from err
