"""Permissions kept a few seconds per process (app/security/permission_cache.py): a role
changed through the app applies at the next request; one changed behind the app's back (by
another worker, the sync-roles command) once the few seconds have passed."""

import uuid

import pytest
from flask_appbuilder.security.sqla.models import PermissionView, Role, assoc_permissionview_role
from sqlalchemy import delete, insert

from app.security import permission_cache, roles
from tests.security.conftest import PASSWORD, ensure_account

LIST = "/unitview/list/"


@pytest.fixture()
def role_with_unit_list(session):
    """A role of its own allowed only to read units, and an account with it."""
    units_list = (
        session.query(PermissionView)
        .filter(PermissionView.permission.has(name="can_read"))
        .filter(PermissionView.view_menu.has(name=roles.UNITS))
        .one()
    )
    role = Role(name=f"TestCache{uuid.uuid4().hex[:6]}", permissions=[units_list])
    session.add(role)
    session.commit()
    user = ensure_account(session, f"test.cache.{uuid.uuid4().hex[:5]}", roles.VIEWER, None)
    user.roles = [role]
    session.commit()
    yield user.username, role.id, units_list.id
    session.delete(user)
    session.commit()
    session.delete(session.get(Role, role.id))
    session.commit()


def _signed_in(app, username):
    client = app.test_client()
    answer = client.post("/login/", data={"username": username, "password": PASSWORD})
    assert answer.status_code == 302
    return client


def _allowed(client):
    return client.get(LIST).status_code == 200


def test_a_role_changed_through_the_app_applies_at_the_next_request(
    app, session, role_with_unit_list
):
    username, role_id, permission_id = role_with_unit_list
    client = _signed_in(app, username)
    assert _allowed(client)
    role = session.get(Role, role_id)
    role.permissions = []  # what the role screen or sync-roles does, through a session
    session.commit()
    assert not _allowed(client)


def test_a_change_behind_the_apps_back_applies_after_the_cache_time(
    app, test_engine, role_with_unit_list, monkeypatch
):
    username, role_id, permission_id = role_with_unit_list
    client = _signed_in(app, username)
    assert _allowed(client)
    link = assoc_permissionview_role
    with test_engine.connect() as other_process:
        other_process.execute(delete(link).where(link.c.role_id == role_id))
    assert _allowed(client)  # still the permissions read a moment ago
    later = permission_cache.time.monotonic() + app.config["PERMISSIONS_CACHE_SECONDS"] + 1
    monkeypatch.setattr(permission_cache.time, "monotonic", lambda: later)
    assert not _allowed(client)
    with test_engine.connect() as other_process:
        other_process.execute(
            insert(link).values(role_id=role_id, permission_view_id=permission_id)
        )
