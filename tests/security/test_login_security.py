"""Login protection: password rules on every path that sets a local password, lockout after
repeated failures (logged, one message that tells nothing, lifted by time or an administrator),
and the login rate limit (memory, and Redis shared by several workers)."""

import datetime
import re
import uuid

import pytest
from flask_appbuilder.security.sqla.models import Role
from werkzeug.security import check_password_hash

import config as config_module
from app.domain.clock import utcnow
from app.models import AppUser, AuditEvent
from app.security import lockout, roles
from app.security.passwords import password_problems
from tests.conftest import ROOT
from tests.helpers import page_text
from tests.security.conftest import PASSWORD, build_app, dispose, ensure_account

GOOD = "Mat-khau-2025"


def problems(app, password, username=None):
    with app.test_request_context("/"):
        return [str(p) for p in password_problems(password, username)]


def message(app, function, *args, **kwargs):
    """A message as the app words it (Vietnamese once the catalogue has it)."""
    with app.test_request_context("/"):
        return str(function(*args, **kwargs))


def login(client, username, password):
    return client.post("/login/", data={"username": username, "password": password})


def flashed_after(client, response):
    """The text of the page a refused login sends the user back to."""
    assert response.status_code == 302
    return page_text(client.get(response.headers["Location"]))


# --- password rules ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "username", "count"),
    [
        ("Ngan-1", None, 1),  # too short
        ("chi-co-chu-cai", None, 1),  # no digit
        ("2025-2026-2027", None, 1),  # no letter
        ("canbo.xa-2025", "canbo.xa", 1),  # contains the user name
        ("CANBO.XA-2025", "canbo.xa", 1),  # in any case
        ("abc", "abc", 3),  # every reason at once
    ],
)
def test_weak_passwords_are_refused_with_every_reason(app, password, username, count):
    assert len(problems(app, password, username)) == count


@pytest.mark.parametrize("password", [GOOD, "Tiếng-Việt-2025", "Cchc@2025vn", "Demo@12345"])
def test_good_passwords_pass(app, password):
    assert problems(app, password, "canbo.xa") == []


def test_the_demo_password_obeys_the_rules_everywhere(app):
    default = config_module.Config.DEMO_PASSWORD
    assert problems(app, default) == []
    readme = open(f"{ROOT}/README.md", encoding="utf-8").read()
    assert f"`{default}`" in readme
    assert "Cchc@2025`" not in readme  # the old 9-character password is gone


def _role_id(session, name):
    return session.query(Role).filter_by(name=name).one().id


def test_user_add_form_refuses_a_weak_password_and_keeps_the_input(app, session, admin_client):
    username = f"test.sec.new{uuid.uuid4().hex[:5]}"
    form = {
        "first_name": "Văn Mới", "last_name": "Trần", "username": username,
        "email": f"{username}@test.vn", "active": "y", "roles": [_role_id(session, roles.VIEWER)],
        "password": f"{username}1", "conf_password": f"{username}1",
    }  # fmt: skip
    refused = admin_client.post("/users/add", data=form)
    assert refused.status_code == 200
    text = page_text(refused)
    assert message(app, lambda: password_problems(form["password"], username)[0]) in text
    assert "Văn Mới" in refused.text  # what was typed stays
    assert session.query(AppUser).filter_by(username=username).count() == 0
    accepted = admin_client.post(
        "/users/add", data={**form, "password": GOOD, "conf_password": GOOD}
    )
    assert accepted.status_code == 302
    session.query(AppUser).filter_by(username=username).delete()
    session.commit()


def test_admin_password_reset_applies_the_rules(app, session, admin_client):
    user = ensure_account(session, "test.sec.reset", roles.VIEWER)
    url = f"/resetpassword/form?pk={user.id}"
    weak = "test.sec.reset-99"
    refused = admin_client.post(url, data={"password": weak, "conf_password": weak})
    assert refused.status_code == 200
    assert message(app, lambda: password_problems(weak, user.username)[0]) in page_text(refused)
    session.expire_all()
    assert check_password_hash(session.get(AppUser, user.id).password, PASSWORD)
    accepted = admin_client.post(url, data={"password": GOOD, "conf_password": GOOD})
    assert accepted.status_code == 302
    session.expire_all()
    assert check_password_hash(session.get(AppUser, user.id).password, GOOD)


def test_reset_my_password_applies_the_rules(app, session):
    user = ensure_account(session, "test.sec.mine", roles.VIEWER)
    client = app.test_client()
    assert login(client, user.username, PASSWORD).status_code == 302
    for weak in ("ngan1", "test.sec.mine2025"):
        refused = client.post(
            "/resetmypassword/form", data={"password": weak, "conf_password": weak}
        )
        assert refused.status_code == 200
    session.expire_all()
    assert check_password_hash(session.get(AppUser, user.id).password, PASSWORD)
    accepted = client.post("/resetmypassword/form", data={"password": GOOD, "conf_password": GOOD})
    assert accepted.status_code == 302
    session.expire_all()
    assert check_password_hash(session.get(AppUser, user.id).password, GOOD)


