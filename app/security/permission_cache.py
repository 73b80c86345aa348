"""The roles' permissions, kept per process for a few seconds.

FAB asks for them at every request (and once per menu item), and they change only when an
administrator edits a role or `flask sync-roles` runs. A change saved in this process applies
at once; one saved by another process (another gunicorn worker, the sync-roles command)
within PERMISSIONS_CACHE_SECONDS (0: read at every request, as FAB does)."""

import itertools
import time

from flask_appbuilder.security.sqla.models import Permission, PermissionView, Role, ViewMenu
from sqlalchemy import event
from sqlalchemy.orm import Session

_SECURITY_MODELS = (Role, PermissionView, Permission, ViewMenu)
_cache = {}


def lookup(key, load, seconds):
    """The cached value of `key`, or load() kept for `seconds`."""
    now = time.monotonic()
    hit = _cache.get(key)
    if hit is not None and hit[0] > now:
        return hit[1]
    value = load()
    if seconds > 0:
        _cache[key] = (now + seconds, value)
    return value


def forget():
    _cache.clear()


@event.listens_for(Session, "after_flush")
def _note_security_changes(session, _context):
    changed = itertools.chain(session.new, session.dirty, session.deleted)
    if any(isinstance(row, _SECURITY_MODELS) for row in changed):
        session.info["cchc.permissions_changed"] = True
        forget()  # and again at the commit: a request in between may have read the old rows


@event.listens_for(Session, "after_commit")
def _forget_after_commit(session):
    if session.info.pop("cchc.permissions_changed", False):
        forget()


@event.listens_for(Session, "after_rollback")
def _drop_the_note(session):
    session.info.pop("cchc.permissions_changed", None)
