"""FAB's own REST answers (a missing row, a refused one, a bad query, the titles) speak
Vietnamese like the rest of the API."""

import pytest

from app.models import Unit
from tests.api.test_catalogue_api import token
from tests.helpers import one
from tests.web.test_scoring_views import vi


@pytest.fixture()
def api(app):
    return app.test_client()


def test_a_missing_row_and_a_bad_query_are_answered_in_vietnamese(api):
    headers = token(api, "tochuc")
    missing = api.get("/api/v1/round/999999", headers=headers)
    assert missing.status_code == 404
    assert missing.json["message"] == vi("Not found") != "Not found"
    unknown = api.get("/api/v1/unit/?q=(order_column:zzz)", headers=headers)
    assert unknown.status_code == 400, unknown.data
    assert unknown.json["message"] == vi("The list cannot be sorted by %(column)s.", column="zzz")
    assert "Invalid" not in unknown.json["message"]


def test_a_refused_method_is_answered_in_vietnamese(api):
    # The viewer reads units but has no write permission on them: FAB's own 403.
    unit = api.put("/api/v1/unit/1", json={"name": "x"}, headers=token(api, "xem"))
    assert unit.status_code == 403
    assert unit.json["message"] == vi("You may not do this.") != "You may not do this."


def test_titles_are_those_of_the_screen(session, api):
    headers = token(api, "tochuc")
    listed = api.get("/api/v1/unit/?q=(page_size:1)", headers=headers).json
    assert listed["list_title"] == vi("Units") != "Units"
    unit = one(session, Unit, code="XA001")
    shown = api.get(f"/api/v1/unit/{unit.id}", headers=headers).json
    assert shown["show_title"] == vi("Unit") != "Unit"
    info = api.get("/api/v1/unit/_info", headers=headers).json
    assert info["add_title"] == vi("Add unit") and info["edit_title"] == vi("Edit unit")
    # FAB would title it "List Assessment"; the screen calls it "Self-assessments".
    assessments = api.get("/api/v1/assessment/?q=(page_size:1)", headers=headers).json
    assert assessments["list_title"] == vi("Self-assessments") != "Self-assessments"