def test_user_api_applies_the_rules(app, session):
    ensure_account(session, "test.sec.apiadmin", roles.ADMIN, None)
    client = app.test_client()
    token = client.post(
        "/api/v1/security/login",
        json={"username": "test.sec.apiadmin", "password": PASSWORD, "provider": "db"},
    ).json["access_token"]
    username = f"test.sec.api{uuid.uuid4().hex[:5]}"
    body = {
        "username": username, "first_name": "Api", "last_name": "Thử", "active": True,
        "email": f"{username}@test.vn", "roles": [_role_id(session, roles.VIEWER)],
        "password": "ngan",
    }  # fmt: skip
    refused = client.post(
        "/api/v1/security/users/", json=body, headers={"Authorization": f"Bearer {token}"}
    )
    assert refused.status_code == 400
    assert message(app, lambda: password_problems("ngan")[0]) in str(refused.json["message"])
    assert session.query(AppUser).filter_by(username=username).count() == 0


def test_create_admin_refuses_a_weak_password(app, session):
    runner = app.test_cli_runner()
    username = f"test.sec.cli{uuid.uuid4().hex[:5]}"
    refused = runner.invoke(
        args=["create-admin", "--username", username, "--password", "Cchc@2025"]
    )
    assert refused.exit_code != 0
    assert "10" in refused.output  # the minimum length is named
    assert session.query(AppUser).filter_by(username=username).count() == 0
    created = runner.invoke(args=["create-admin", "--username", username, "--password", GOOD])
    assert created.exit_code == 0, created.output
    session.query(AppUser).filter_by(username=username).delete()
    session.commit()


def test_demo_data_refuses_a_weak_demo_password(app, database_url, session):
    weak = build_app(database_url, DEMO_PASSWORD="Cchc@2025")
    try:
        answer = weak.test_cli_runner().invoke(args=["demo-data", "--if-empty"])
        assert answer.exit_code != 0
        assert "DEMO_PASSWORD" in answer.output
    finally:
        dispose(weak)


# --- lockout -------------------------------------------------------------------------------


@pytest.fixture()
def victim(session):
    user = ensure_account(session, "test.sec.victim", roles.VIEWER)
    yield user
    ensure_account(session, "test.sec.victim", roles.VIEWER)


def events(session, user, action):
    return (
        session.query(AuditEvent)
        .filter_by(entity="user", entity_id=user.id, action=action)
        .order_by(AuditEvent.id)
        .all()
    )


def test_five_failures_lock_the_account_and_are_logged(app, session, victim):
    client = app.test_client()
    before = len(events(session, victim, "login_failed"))
    for _attempt in range(5):
        assert login(client, victim.username, "Sai-mat-khau-1").status_code == 302
    session.expire_all()
    locked = session.get(AppUser, victim.id)
    expected_end = utcnow() + datetime.timedelta(minutes=15)
    assert abs((locked.locked_until - expected_end).total_seconds()) < 60
    assert len(events(session, victim, "login_failed")) == before + 5
    lock = events(session, victim, "account_locked")[-1]
    assert victim.username in lock.reason and "127.0.0.1" in lock.reason
    assert lock.user_id is None  # nobody logged in did it
    # Now even the right password is refused, on the form and on the REST login.
    refused = login(client, victim.username, PASSWORD)
    assert "/login" in refused.headers["Location"]
    api = client.post(
        "/api/v1/security/login",
        json={"username": victim.username, "password": PASSWORD, "provider": "db"},
    )
    assert api.status_code == 401


def test_the_message_does_not_tell_whether_the_account_exists(app, session, victim):
    client = app.test_client()
    wording = message(app, lockout.login_failed_message)
    unknown = flashed_after(client, login(client, f"khong-co-{uuid.uuid4().hex[:6]}", "x1"))
    wrong = flashed_after(client, login(client, victim.username, "Sai-mat-khau-1"))
    victim_row = session.get(AppUser, victim.id)
    victim_row.locked_until = utcnow() + datetime.timedelta(minutes=5)
    session.commit()
    locked = flashed_after(client, login(client, victim.username, PASSWORD))
    for text in (unknown, wrong, locked):
        assert wording in text


def test_the_lock_lifts_by_itself_when_the_time_is_up(app, session, victim):
    row = session.get(AppUser, victim.id)
    row.fail_login_count, row.locked_until = 5, utcnow() - datetime.timedelta(seconds=1)
    session.commit()
    client = app.test_client()
    assert login(client, victim.username, PASSWORD).headers["Location"].endswith("/")
    session.expire_all()
    row = session.get(AppUser, victim.id)
    assert row.locked_until is None and row.fail_login_count == 0


