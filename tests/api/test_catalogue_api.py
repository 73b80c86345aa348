"""REST API: JWT login, explicit columns, the same policy and domain checks as the screens."""

import pytest

from app.models import AppUser, Unit, UnitType
from tests.conftest import DEMO_PASSWORD
from tests.helpers import one


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
