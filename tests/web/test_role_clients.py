"""The per-role client fixtures: each logs in as a demo account holding that role, so a test
that asks for `council_client` really acts as the council."""

import pytest

from app.models import AppUser
from app.security import roles

FIXTURES = {
    "admin_client": roles.ADMIN,
    "organiser_client": roles.ORGANISER,
    "leader_client": roles.UNIT_LEADER,
    "staff_client": roles.UNIT_STAFF,
    "support_client": roles.SUPPORT_MEMBER,
    "appraiser_client": roles.APPRAISER,
    "team_leader_client": roles.TEAM_LEADER,
    "council_client": roles.COUNCIL,
    "viewer_client": roles.VIEWER,
}


def test_every_role_has_a_client_fixture():
    assert set(FIXTURES.values()) == set(roles.ALL_ROLES) - {roles.PUBLIC}


@pytest.mark.parametrize("fixture", sorted(FIXTURES))
def test_the_client_is_logged_in_with_its_role(request, session, fixture):
    client = request.getfixturevalue(fixture)
    with client.session_transaction() as cookie:
        user_id = int(cookie["_user_id"])
    user = session.get(AppUser, user_id)
    assert [role.name for role in user.roles] == [FIXTURES[fixture]]
    assert client.get("/").status_code == 200
