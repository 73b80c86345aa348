"""CSRF on every state change, with CSRF on (the rest of the suite runs without it): FAB
forms, FAB actions, the sheet's autosave, evidence uploads and REST writes authenticated by the
session cookie are refused without the token, with a clear message, and change nothing; with
the token they work. JWT clients (Authorization: Bearer) need no token."""

import datetime
import io
import uuid

import pytest

from app.domain.clock import utcnow
from app.models import AppUser, Evidence, ScoreLine, UnitType
from app.security import roles
from app.security.csrf import csrf_message
from tests.helpers import page_text
from tests.security.conftest import (
    PASSWORD,
    csrf_login,
    ensure_account,
    page_token,
    stored_files,
)
from tests.web.test_evidence import unique_pdf

JSON = {"Accept": "application/json"}


def expected_message(app):
    """The refusal as the app says it (Vietnamese once the catalogue has it)."""
    with app.test_request_context("/"):
        return str(csrf_message())


def logged_in(app, session, username, role, unit_code=None):
    ensure_account(session, username, role, unit_code)
    client = app.test_client()
    assert csrf_login(client, username).status_code == 302
    return client


def jwt_for(client, username):
    answer = client.post(
        "/api/v1/security/login",
        json={"username": username, "password": PASSWORD, "provider": "db"},
    )
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json['access_token']}"}


def assert_refused_page(response, app):
    assert response.status_code == 400
    assert expected_message(app) in page_text(response)


def assert_refused_json(response, app):
    assert response.status_code == 400
    assert response.json["ok"] is False
    assert response.json["error"] == response.json["message"] == expected_message(app)


@pytest.fixture()
def line_state(session, open_line):
    """The open line; its self-assessment fields are put back afterwards."""
    line_id, assessment_id = open_line
    line = session.get(ScoreLine, line_id)
    fields = [c.key for c in ScoreLine.__table__.columns if c.key.startswith("self_")]
    fields += ["explanation", "version"]
    saved = {f: getattr(line, f) for f in fields}
    yield line_id, assessment_id
    session.expire_all()
    line = session.get(ScoreLine, line_id)
    for field, value in saved.items():
        setattr(line, field, value)
    session.commit()


# --- the login form itself ---------------------------------------------------------------


def test_login_form_without_token_is_refused(guarded_app, session, leader):
    client = guarded_app.test_client()
    refused = client.post("/login/", data={"username": leader.username, "password": PASSWORD})
    assert_refused_page(refused, guarded_app)
    assert client.get("/sheet/").status_code != 200  # not logged in


# --- FAB forms and actions ---------------------------------------------------------------


def test_fab_add_form_needs_the_token(guarded_app, session):
    client = logged_in(guarded_app, session, "test.sec.organiser", roles.ORGANISER)
    code = f"T{uuid.uuid4().hex[:6]}"
    form = {"code": code, "name": "Loại thử CSRF"}
    try:
        refused = client.post("/unittypeview/add", data=form)
        assert_refused_page(refused, guarded_app)
        assert session.query(UnitType).filter_by(code=code).count() == 0
        token = page_token(client, "/unittypeview/add")
        accepted = client.post("/unittypeview/add", data={**form, "csrf_token": token})
        assert accepted.status_code == 302
        assert session.query(UnitType).filter_by(code=code).count() == 1
    finally:
        session.query(UnitType).filter_by(code=code).delete()
        session.commit()


def test_fab_action_needs_the_token(guarded_app, session):
    client = logged_in(guarded_app, session, "test.sec.admin", roles.ADMIN)
    victim = ensure_account(session, "test.sec.locked", roles.VIEWER)
    victim.fail_login_count, victim.locked_until = 5, utcnow() + datetime.timedelta(minutes=15)
    session.commit()
    form = {"action": "unlock", "rowid": str(victim.id)}
    refused = client.post("/users/action_post", data=form)
    assert_refused_page(refused, guarded_app)
    session.expire_all()
    assert session.get(AppUser, victim.id).locked_until is not None
    token = page_token(client, "/users/list/")
    accepted = client.post("/users/action_post", data={**form, "csrf_token": token})
    assert accepted.status_code == 302
    session.expire_all()
    assert session.get(AppUser, victim.id).locked_until is None


def test_a_get_cannot_run_an_action_or_delete(guarded_app, session):
    """FAB refuses mutations by GET once CSRF protection is installed."""
    client = logged_in(guarded_app, session, "test.sec.admin", roles.ADMIN)
    victim = ensure_account(session, "test.sec.locked", roles.VIEWER)
    victim.locked_until = utcnow() + datetime.timedelta(minutes=15)
    session.commit()
    client.get(f"/users/action/unlock/{victim.id}")
    client.get(f"/users/delete/{victim.id}")
    session.expire_all()
    kept = session.get(AppUser, victim.id)
    assert kept is not None and kept.locked_until is not None


# --- the score sheet: autosave and evidence ------------------------------------------------


