"""REST API of the appraisal: assignments, appraisal values, supplement requests. JWT, explicit
columns, the policy's scope (a row out of scope answers 404), every write through the domain:
403 with the reason, 422 for a bad body, 409 for a stale version; never a 500."""

import pytest

from app.models import Assignment
from tests.web.appraisal_web import set_windows
from tests.web.test_scoring_views import vi

LINE_COLUMNS = {
    "id", "assessment_id", "criterion_id", "appraisal_state", "appraisal_cycle",
    "not_applicable", "self_points", "support_input", "support_points", "support_comment",
    "support_by_id", "support_at", "appraised_input", "appraised_points", "appraisal_comment",
    "appraised_by_id", "appraised_at", "approved_points", "approval_comment", "approved_by_id",
    "approved_at", "version",
}  # fmt: skip
ASSIGNMENT_COLUMNS = {"id", "round_id", "team_id", "unit_id", "criterion_id", "kind", "user_id",
                      "assigned_by_id", "assigned_at"}  # fmt: skip
REQUEST_COLUMNS = {
    "id", "round_id", "score_line_id", "reason", "status", "requested_by_id", "requested_at",
    "response", "responded_by_id", "responded_at", "closed_at",
}  # fmt: skip


def _line_url(web, unit, code):
    return f"appraisal_line/{web.line_id(unit, code)}"


def _version(web, unit, code):
    return web.fresh(web.line(unit, code)).version


def message(response):
    assert response.status_code < 500, response.data
    return response.json.get("message")


def test_openapi_describes_the_appraisal_resources(api):
    spec = api("get", "_openapi", "admin").json
    for resource in ("assignment", "appraisal_line", "supplement_request"):
        assert f"/api/v1/{resource}/" in spec["paths"], resource
    put = spec["components"]["schemas"]["AppraisalLineApi.put"]["properties"]
    assert set(put) == {"step", "value", "comment", "version"}
    assert "unit_ids" in spec["components"]["schemas"]["AssignmentApi.post"]["properties"]


def test_appraisal_values_are_listed_with_explicit_columns_in_the_callers_scope(web, api):
    web.staff()
    rows = api("get", "appraisal_line/?q=(page_size:100)", "support").json["result"]
    assessment_a = web.world.assessments["A"].id
    assert rows and all(set(row) == LINE_COLUMNS for row in rows)
    assert {row["assessment_id"] for row in rows} == {assessment_a}  # unit A only
    assert api("get", _line_url(web, "B", "1.1"), "support").status_code == 404
    assert api("get", _line_url(web, "A", "1.1"), "support2").status_code == 404
    assert api("get", _line_url(web, "A", "1.1"), "unit_leader").status_code in (401, 403)


