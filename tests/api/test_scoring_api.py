"""REST API of the self-assessment: explicit columns, unit scoping, PUT through the domain."""

import datetime
from decimal import Decimal

import pytest

from app.domain.clock import utcnow
from app.models import AppUser, Assessment, AuditEvent, Evidence, ScoreLine, Unit
from tests.api.test_catalogue_api import token
from tests.helpers import one
from tests.web.test_scoring_views import line_state, practice_round, vi

LINE_COLUMNS = {
    "id", "assessment_id", "criterion_id", "self_input", "self_points", "explanation",
    "not_applicable", "not_applicable_reason", "preparer_id", "version", "updated_at",
    "updated_by_id",
}  # fmt: skip
ASSESSMENT_COLUMNS = {"id", "round_id", "unit_id", "status", "submitted_at", "submitted_by_id"}
EVIDENCE_COLUMNS = {
    "id", "score_line_id", "kind", "original_name", "size", "sha256", "mime_type", "url",
    "signed", "uploaded_at",
}  # fmt: skip


@pytest.fixture(scope="module")
def practice(test_engine):
    from sqlalchemy.orm import Session

    with Session(test_engine) as setup, practice_round(setup, "API") as found:
        yield found


@pytest.fixture()
def api(app):
    return app.test_client()


def _vi_headers(api, username):
    return {**token(api, username), "Accept-Language": "vi"}


def test_columns_are_explicit(practice, session, api):
    headers = token(api, "canbo.xa")
    lines = api.get("/api/v1/score_line/?q=(page_size:3)", headers=headers)
    assert lines.status_code == 200
    assert all(set(row) == LINE_COLUMNS for row in lines.json["result"])
    shown = api.get(f"/api/v1/score_line/{practice.line[('XA001', '1.1')]}", headers=headers)
    assert set(shown.json["result"]) == LINE_COLUMNS
    assessments = api.get("/api/v1/assessment/?q=(page_size:3)", headers=headers)
    assert all(set(row) == ASSESSMENT_COLUMNS for row in assessments.json["result"])
    evidence = Evidence(
        score_line_id=practice.line[("XA001", "1.1")], kind="link",
        url="https://truyenhinh.example.vn/ban-tin", uploaded_at=utcnow(),
    )  # fmt: skip
    session.add(evidence)
    session.commit()
    try:
        rows = api.get("/api/v1/evidence/?q=(page_size:100)", headers=headers).json["result"]
        assert rows and all(set(row) == EVIDENCE_COLUMNS for row in rows)
        assert evidence.id in {row["id"] for row in rows}
        foreign = api.get(f"/api/v1/evidence/{evidence.id}", headers=token(api, "canbo.xa2"))
        assert foreign.status_code == 404
    finally:
        session.delete(evidence)
        session.commit()


def test_lists_are_scoped_to_the_unit(practice, session, api):
    unit = one(session, Unit, code="XA001")
    own = {a.id for a in session.query(Assessment).filter_by(unit_id=unit.id)}
    headers = token(api, "canbo.xa")
    result = api.get("/api/v1/assessment/?q=(page_size:100)", headers=headers).json["result"]
    assert {row["id"] for row in result} == own
    result = api.get("/api/v1/score_line/?q=(page_size:100)", headers=headers).json
    assert result["count"] == session.query(ScoreLine).filter(
        ScoreLine.assessment_id.in_(own)).count()  # fmt: skip
    assert {row["assessment_id"] for row in result["result"]} <= own
    everyone = api.get("/api/v1/assessment/?q=(page_size:1)", headers=token(api, "tochuc"))
    assert everyone.json["count"] == session.query(Assessment).count()


def test_put_8_5_goes_through_the_domain(practice, session, api):
    line_id = practice.line[("XA001", "1.1")]
    version = line_state(session, line_id)[-1]
    before = session.query(AuditEvent).filter_by(entity="score_line", entity_id=line_id).count()
    response = api.put(
        f"/api/v1/score_line/{line_id}",
        json={"self_input": "8,5", "explanation": "Kế hoạch số 12/KH-UBND", "version": version},
        headers=token(api, "canbo.xa"),
    )
    assert response.status_code == 200, response.json
    assert Decimal(str(response.json["result"]["self_points"])) == Decimal("8.5")
    assert response.json["result"]["version"] == version + 1
    self_input, points, explanation, *_rest = line_state(session, line_id)
    assert (self_input, points, explanation) == ("8.5", Decimal("8.50"), "Kế hoạch số 12/KH-UBND")
    actions = {
        e.action
        for e in session.query(AuditEvent).filter_by(entity="score_line", entity_id=line_id)
    }
    assert {"score", "explanation"} <= actions
    after = session.query(AuditEvent).filter_by(entity="score_line", entity_id=line_id).count()
    assert after == before + 2
    assert session.get(ScoreLine, line_id).updated_by_id == one(
        session, AppUser, username="canbo.xa").id  # fmt: skip


