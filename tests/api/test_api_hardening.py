"""What schemathesis found (tools/api_fuzz.py, `make api-fuzz`), each answered now as a client
can act on: a 4xx with a message, never a 500, nothing saved; and the spec says so."""

import pytest
from flask_appbuilder.security.sqla.models import Role, ViewMenu
from flask_babel import gettext as _

from app.api.base import NOT_SAVED
from app.domain.users import unit_problem
from app.models import AppUser, Assessment, Unit, UnitType
from app.security import roles
from tests.conftest import DEMO_PASSWORD
from tests.helpers import one

SEND_JSON = "Send a JSON object (Content-Type: application/json)."


def token(client, username):
    answer = client.post(
        "/api/v1/security/login",
        json={"username": username, "password": DEMO_PASSWORD, "provider": "db"},
    )
    assert answer.status_code == 200, answer.data
    return {"Authorization": f"Bearer {answer.json['access_token']}"}


def worded(app, text, **values):
    """`text` as the app words it (Vietnamese once the catalogue has it)."""
    with app.test_request_context("/"):
        return _(text, **values)


@pytest.fixture()
def api(app):
    return app.test_client()


def test_a_body_that_is_not_a_json_object_is_a_400(app, api, session):
    unit = one(session, Unit, code="XA001")
    headers = token(api, "tochuc")
    for body in ([None, None], False, 7, "text"):
        answer = api.put(f"/api/v1/unit/{unit.id}", json=body, headers=headers)
        assert answer.status_code == 400, body
        assert answer.json["message"] == worded(app, SEND_JSON)
    # FAB's user API read request.json without a JSON content type: 500 before.
    admin = token(api, "admin")
    answer = api.post("/api/v1/security/users/", data="username=x", headers=admin)
    assert answer.status_code == 400
    answer = api.put("/api/v1/security/roles/1/users", data="x", headers=admin)
    assert answer.status_code == 400
    session.expire_all()
    assert session.get(Unit, unit.id).name == unit.name


def test_ids_no_row_can_have_are_404_in_json(api):
    headers = token(api, "admin")
    for method, url in (
        ("get", "/api/v1/unit/99999999999999999999"),
        ("put", "/api/v1/unit/99999999999999999999"),
        ("delete", "/api/v1/unit_type/2147483648"),
        ("get", "/api/v1/unit/abc"),  # was werkzeug's 405 page: GET is /<int:pk> only
        ("get", "/api/v1/unit/-1"),
        ("put", "/api/v1/appraisal_line/1121371364514255437554446599446331392"),
        ("get", "/api/v1/no-such-resource/"),
    ):
        answer = getattr(api, method)(url, json={"name": "x"}, headers=headers)
        assert answer.status_code == 404, (method, url)
        assert answer.content_type.startswith("application/json"), (method, url)
        assert "message" in answer.json


def test_a_number_beyond_every_id_column_is_a_400(app, session, api):
    before = session.query(Assessment).count()
    answer = api.post(
        "/api/v1/assignment/",
        json={"round_id": 1, "team_id": 10**23, "unit_ids": [1], "criterion_id": 1,
              "user_id": 1, "kind": "support", "preview": True},
        headers=token(api, "totruong"),
    )  # fmt: skip
    assert answer.status_code == 400
    assert answer.json["message"] == worded(app, "A number in the request is too large.")
    assert session.query(Assessment).count() == before


@pytest.mark.parametrize(
    "query",
    [
        "(page:1e)",  # prison's ValueError escaped FAB's check: 500 before
        '{"page": -1761745}',  # a negative OFFSET: 500 on PostgreSQL
        '{"page": 0, "page_size": -5}',
        '{"filters": [{"col": "id", "opr": "eq", "value": 100000000000000000000000}]}',
    ],
)
def test_a_q_the_database_cannot_take_is_a_400(api, query):
    answer = api.get("/api/v1/score_line/", query_string={"q": query}, headers=token(api, "admin"))
    assert answer.status_code == 400
    assert answer.json["message"]


def test_a_relation_sent_as_an_object_is_a_422_by_field(app, session, api):
    answer = api.post(
        "/api/v1/unit/",
        json={"code": "T-REL-1", "name": "Đơn vị thử", "unit_type": {"id": 1}, "active": True},
        headers=token(api, "tochuc"),
    )
    assert answer.status_code == 422
    assert answer.json["message"] == {"unit_type": [worded(app, "Send the id as a whole number.")]}
    assert session.query(Unit).filter_by(code="T-REL-1").count() == 0