def test_steps_2_to_4_go_through_the_domain_with_versions(web, api):
    web.staff()
    url = _line_url(web, "A", "1.1")
    version = _version(web, "A", "1.1")
    bad = api("put", url, "support", json={"step": "support", "value": "abc", "version": version})
    assert bad.status_code == 422 and message(bad)
    stale = api("put", url, "support", json={"step": "support", "value": "3,5",
                                             "version": version + 5})  # fmt: skip
    assert stale.status_code == 409
    assert web.state("A", "1.1") == "pending"
    ok = api("put", url, "support", json={"step": "support", "value": "3,5", "comment": "Đủ",
                                          "version": version})  # fmt: skip
    assert ok.status_code == 200, ok.json
    assert ok.json["result"]["support_points"] in ("3.50", 3.5, "3.5")
    early = api("put", url, "leader", json={"step": "approve"})
    assert early.status_code == 403
    assert message(early) == vi(
        "The appraiser has not reviewed this line yet: it cannot be approved."
    )
    version = ok.json["result"]["version"]
    silent = api("put", url, "appraiser", json={"step": "appraise", "value": "3",
                                                "version": version})  # fmt: skip
    assert silent.status_code == 422
    assert vi("Your score (%(new)s) differs from the support member's (%(old)s): write a "
              "comment explaining why.", new="3", old="3,5") == message(silent)  # fmt: skip
    adjusted = api("put", url, "appraiser", json={"step": "appraise", "value": "3",
                                                  "comment": "Thiếu một văn bản",
                                                  "version": version})  # fmt: skip
    assert adjusted.status_code == 200
    stale = api("put", url, "leader", json={"step": "approve", "version": version})
    assert stale.status_code == 409 and web.state("A", "1.1") == "appraised"
    version = adjusted.json["result"]["version"]
    approved = api("put", url, "leader", json={"step": "approve", "comment": "Đồng ý",
                                               "version": version})  # fmt: skip
    assert approved.status_code == 200
    line = web.fresh(web.line("A", "1.1"))
    assert (line.appraisal_state, str(line.approved_points)) == ("approved", "3.00")
    frozen = api("put", url, "support", json={"step": "support", "value": "4"})
    assert frozen.status_code == 403
    assert message(frozen) == vi("This line has been approved: its score is frozen.")
    # Return: the leader only, with a comment.
    other = _line_url(web, "A", "1.2")
    api("put", other, "support", json={"step": "support", "value": "co",
                                       "version": _version(web, "A", "1.2")})  # fmt: skip
    version = _version(web, "A", "1.2")
    empty = api("put", other, "leader", json={"step": "return", "comment": " ", "version": version})
    assert empty.status_code == 422 and message(empty) == vi("Write why the line is returned.")
    returned = api("put", other, "leader", json={"step": "return", "comment": "Xem lại",
                                                 "version": version})  # fmt: skip
    assert returned.status_code == 200 and returned.json["result"]["appraisal_state"] == "returned"


def test_a_member_cannot_touch_lines_outside_their_assignment_or_team(web, api):
    web.staff()
    web.score()
    before = web.snapshot("A"), web.snapshot("B")
    # Not assigned: the appraiser cannot score, the support member cannot appraise.
    as_appraiser = api("put", _line_url(web, "A", "1.1"), "appraiser",
                       json={"step": "support", "value": "1"})  # fmt: skip
    assert as_appraiser.status_code == 403
    assert message(as_appraiser) == vi("This line is not assigned to you for scoring.")
    as_support = api("put", _line_url(web, "A", "1.1"), "support", json={"step": "appraise"})
    assert message(as_support) == vi("This line is not assigned to you for appraisal.")
    # Another team's leader: refused; a unit outside the member's scope: 404, by a forged id.
    assert api("put", _line_url(web, "A", "1.1"), "leader2",
               json={"step": "return", "comment": "x"}).status_code == 403  # fmt: skip
    assert api("put", _line_url(web, "B", "1.1"), "support",
               json={"step": "support", "value": "1"}).status_code == 404  # fmt: skip
    assert api("put", "appraisal_line/999999999", "leader", json={"step": "approve"}
               ).status_code == 404  # fmt: skip
    assert (web.snapshot("A"), web.snapshot("B")) == before


def test_nobody_appraises_their_own_unit(web, api):
    plan = {
        "round_id": web.world.round.id, "team_id": web.world.team.id,
        "unit_ids": [web.world.a.id], "criterion_id": web.world.crit["1"].id,
        "user_id": web.world.users["support_a"].id, "kind": "support",
    }  # fmt: skip
    preview = api("post", "assignment/", "leader", json={**plan, "preview": True})
    assert preview.status_code == 200 and preview.json["result"]["ok"] is False
    refused = api("post", "assignment/", "leader", json=plan)
    assert refused.status_code == 422
    own = vi("%(name)s works for this unit or a unit above it: nobody appraises their own unit.",
             name="Thử Support A")  # fmt: skip
    assert any(own in error for error in refused.json["errors"])
    s = web.world.s
    s.expire_all()
    assert s.query(Assignment).filter_by(round_id=web.world.round.id).count() == 0