def test_the_count_starts_again_after_the_lock_expires(app, session, victim):
    row = session.get(AppUser, victim.id)
    row.fail_login_count, row.locked_until = 5, utcnow() - datetime.timedelta(seconds=1)
    session.commit()
    login(app.test_client(), victim.username, "Sai-mat-khau-1")
    session.expire_all()
    row = session.get(AppUser, victim.id)
    assert row.fail_login_count == 1 and row.locked_until is None


def test_an_administrator_unlocks_and_it_is_logged(app, session, victim, admin_client):
    row = session.get(AppUser, victim.id)
    row.fail_login_count, row.locked_until = 5, utcnow() + datetime.timedelta(minutes=10)
    session.commit()
    answer = admin_client.post("/users/action_post", data={"action": "unlock", "rowid": victim.id})
    assert answer.status_code == 302
    session.expire_all()
    row = session.get(AppUser, victim.id)
    assert row.locked_until is None and row.fail_login_count == 0
    event = events(session, victim, "account_unlocked")[-1]
    admin = session.query(AppUser).filter_by(username="admin").one()
    assert event.user_id == admin.id and "admin" in event.reason
    assert login(app.test_client(), victim.username, PASSWORD).headers["Location"].endswith("/")


def test_the_lock_shows_on_the_user_screen(app, session, victim, admin_client):
    row = session.get(AppUser, victim.id)
    row.locked_until = utcnow() + datetime.timedelta(minutes=10)
    session.commit()
    shown = page_text(admin_client.get(f"/users/show/{victim.id}"))
    assert re.search(r"\d\d/\d\d/\d{4} \d\d:\d\d", shown)


def test_attempts_and_minutes_come_from_the_config(app, session, victim, monkeypatch):
    monkeypatch.setitem(app.config, "LOCKOUT_ATTEMPTS", 2)
    monkeypatch.setitem(app.config, "LOCKOUT_MINUTES", 60)
    client = app.test_client()
    login(client, victim.username, "Sai-mat-khau-1")
    session.expire_all()
    assert session.get(AppUser, victim.id).locked_until is None
    login(client, victim.username, "Sai-mat-khau-1")
    session.expire_all()
    until = session.get(AppUser, victim.id).locked_until
    assert until is not None and until > utcnow() + datetime.timedelta(minutes=59)
    assert "2" in message(app, lockout.login_failed_message)


# --- rate limit ----------------------------------------------------------------------------


@pytest.fixture()
def limited_app(app, database_url):
    limited = build_app(database_url, RATELIMIT_ENABLED=True, AUTH_RATE_LIMIT="3 per minute")
    yield limited
    dispose(limited)


def test_login_form_is_rate_limited_with_a_vietnamese_page(limited_app):
    from app.security.ratelimit import _too_many  # noqa: F401  (the handler answering 429)

    client = limited_app.test_client()
    for _attempt in range(3):
        assert login(client, "ai-do", "Sai-mat-khau-1").status_code == 302
    refused = login(client, "ai-do", "Sai-mat-khau-1")
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    with limited_app.test_request_context("/"):
        from flask_babel import gettext

        title = gettext("Too many attempts")
    assert title in page_text(refused)
    assert client.get("/login/").status_code == 200  # only POSTs count


def test_rest_login_is_rate_limited_too(limited_app):
    client = limited_app.test_client()
    body = {"username": "ai-do", "password": "Sai-mat-khau-1", "provider": "db"}
    for _attempt in range(3):
        assert client.post("/api/v1/security/login", json=body).status_code == 401
    refused = client.post("/api/v1/security/login", json=body)
    assert refused.status_code == 429
    assert refused.json["ok"] is False and refused.json["message"]


def test_workers_share_the_count_in_redis(app, database_url):
    """Two apps (two gunicorn workers) with RATELIMIT_STORAGE_URI on Redis count together."""
    settings = dict(
        RATELIMIT_ENABLED=True,
        AUTH_RATE_LIMIT="3 per minute",
        RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379",
        RATELIMIT_KEY_PREFIX=f"cchc-test-{uuid.uuid4().hex}",
        RATELIMIT_SWALLOW_ERRORS=False,  # Redis must answer: no silent fallback here
        RATELIMIT_IN_MEMORY_FALLBACK_ENABLED=False,
    )
    first, second = build_app(database_url, **settings), build_app(database_url, **settings)
    try:
        assert first.appbuilder.sm.limiter._storage.check()  # Redis is reachable
        one, two = first.test_client(), second.test_client()
        assert login(one, "ai-do", "Sai-mat-khau-1").status_code == 302
        assert login(two, "ai-do", "Sai-mat-khau-1").status_code == 302
        assert login(one, "ai-do", "Sai-mat-khau-1").status_code == 302
        assert login(two, "ai-do", "Sai-mat-khau-1").status_code == 429
    finally:
        dispose(first)
        dispose(second)
