"""REST API: JWT login, explicit columns, the same policy and domain checks as the screens."""

import pytest

from app.models import AppUser, Criterion, Unit, UnitType
from tests.conftest import DEMO_PASSWORD
from tests.helpers import one
from tests.web.test_framework_rows import _criterion, framework_with_rows, snapshot
from tests.web.test_frameworks import _draft_framework, _tree
from tests.web.test_scoring_views import vi


def token(client, username):
    response = client.post(
        "/api/v1/security/login",
        json={"username": username, "password": DEMO_PASSWORD, "provider": "db"},
    )
    assert response.status_code == 200, response.data
    return {"Authorization": f"Bearer {response.json['access_token']}"}


@pytest.fixture()
def api(app):
    return app.test_client()


def test_openapi_is_served(api):
    response = api.get("/api/v1/_openapi", headers=token(api, "admin"))
    assert response.status_code == 200
    paths = response.json["paths"]
    for resource in ("unit_type", "unit", "framework", "criterion", "round"):
        assert f"/api/v1/{resource}/" in paths


def test_columns_are_explicit(session, api):
    response = api.get("/api/v1/unit/?q=(page_size:5)", headers=token(api, "admin"))
    assert response.status_code == 200
    row = response.json["result"][0]
    assert set(row) == {"id", "code", "name", "unit_type_id", "parent_id", "successor_id", "active"}
    users = api.get("/api/v1/round/?q=(page_size:1)", headers=token(api, "admin")).json["result"]
    assert "units" not in users[0]


def test_unit_staff_sees_only_their_unit(session, api):
    staff = one(session, AppUser, username="canbo.xa")
    response = api.get("/api/v1/unit/?q=(page_size:100)", headers=token(api, "canbo.xa"))
    assert response.status_code == 200
    assert {row["id"] for row in response.json["result"]} == {staff.unit_id}
    foreign = session.query(Unit).filter(Unit.id != staff.unit_id).first()
    assert api.get(f"/api/v1/unit/{foreign.id}", headers=token(api, "canbo.xa")).status_code == 404


def test_unit_staff_cannot_write(session, api):
    staff = one(session, AppUser, username="canbo.xa")
    response = api.put(
        f"/api/v1/unit/{staff.unit_id}", json={"name": "Đổi tên"}, headers=token(api, "canbo.xa")
    )
    assert response.status_code in (401, 403)
    session.expire_all()
    assert session.get(Unit, staff.unit_id).name != "Đổi tên"


def test_duplicate_code_gets_a_vietnamese_422(session, api):
    unit_type = one(session, UnitType, code="XA")
    response = api.post(
        "/api/v1/unit/",
        json={"code": "SNV", "name": "Trùng mã", "unit_type": unit_type.id, "active": True},
        headers={**token(api, "tochuc"), "Accept-Language": "vi"},
    )
    assert response.status_code == 422
    assert "SNV" in str(response.json["message"])
    assert session.query(Unit).filter_by(name="Trùng mã").count() == 0


def test_frozen_framework_cannot_be_edited_through_the_api(session, api):
    from app.models import Framework

    fw = session.query(Framework).filter(Framework.frozen.is_(True)).first()
    response = api.put(
        f"/api/v1/framework/{fw.id}", json={"name": "Sửa"}, headers=token(api, "tochuc")
    )
    assert response.status_code == 403
    session.expire_all()
    assert session.get(Framework, fw.id).name != "Sửa"


def test_info_labels_are_vietnamese_and_never_the_catalogue_header(api):
    response = api.get("/api/v1/unit/_info", headers=token(api, "admin"))
    assert response.status_code == 200
    assert b"Project-Id-Version" not in response.data
    labels = {c["name"]: c["label"] for c in response.json["add_columns"]}
    assert labels["parent"] == "Đơn vị cấp trên"


def test_info_offers_related_units_in_vietnamese_order(api):
    from app.domain.text import vi_sort_key

    response = api.get("/api/v1/unit/_info?q=(add_columns:(parent:(page_size:100)))",
                       headers=token(api, "admin"))  # fmt: skip
    assert response.status_code == 200
    parent = next(c for c in response.json["add_columns"] if c["name"] == "parent")
    names = [v["value"] for v in parent["values"]]
    assert any(n.startswith("Đ") for n in names) and any(n.startswith("X") for n in names)
    assert names == sorted(names, key=vi_sort_key)