def test_assignments_are_planned_applied_listed_and_taken_back(web, api):
    plan = {
        "round_id": web.world.round.id, "team_id": web.world.team.id,
        "unit_ids": [web.world.a.id, web.world.b.id], "criterion_id": web.world.crit["2"].id,
        "user_id": web.world.users["support"].id, "kind": "support",
    }  # fmt: skip
    preview = api("post", "assignment/", "leader", json={**plan, "preview": True}).json["result"]
    assert preview["ok"] and preview["lines"] == 4  # 2.1, 2.2 per unit (2.3 is the survey's)
    s = web.world.s
    s.expire_all()
    assert s.query(Assignment).filter_by(round_id=web.world.round.id).count() == 0
    assert api("post", "assignment/", "support", json=plan).status_code == 403
    assert api("post", "assignment/", "leader2", json=plan).status_code == 403
    created = api("post", "assignment/", "leader", json=plan)
    assert created.status_code == 201, created.json
    ids = created.json["ids"]
    assert len(ids) == 2
    rows = api("get", "assignment/?q=(page_size:100)", "leader").json["result"]
    assert {row["id"] for row in rows} >= set(ids)
    assert all(set(row) == ASSIGNMENT_COLUMNS for row in rows)
    assert api("get", f"assignment/{ids[0]}", "leader2").status_code == 404
    assert api("delete", f"assignment/{ids[0]}", "leader2").status_code == 404
    assert api("delete", f"assignment/{ids[0]}", "support").status_code in (401, 403)
    assert api("delete", f"assignment/{ids[0]}", "leader").status_code == 200
    s.expire_all()
    assert s.query(Assignment).filter(Assignment.id.in_(ids)).count() == 1
    for body in ({}, {"round_id": "x"}, {**plan, "unit_ids": "A"}, {**plan, "kind": "boss"},
                 {**plan, "extra": 1}, {**plan, "criterion_id": 999999999}):  # fmt: skip
        assert api("post", "assignment/", "leader", json=body).status_code in (403, 404, 422)
    assert api("post", "assignment/", "leader", data="not json").status_code == 400


def test_supplement_requests_by_the_council_and_answers_by_the_unit(web, api):
    web.approved_unit("A")
    line_id = web.line_id("A", "1.1")
    body = {"score_line_id": line_id, "reason": "Bổ sung quyết định"}
    assert api("post", "supplement_request/", "leader", json=body).status_code == 403
    assert api("post", "supplement_request/", "organiser", json=body).status_code == 403
    empty = api("post", "supplement_request/", "council", json={**body, "reason": " "})
    assert empty.status_code == 422
    assert message(empty) == vi("Write what the unit must supplement.")
    pending = api("post", "supplement_request/", "council",
                  json={**body, "score_line_id": web.line_id("B", "1.1")})  # fmt: skip
    assert pending.status_code == 403
    assert message(pending) == vi("Only approved lines can be sent back for a supplement.")
    created = api("post", "supplement_request/", "council", json=body)
    assert created.status_code == 201, created.json
    request_id = created.json["id"]
    assert set(created.json["result"]) == REQUEST_COLUMNS
    twice = api("post", "supplement_request/", "council", json=body)
    assert message(twice) == vi("This line already has a supplement request that is not closed.")
    # The unit sees its request; another unit does not; the answer waits for the window.
    assert api("get", f"supplement_request/{request_id}", "unit_leader").status_code == 200
    assert api("get", f"supplement_request/{request_id}", "unit_b_leader").status_code == 404
    answer = {"response": "Đã bổ sung quyết định số 12"}
    early = api("put", f"supplement_request/{request_id}", "unit_leader", json=answer)
    assert early.status_code == 403 and vi("supplement window") in message(early)
    set_windows(web.world, "supplement")
    forged = api("put", f"supplement_request/{request_id}", "unit_b_leader", json=answer)
    assert forged.status_code == 404
    assert api("put", f"supplement_request/{request_id}", "unit_leader",
               json={"response": 12}).status_code == 422  # fmt: skip
    done = api("put", f"supplement_request/{request_id}", "unit_leader", json=answer)
    assert done.status_code == 200 and done.json["result"]["status"] == "answered"
    # The line is in the supplement cycle: steps 2 to 4 run in the supplement window.
    url = _line_url(web, "A", "1.1")
    scored = api("put", url, "support", json={"step": "support", "value": "4",
                                              "version": _version(web, "A", "1.1")})  # fmt: skip
    assert scored.status_code == 200, scored.json
    other = api("put", _line_url(web, "A", "1.2"), "support", json={"step": "support",
                                                                   "value": "tre"})  # fmt: skip
    assert other.status_code == 403  # approved and frozen: no request on it


