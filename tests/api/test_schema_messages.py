"""REST answers to a body marshmallow refuses (422) speak Vietnamese, like the domain's."""

import pytest
from flask_babel import force_locale

from app.api.schema_messages import translated
from app.models import Unit
from tests.api.test_catalogue_api import token
from tests.helpers import one
from tests.web.test_scoring_views import vi


@pytest.fixture()
def api(app):
    return app.test_client()


def test_a_badly_typed_body_is_refused_in_vietnamese_and_changes_nothing(session, api):
    unit = one(session, Unit, code="XA001")
    before = (unit.name, unit.active)
    response = api.put(
        f"/api/v1/unit/{unit.id}",
        json={"active": "có lẽ", "name": None},
        headers=token(api, "tochuc"),
    )
    assert response.status_code == 422, response.data
    assert response.json["message"] == {
        "active": [vi("Not a valid boolean.")],
        "name": [vi("Field may not be null.")],
    }
    assert vi("Not a valid boolean.") != "Not a valid boolean."
    session.expire_all()
    assert (session.get(Unit, unit.id).name, session.get(Unit, unit.id).active) == before


def test_filled_in_messages_keep_their_values_and_ours_pass_unchanged(app):
    ours = "Mã XA001 đã được dùng."
    messages = {
        "name": ["Longer than maximum length 255."],
        "rule": ["Must be one of: number, choice."],
        "code": [ours],
        "tiers": {"0": {"points": ["Not a valid number."]}},
    }
    with app.test_request_context(), force_locale("vi"):
        answer = translated(messages)
    assert answer == {
        "name": [vi("Longer than maximum length %(max)s.", max="255")],
        "rule": [vi("Must be one of: %(choices)s.", choices="number, choice")],
        "code": [ours],
        "tiers": {"0": {"points": [vi("Not a valid number.")]}},
    }
    assert "255" in answer["name"][0] and answer["name"][0] != messages["name"][0]