def test_autosave_needs_the_token_in_the_header(guarded_app, session, leader, line_state):
    line_id, assessment_id = line_state
    client = guarded_app.test_client()
    assert csrf_login(client, leader.username).status_code == 302
    version = session.get(ScoreLine, line_id).version
    body = {"value": "", "version": version}
    refused = client.post(f"/sheet/line/{line_id}/score", json=body, headers=JSON)
    assert_refused_json(refused, guarded_app)
    session.expire_all()
    assert session.get(ScoreLine, line_id).version == version  # nothing saved
    token = page_token(client, f"/sheet/{assessment_id}")
    accepted = client.post(
        f"/sheet/line/{line_id}/score", json=body, headers={**JSON, "X-CSRFToken": token}
    )
    assert accepted.status_code == 200, accepted.text
    assert accepted.json["ok"] is True


def test_explanation_save_needs_the_token(guarded_app, session, leader, line_state):
    line_id, assessment_id = line_state
    client = guarded_app.test_client()
    assert csrf_login(client, leader.username).status_code == 302
    text = f"Giải trình {uuid.uuid4().hex[:6]}"
    refused = client.post(f"/sheet/line/{line_id}", json={"explanation": text}, headers=JSON)
    assert_refused_json(refused, guarded_app)
    session.expire_all()
    assert session.get(ScoreLine, line_id).explanation != text


def test_evidence_upload_needs_the_token(guarded_app, session, leader, line_state):
    line_id, assessment_id = line_state
    client = guarded_app.test_client()
    assert csrf_login(client, leader.username).status_code == 302
    data = unique_pdf()
    upload_dir = guarded_app.config["UPLOAD_DIR"]
    before = stored_files(upload_dir)

    def post(extra_form=None, headers=None):
        form = {"file": (io.BytesIO(data), "Biên bản.pdf"), **(extra_form or {})}
        return client.post(
            f"/evidence/line/{line_id}/upload", data=form, headers={**JSON, **(headers or {})},
            content_type="multipart/form-data",
        )  # fmt: skip

    assert_refused_json(post(), guarded_app)
    assert stored_files(upload_dir) == before
    assert session.query(Evidence).filter_by(score_line_id=line_id).count() == 0
    token = page_token(client, f"/sheet/{assessment_id}")
    # The sheet's script sends the header; a plain form sends the hidden field.
    accepted = post(headers={"X-CSRFToken": token})
    assert accepted.status_code == 201, accepted.text
    evidence_id = accepted.json["evidence"]["id"]
    delete_url = f"/evidence/{evidence_id}/delete"
    assert_refused_json(client.post(delete_url, headers=JSON), guarded_app)
    assert session.get(Evidence, evidence_id) is not None
    deleted = client.post(delete_url, data={"csrf_token": token}, headers=JSON)
    assert deleted.status_code == 200


# --- the REST API ----------------------------------------------------------------------------


def test_api_write_with_only_the_session_cookie_needs_the_token(
    guarded_app, session, leader, line_state
):
    line_id, assessment_id = line_state
    client = guarded_app.test_client()
    assert csrf_login(client, leader.username).status_code == 302
    text = f"Qua API {uuid.uuid4().hex[:6]}"
    url = f"/api/v1/score_line/{line_id}"
    refused = client.put(url, json={"explanation": text})
    assert_refused_json(refused, guarded_app)
    session.expire_all()
    assert session.get(ScoreLine, line_id).explanation != text
    token = page_token(client, f"/sheet/{assessment_id}")
    version = session.get(ScoreLine, line_id).version
    accepted = client.put(url, json={"explanation": text, "version": version},
                          headers={"X-CSRFToken": token})  # fmt: skip
    assert accepted.status_code == 200, accepted.text
    session.expire_all()
    assert session.get(ScoreLine, line_id).explanation == text


def test_jwt_clients_need_no_token(guarded_app, session, leader, line_state):
    line_id, _assessment_id = line_state
    client = guarded_app.test_client()  # no cookie at all: a script or another system
    bearer = jwt_for(client, leader.username)
    text = f"Qua JWT {uuid.uuid4().hex[:6]}"
    version = session.get(ScoreLine, line_id).version
    body = {"explanation": text, "version": version}
    answer = client.put(f"/api/v1/score_line/{line_id}", json=body, headers=bearer)
    assert answer.status_code == 200, answer.text
    session.expire_all()
    assert session.get(ScoreLine, line_id).explanation == text


def test_rest_login_works_from_a_logged_in_browser(guarded_app, session, leader):
    client = guarded_app.test_client()
    assert csrf_login(client, leader.username).status_code == 302
    assert "Authorization" in jwt_for(client, leader.username)


def test_cookie_api_write_of_unit_types_is_refused_without_token(guarded_app, session):
    client = logged_in(guarded_app, session, "test.sec.organiser", roles.ORGANISER)
    code = f"A{uuid.uuid4().hex[:6]}"
    try:
        refused = client.post("/api/v1/unit_type/", json={"code": code, "name": "Qua API"})
        assert_refused_json(refused, guarded_app)
        assert session.query(UnitType).filter_by(code=code).count() == 0
        bearer = jwt_for(guarded_app.test_client(), "test.sec.organiser")
        created = client.post(
            "/api/v1/unit_type/", json={"code": code, "name": "Qua API"}, headers=bearer
        )
        assert created.status_code == 201, created.text
    finally:
        session.query(UnitType).filter_by(code=code).delete()
        session.commit()