def test_requests_on_a_finalised_round_are_refused_in_vietnamese(web, api):
    web.approved_unit("A")
    web.approved_unit("B")
    from app.domain import verification

    s = web.world.s
    verification.verify_round(s, web.world.round, web.world.users["council"])
    verification.finalise_round(s, web.world.round, web.world.users["council"])
    s.commit()
    before = web.snapshot()
    refused = api("post", "supplement_request/", "council",
                  json={"score_line_id": web.line_id("A", "1.1"), "reason": "Bổ sung"})  # fmt: skip
    assert refused.status_code == 403
    assert message(refused) == vi("The round has been finalised by the council: nothing can be "
                                  "changed until it is reopened.")  # fmt: skip
    returned = api("put", _line_url(web, "A", "1.1"), "leader",
                   json={"step": "return", "comment": "x"})  # fmt: skip
    assert returned.status_code == 403 and web.snapshot() == before and web.requests() == []


def test_every_rest_write_is_refused_outside_its_window_and_changes_nothing(web, api):
    web.staff(("A", "B"))
    web.score(unit="B")
    web.appraise(["1.1"], unit="B")
    web.approved_unit("A")
    request_id = web.request("1.2").id
    set_windows(web.world, "closed")
    before = web.snapshot("A"), web.snapshot("B")
    appraisal = vi("appraisal window")
    for who, unit, code, body in (
        ("support", "B", "1.2", {"step": "support", "value": "1"}),
        ("appraiser", "B", "1.2", {"step": "appraise"}),
        ("leader", "B", "1.1", {"step": "approve"}),
        ("leader", "B", "1.1", {"step": "return", "comment": "Xem lại"}),
    ):
        refused = api("put", _line_url(web, unit, code), who, json=body)
        assert refused.status_code == 403 and appraisal in message(refused), body
    supplement = vi("supplement window")
    in_cycle = api("put", _line_url(web, "A", "1.2"), "support", json={"step": "support",
                                                                      "value": "co"})  # fmt: skip
    assert in_cycle.status_code == 403 and supplement in message(in_cycle)
    answer = api("put", f"supplement_request/{request_id}", "unit_leader",
                 json={"response": "Trả lời muộn"})  # fmt: skip
    assert answer.status_code == 403 and supplement in message(answer)
    late = api("post", "supplement_request/", "council",
               json={"score_line_id": web.line_id("A", "1.1"), "reason": "Bổ sung"})  # fmt: skip
    assert late.status_code == 403
    assert (web.snapshot("A"), web.snapshot("B")) == before
    assert [r.response for r in web.requests()] == [None]


@pytest.mark.parametrize(
    "body",
    [None, [], {"step": None}, {"step": "approve", "version": "1"}, {"step": "support",
     "value": {"a": 1}}, {"step": "approve", "comment": 5}, {"step": "x", "extra": True}],
)  # fmt: skip
def test_garbage_bodies_get_a_4xx_never_a_500(web, api, body):
    url = _line_url(web, "A", "1.1")
    kwargs = {"data": "[]"} if body is None else {"json": body}
    response = api("put", url, "leader", **kwargs)
    assert 400 <= response.status_code < 500, response.data