def test_put_abc_is_422_and_changes_nothing(practice, session, api):
    line_id = practice.line[("XA001", "1.1")]
    before = line_state(session, line_id)
    response = api.put(
        f"/api/v1/score_line/{line_id}",
        json={"self_input": "abc", "explanation": "mới", "version": before[-1]},
        headers=_vi_headers(api, "canbo.xa"),
    )  # fmt: skip
    assert response.status_code == 422
    expected = vi("“%(value)s” is not a number. Write it like 8 or 8,5.", value="abc")
    assert response.json["message"] == expected
    assert line_state(session, line_id) == before


def test_put_on_a_foreign_line_is_404(practice, session, api):
    line_id = practice.line[("XA001", "1.1")]
    before = line_state(session, line_id)
    headers = token(api, "canbo.xa2")
    assert api.get(f"/api/v1/score_line/{line_id}", headers=headers).status_code == 404
    response = api.put(f"/api/v1/score_line/{line_id}", json={"self_input": "1"}, headers=headers)
    assert response.status_code == 404
    assert line_state(session, line_id) == before


def test_put_with_a_stale_version_is_409(practice, session, api):
    line_id = practice.line[("XA001", "1.1")]
    before = line_state(session, line_id)
    for body in ({"self_input": "9"}, {"explanation": "cũ"}):
        response = api.put(
            f"/api/v1/score_line/{line_id}", json={**body, "version": before[-1] - 1},
            headers=token(api, "canbo.xa"),
        )  # fmt: skip
        assert response.status_code == 409, response.json
        assert line_state(session, line_id) == before


def test_put_refused_by_the_policy_is_403_with_the_reason(practice, session, api):
    line_id = practice.line[("XA001", "1.2")]
    session.get(ScoreLine, line_id).preparer_id = None
    session.commit()
    before = line_state(session, line_id)
    response = api.put(
        f"/api/v1/score_line/{line_id}", json={"self_input": "dung_han"},
        headers=_vi_headers(api, "canbo.xa"),
    )  # fmt: skip
    assert response.status_code == 403
    assert response.json["message"] == vi(
        "This line is assigned to someone else in your unit; ask your leader."
    )
    # The organiser sees every line but writes none; FAB refuses before the policy is asked.
    assert api.put(f"/api/v1/score_line/{line_id}", json={"self_input": "cham"},
                   headers=token(api, "tochuc")).status_code == 403  # fmt: skip
    # The leader may.
    done = api.put(f"/api/v1/score_line/{line_id}", json={"self_input": "cham"},
                   headers={**token(api, "lanhdao.xa"), "If-Match": f'"{before[-1]}"'})  # fmt: skip
    assert done.status_code == 200 and line_state(session, line_id)[1] == Decimal("0.50")
    assert line_state(session, line_id) != before


def test_put_after_the_deadline_is_403_with_the_window_message(practice, session, api):
    from app.models import Round

    round_ = session.get(Round, practice.round_id)
    start, end = round_.self_start, round_.self_end
    round_.self_end = utcnow() - datetime.timedelta(minutes=1)
    session.commit()
    line_id = practice.line[("XA001", "1.1")]
    before = line_state(session, line_id)
    try:
        response = api.put(f"/api/v1/score_line/{line_id}", json={"self_input": "6"},
                           headers=_vi_headers(api, "canbo.xa"))  # fmt: skip
        assert response.status_code == 403
        assert vi("self-assessment window") in response.json["message"]
        assert line_state(session, line_id) == before
    finally:
        round_ = session.get(Round, practice.round_id)
        round_.self_start, round_.self_end = start, end
        session.commit()


@pytest.mark.parametrize(
    "body, status",
    [
        ({"self_input": "1", "points": 9}, 422),
        ({"self_input": ["1"]}, 422),
        ({"self_input": True}, 422),
        ({"version": "x", "self_input": "1"}, 422),
        ({"not_applicable": "yes"}, 422),
        ([1, 2], 400),
        ("8,5", 400),
    ],
)
def test_bad_bodies_get_clear_answers_never_500(practice, session, api, body, status):
    line_id = practice.line[("XA001", "1.1")]
    before = line_state(session, line_id)
    response = api.put(f"/api/v1/score_line/{line_id}", json=body, headers=token(api, "canbo.xa"))
    assert response.status_code == status, response.json
    assert line_state(session, line_id) == before


def test_only_put_is_routed_for_writes(practice, session, api):
    line_id = practice.line[("XA001", "1.1")]
    headers = token(api, "canbo.xa")
    assert api.post("/api/v1/score_line/", json={}, headers=headers).status_code in (404, 405)
    assert api.delete(f"/api/v1/score_line/{line_id}", headers=headers).status_code in (404, 405)
    own = practice.assessment["XA001"]
    put = api.put(f"/api/v1/assessment/{own}", json={"status": "submitted"}, headers=headers)
    assert put.status_code in (404, 405)
    assert api.post("/api/v1/evidence/", json={}, headers=headers).status_code in (404, 405)
    assert api.put("/api/v1/score_line/abc", json={}, headers=headers).status_code == 404
    paths = api.get("/api/v1/_openapi", headers=token(api, "admin")).json["paths"]
    assert set(paths["/api/v1/score_line/{pk}"]) == {"get", "put"}
    assert set(paths["/api/v1/assessment/{pk}"]) == {"get"}
    assert set(paths["/api/v1/evidence/{pk}"]) == {"get"}