def test_a_criterion_code_that_would_make_a_loop_is_a_422(session, api):
    fw = _draft_framework(session, "FW-API-LOOP")
    before = _tree(session, fw)
    headers = {**token(api, "tochuc"), "Accept-Language": "vi"}
    loop = (
        "Code %(code)s would put this criterion under %(parent)s, which is the criterion itself"
        " or sits under it."
    )
    for code, new_code, parent in (("1", "1.1.9", "1.1"), ("1.2", "1.2.5", "1.2")):
        criterion = one(session, Criterion, framework_id=fw.id, code=code)
        response = api.put(
            f"/api/v1/criterion/{criterion.id}", json={"code": new_code}, headers=headers
        )
        assert response.status_code == 422, response.json
        assert vi(loop, code=new_code, parent=parent) in str(response.json["message"])
    assert _tree(session, fw) == before


def test_a_criterion_with_sub_criteria_keeps_its_code_through_the_api(session, api):
    fw = _draft_framework(session, "FW-API-RENAME")
    before = _tree(session, fw)
    field = one(session, Criterion, framework_id=fw.id, code="1")
    response = api.put(
        f"/api/v1/criterion/{field.id}", json={"code": "3"}, headers=token(api, "tochuc")
    )
    assert response.status_code == 422
    wanted = vi(
        "Criterion %(code)s has criteria under it: change their codes or delete them before"
        " changing its code.",
        code="1",
    )
    assert response.json["message"] == wanted
    assert _tree(session, fw) == before


@pytest.mark.parametrize("frozen", [True, False])
def test_a_criterion_cannot_be_moved_to_another_framework(session, api, frozen):
    home = framework_with_rows(session, f"FW-API-HOME-{frozen}", frozen=frozen)
    away = framework_with_rows(session, f"FW-API-AWAY-{frozen}")
    before, away_before = snapshot(session, home), snapshot(session, away)
    criterion = _criterion(session, home, "1")
    for field in ("framework", "framework_id"):
        response = api.put(
            f"/api/v1/criterion/{criterion.id}",
            json={field: away.id, "title": "Đã chuyển"},
            headers=token(api, "tochuc"),
        )
        assert response.status_code in (403, 422)
    assert snapshot(session, home) == before
    assert snapshot(session, away) == away_before


def test_a_criterion_code_or_maximum_the_import_refuses_is_a_422(session, api):
    fw = _draft_framework(session, "FW-API-CODES")
    before = _tree(session, fw)
    headers = {**token(api, "tochuc"), "Accept-Language": "vi"}
    base = {"framework": fw.id, "title": "Mới", "rule": "number"}
    same = "Code %(code)s is the same as %(other)s, already used in this framework."
    for body, wanted in (
        ({"code": "01", "max_points": 1}, vi(same, code="01", other="1")),
        ({"code": "-1", "max_points": 1}, vi("Code “%(code)s” must look like 1.2.3.", code="-1")),
        ({"code": "1.3", "max_points": 99999999}, vi("%(value)s is too large.", value="99999999")),
    ):
        response = api.post("/api/v1/criterion/", json={**base, **body}, headers=headers)
        assert response.status_code == 422, response.json
        assert wanted in str(response.json["message"])
    assert _tree(session, fw) == before


def test_team_and_council_rules_are_named_422s_through_the_api(session, api):
    from app.models import AppraisalTeam, CouncilMember
    from tests.web.test_teams_and_excel import _open_round

    round_ = _open_round(session)
    team = session.query(AppraisalTeam).filter_by(round_id=round_.id).first()
    member = session.query(CouncilMember).filter_by(round_id=round_.id).first()
    teams_before = session.query(AppraisalTeam).count()
    council_before = session.query(CouncilMember).count()
    headers = {**token(api, "tochuc"), "Accept-Language": "vi"}
    for url, body, wanted in (
        ("appraisal_team", {"name": "   "}, vi("The team name is required.")),
        (
            "appraisal_team",
            {"name": team.name.lower()},
            vi("This round already has a team named %(name)s.", name=team.name.lower()),
        ),
        (
            "council_member",
            {"user": member.user_id, "position": "Ủy viên"},
            vi("This person is already on the round's council."),
        ),
    ):
        body = {"round": round_.id, **body}
        response = api.post(f"/api/v1/{url}/", json=body, headers=headers)
        assert response.status_code == 422, response.json
        assert wanted in str(response.json["message"])
    session.expire_all()
    assert session.query(AppraisalTeam).count() == teams_before
    assert session.query(CouncilMember).count() == council_before