def test_unit_types_follow_the_screen_rules(app, session, api):
    headers = token(api, "tochuc")
    taken = api.post("/api/v1/unit_type/", json={"code": "XA", "name": "Trùng"}, headers=headers)
    assert taken.status_code == 422  # was a 500 (the unique index, unchecked)
    assert taken.json["message"] == worded(app, "This code is already used by another unit type.")
    blank = api.post("/api/v1/unit_type/", json={"code": " ", "name": "Trống"}, headers=headers)
    assert blank.status_code == 422
    assert blank.json["message"] == worded(app, "The unit type code is required.")
    assert session.query(UnitType).filter(UnitType.name.in_(["Trùng", "Trống"])).count() == 0


def test_deleting_what_is_in_use_says_why(app, session, api):
    headers = token(api, "tochuc")
    kind = one(session, UnitType, code="XA")
    answer = api.delete(f"/api/v1/unit_type/{kind.id}", headers=headers)
    assert answer.status_code == 422  # was FAB's English driver error
    assert answer.json["message"] == worded(
        app, "Units of this type exist: change or remove them first."
    )
    unit = one(session, Unit, code="XA001")
    answer = api.delete(f"/api/v1/unit/{unit.id}", headers=headers)
    assert answer.status_code == 422
    assert answer.json["message"] == worded(
        app, "This unit has taken part in a round: mark it inactive instead."
    )
    session.expire_all()
    assert session.get(UnitType, kind.id) is not None and session.get(Unit, unit.id) is not None


def test_security_api_writes_the_database_refuses_are_a_422(app, session, api):
    headers = token(api, "admin")
    answer = api.post("/api/v1/security/resources/", json={"name": "Units"}, headers=headers)
    assert answer.status_code == 422  # was a 500 (FAB lets the IntegrityError through)
    assert answer.json["message"] == worded(app, str(NOT_SAVED))
    assert session.query(ViewMenu).filter_by(name="Units").count() == 1
    empty = api.post("/api/v1/security/permissions-resources/", json={}, headers=headers)
    assert empty.status_code == 422


def test_security_api_put_of_a_missing_row_is_a_404(api):
    headers = token(api, "admin")
    for url in ("/api/v1/security/users/987654", "/api/v1/security/groups/987654"):
        answer = api.put(url, json={"first_name": "Không có"}, headers=headers)
        assert answer.status_code == 404, url


def test_the_user_api_keeps_unit_roles_to_accounts_with_a_unit(app, session, api):
    staff = one(session, Role, name=roles.UNIT_STAFF)
    body = {
        "username": "test.api.nounit", "first_name": "Không", "last_name": "Đơn vị",
        "email": "test.api.nounit@test.vn", "active": True, "roles": [staff.id],
        "password": "Mat-khau-2025",
    }  # fmt: skip
    answer = api.post("/api/v1/security/users/", json=body, headers=token(api, "admin"))
    assert answer.status_code == 422
    with app.test_request_context("/"):
        expected = unit_problem([roles.UNIT_STAFF], None)
    assert answer.json["message"] == expected
    assert session.query(AppUser).filter_by(username="test.api.nounit").count() == 0


def test_the_spec_declares_what_the_api_answers(api):
    spec = api.get("/api/v1/_openapi", headers=token(api, "admin")).json
    operations = [
        (path, method, op)
        for path, item in spec["paths"].items()
        for method, op in item.items()
        if method in ("get", "put", "post", "delete")
    ]
    for path, method, op in operations:
        if op.get("security"):
            assert {"401", "403", "422"} <= set(op["responses"]), (path, method)
        if "{pk}" in path:
            assert "404" in op["responses"], (path, method)
    assert "404" in spec["paths"]["/api/v1/assignment/"]["post"]["responses"]
    show = spec["paths"]["/api/v1/unit/{pk}"]["get"]["responses"]["200"]
    assert show["content"]["application/json"]["schema"]["properties"]["id"]["type"] == "integer"
    criterion = spec["components"]["schemas"]["CriterionApi.get"]["properties"]
    assert criterion["max_points"]["type"] == "string"  # sent as "8.00"
    message = spec["components"]["responses"]["422"]["content"]["application/json"]
    assert "anyOf" in message["schema"]["properties"]["message"]  # text or {field: [...]}
    users = spec["components"]["schemas"]["UserApi.get_list"]["properties"]
    assert users["roles"]["type"] == "array"


def test_a_criterion_as_read_matches_its_spec(api, session):
    """The answer itself, against the schema the spec gives it (decimals as text, times)."""
    import jsonschema

    headers = token(api, "admin")
    spec = api.get("/api/v1/_openapi", headers=headers).json
    schema = dict(spec["components"]["schemas"]["CriterionApi.get"])
    for prop in schema["properties"].values():
        if prop.pop("nullable", False):
            prop["type"] = [prop["type"], "null"]
    row = api.get("/api/v1/criterion/1", headers=headers).json["result"]
    jsonschema.validate(row, schema)
