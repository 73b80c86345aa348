"""FAB routes that used to crash answer "not found" (app/security/fab_routes.py)."""

import pytest


@pytest.mark.parametrize(
    "url",
    [
        "/unitview/download/bao-cao.xlsx",  # no file columns, no UPLOAD_FOLDER
        "/users/download/x",
        "/unitview/action/no-such-action/1",
        "/roles/action/copyrole/987654321",  # a role that does not exist
        "/userstatschartview/chart/role",  # not the index of a grouping
        "/userstatschartview/chart/99",
    ],
)
def test_a_route_fab_would_crash_on_is_not_found(admin_client, url):
    assert admin_client.get(url).status_code == 404


def test_an_action_the_view_does_not_have_is_not_found(admin_client, organiser_client):
    for client in (admin_client, organiser_client):
        answer = client.post("/unitview/action_post", data={"action": "nope", "rowid": ["1"]})
        assert answer.status_code == 404


def test_the_chart_and_the_actions_still_work(admin_client):
    assert admin_client.get("/userstatschartview/chart/0").status_code == 200
    assert admin_client.get("/userstatschartview/chart/").status_code == 200
    # A known action passes: the app's own refuses the missing row itself, with a message.
    answer = admin_client.post(
        "/unitview/action_post", data={"action": "muldelete", "rowid": ["987654321"]}
    )
    assert answer.status_code == 302 and "/login" not in answer.headers["Location"]
