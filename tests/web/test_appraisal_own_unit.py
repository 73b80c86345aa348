"""Nobody appraises their own unit, over every path of step 4: the leader who works for the
line's unit is refused on the sheet (line, field, unit), by the FAB list actions and by the
REST API, forged row ids included, with the reason, and nothing changes. Support score and
appraisal are refused the same way. On the small round of tests/unit/appraisal_world.py."""

import json

from tests.api.test_catalogue_api import token
from tests.unit.test_appraisal_own_unit import OWN_UNIT, moved
from tests.web.appraisal_web import action, alerts, text_of
from tests.web.test_scoring_views import vi

LINES = "appraisallineview"
JSON = {"Accept": "application/json"}


def _post(client, url, **body):
    return client.post(url, data=json.dumps(body), content_type="application/json", headers=JSON)


def _ready(web):
    """Unit A scored and appraised by team 1; unit B staffed too, untouched."""
    web.staff(("A", "B"))
    web.score()
    web.appraise()


def test_the_sheet_refuses_the_leaders_own_unit_at_every_step_4_route(web):
    _ready(web)
    before = web.snapshot("A")
    sheet = f"/appraisal/{web.world.assessments['A'].id}"
    line_id = web.line_id("A", "1.1")
    with moved(web.world, "leader", "T4-XA-A"):
        leader = web.client("leader")
        page = leader.get(sheet).data.decode()
        assert f"/appraisal/line/{line_id}/approve" not in page  # no button to press
        for url, body in (
            (f"/appraisal/line/{line_id}/approve", {}),
            (f"/appraisal/line/{line_id}/return", {"comment": "Chấm lại"}),
        ):
            refused = _post(leader, url, **body)
            assert refused.status_code == 403, url
            assert refused.json["error"] == vi(OWN_UNIT), url
        for url, body in (
            (f"{sheet}/approve-field", {"criterion_id": web.world.crit["1"].id}),
            (f"{sheet}/approve-unit", {}),
        ):
            refused = _post(leader, url, **body)
            assert refused.status_code == 422, url
            assert any(vi(OWN_UNIT) in reason for reason in refused.json["skipped"]), url
        assert web.snapshot("A") == before
    # The same leader, back at their department, approves the line.
    assert _post(web.client("leader"), f"/appraisal/line/{line_id}/approve").status_code == 200


def test_the_list_actions_refuse_the_leaders_own_unit_and_forged_ids(web):
    _ready(web)
    before_a, before_b = web.snapshot("A"), web.snapshot("B")
    ids = [web.line_id("A", "1.1"), web.line_id("A", "1.2")]
    with moved(web.world, "leader", "T4-HUYEN"):  # the unit above A and B
        leader = web.client("leader")
        approved = action(leader, LINES, "approve", ids + [999999999])
        assert approved.status_code == 200
        assert any(vi(OWN_UNIT).rstrip(".") in message for message in alerts(approved))
        returned = action(leader, LINES, "return_line", ids, step="apply", text="Chấm lại")
        assert returned.status_code == 200 and vi(OWN_UNIT).rstrip(".") in text_of(returned)
    assert (web.snapshot("A"), web.snapshot("B")) == (before_a, before_b)


def test_rest_refuses_the_own_unit_at_every_step_and_forged_ids(web, app):
    _ready(web)
    web.score(("1.1",), unit="B")
    before_a, before_b = web.snapshot("A"), web.snapshot("B")
    client = app.test_client()

    def put(who, unit, code, body):
        headers = token(client, web.world.users[who].username)
        return client.put(f"/api/v1/appraisal_line/{web.line_id(unit, code)}", headers=headers,
                          json=body)  # fmt: skip

    with moved(web.world, "leader", "T4-XA-A"):
        for body in ({"step": "approve"}, {"step": "return", "comment": "Chấm lại"}):
            refused = put("leader", "A", "1.1", body)
            assert refused.status_code == 403 and refused.json["message"] == vi(OWN_UNIT), body
        headers = token(client, web.world.users["leader"].username)
        forged = client.put("/api/v1/appraisal_line/999999999", headers=headers,
                            json={"step": "approve"})  # fmt: skip
        assert forged.status_code == 404
    with moved(web.world, "support", "T4-XA-A"):
        refused = put("support", "A", "1.2", {"step": "support", "value": "co"})
        assert refused.status_code == 403 and refused.json["message"] == vi(OWN_UNIT)
    with moved(web.world, "appraiser", "T4-XA-B"):
        refused = put("appraiser", "B", "1.1", {"step": "appraise"})
        assert refused.status_code == 403 and refused.json["message"] == vi(OWN_UNIT)
    assert (web.snapshot("A"), web.snapshot("B")) == (before_a, before_b)
