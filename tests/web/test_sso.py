"""Single sign-on against a small OpenID Connect provider the test starts on 127.0.0.1.

The app under test is a second app on the suite's database, with OIDC_* set (SSO on)."""

import os
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
import requests
from flask_appbuilder.security.sqla.models import Role
from flask_babel import gettext
from sqlalchemy import delete, select

from app.models import AppUser, AuditEvent, SsoMapping, Unit
from app.models.sso import sso_mapping_role
from app.security import roles
from tests.conftest import ARTIFACTS, login, make_app
from tests.helpers import page_text
from tests.oidc_provider import Provider


@pytest.fixture(scope="module")
def provider():
    started = Provider().start()
    yield started
    started.stop()


@pytest.fixture(scope="module")
def sso_app(app, database_url, provider):
    application = make_app(
        database_url,
        UPLOAD_DIR=os.path.join(ARTIFACTS, "uploads"),
        OIDC_DISCOVERY_URL=provider.discovery_url,
        OIDC_CLIENT_ID=provider.client_id,
        OIDC_CLIENT_SECRET=provider.client_secret,
        OIDC_UNIT_CLAIM="unit_code",
        OIDC_ROLES_CLAIM="groups",
        OIDC_ROLE_MAP="cchc-canbo=UnitStaff,cchc-lanhdao=UnitLeader,cchc-xem=Viewer",
    )
    yield application
    from app.extensions import db

    with application.app_context():
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _forget_sso_accounts(test_engine):
    """Each test starts without SSO accounts or mappings (they would match the next test)."""
    yield
    with test_engine.begin() as conn:
        users = select(AppUser.id).where(AppUser.username.like("sso:%")).scalar_subquery()
        conn.execute(delete(AuditEvent).where(AuditEvent.user_id.in_(users)))
        link = AppUser.__table__.metadata.tables["ab_user_role"]
        conn.execute(delete(link).where(link.c.user_id.in_(users)))
        conn.execute(delete(AppUser).where(AppUser.username.like("sso:%")))
        conn.execute(delete(sso_mapping_role))
        conn.execute(delete(SsoMapping))


def _person(sub, **claims):
    return {"sub": sub, "email": f"{sub}@songlam.gov.vn", "given_name": "Văn An",
            "family_name": "Nguyễn", **claims}  # fmt: skip


def sso_login(client, provider, person, tamper_callback=None):
    """Click the SSO button, let the provider approve, follow its redirect back to the app."""
    provider.person = person
    start = client.get("/login/sso")
    assert start.status_code == 302
    assert start.headers["Location"].startswith(provider.issuer + "/authorize?")
    answer = requests.get(start.headers["Location"], allow_redirects=False, timeout=10)
    assert answer.status_code == 302
    back = urlsplit(answer.headers["Location"])
    query = dict(parse_qsl(back.query))
    if tamper_callback:
        tamper_callback(query)
    return client.get(back.path + "?" + urlencode(query))


def whoami(client):
    """The user-info page text, or None when the client is not logged in."""
    response = client.get("/users/userinfo/")
    return page_text(response) if response.status_code == 200 else None


def message(sso_app, msgid, **values):
    """The text the user reads for `msgid` (whatever the catalogue says today)."""
    with sso_app.test_request_context():
        return gettext(msgid, **values)


def test_login_page_offers_sso_and_the_local_form(sso_app):
    text = sso_app.test_client().get("/login/").data.decode()
    assert 'id="btn-signin-sso"' in text and 'href="/login/sso"' in text
    assert 'name="username"' in text and 'name="password"' in text


def test_sso_off_keeps_the_local_login_page(anon_client):
    text = anon_client.get("/login/").data.decode()
    assert 'name="password"' in text and "btn-signin" not in text


def test_local_login_still_works_with_sso_on(sso_app, session):
    client = login(sso_app.test_client(), "canbo.xa")
    staff = session.query(AppUser).filter_by(username="canbo.xa").one()
    assert staff.get_full_name() in whoami(client)


def test_sso_claims_give_the_unit_and_roles(sso_app, provider, session):
    client = sso_app.test_client()
    response = sso_login(client, provider, _person("u-claims", unit_code="XA001",
                                                   groups=["cchc-canbo"]))  # fmt: skip
    assert response.status_code == 302 and "/login" not in response.headers["Location"]
    assert "Nguyễn Văn An" in whoami(client)
    user = session.query(AppUser).filter_by(username="sso:u-claims").one()
    assert (user.unit.code, [r.name for r in user.roles]) == ("XA001", [roles.UNIT_STAFF])
    assert user.email == "u-claims@songlam.gov.vn" and user.last_name == "Nguyễn"
    # Staff of that unit: the unit's score sheets are theirs, the admin screens are not.
    assert client.get("/ssomappingview/list/").status_code in (302, 403)


def test_the_administrators_mapping_gives_the_unit_and_roles(sso_app, provider, session,
                                                            admin_client):  # fmt: skip
    leader = session.query(Role).filter_by(name=roles.UNIT_LEADER).one()
    unit = session.query(Unit).filter_by(code="XA002").one()
    added = admin_client.post("/ssomappingview/add", data={
        "email": "  Hoa.Tran@SongLam.gov.vn ", "unit": unit.id, "roles": [leader.id],
        "active": "y", "note": "Chủ tịch phường",
    })  # fmt: skip
    assert added.status_code == 302
    mapping = session.query(SsoMapping).one()
    assert mapping.email == "hoa.tran@songlam.gov.vn"

    client = sso_app.test_client()
    # The claims say "staff of XA001": the administrator's mapping wins.
    person = _person("u-mapped", email="hoa.tran@songlam.gov.vn", unit_code="XA001",
                     groups=["cchc-canbo"])  # fmt: skip
    sso_login(client, provider, person)
    assert "Nguyễn Văn An" in whoami(client)
    user = session.query(AppUser).filter_by(username="sso:u-mapped").one()
    assert (user.unit.code, [r.name for r in user.roles]) == ("XA002", [roles.UNIT_LEADER])


def test_mapping_screen_refuses_a_unit_role_without_unit(sso_app, session, admin_client):
    staff = session.query(Role).filter_by(name=roles.UNIT_STAFF).one()
    response = admin_client.post("/ssomappingview/add", data={
        "email": "khongdonvi@songlam.gov.vn", "roles": [staff.id], "active": "y",
    })  # fmt: skip
    assert response.status_code == 200
    assert "khongdonvi@songlam.gov.vn" in response.data.decode()  # what was typed stays
    text = page_text(response)
    assert (
        message(sso_app, "Unit leaders and unit staff must belong to a unit: choose the unit.")
        in text
    )
    assert session.query(SsoMapping).count() == 0


def test_mapping_screen_is_for_administrators_only(organiser_client):
    assert organiser_client.get("/ssomappingview/list/").status_code in (302, 403)


def test_a_person_without_mapping_gets_a_clear_message(sso_app, provider, session):
    client = sso_app.test_client()
    response = sso_login(client, provider, _person("u-nobody"))
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    text = page_text(client.get("/login/"))
    expected = message(
        sso_app,
        "Your account %(who)s was recognised by single sign-on but has no unit and role in "
        "this system yet. Ask the administrator to map it to your unit and roles.",
        who="u-nobody@songlam.gov.vn",
    )
    assert expected in text
    assert whoami(client) is None
    assert session.query(AppUser).filter_by(username="sso:u-nobody").count() == 0


def test_a_unit_role_without_unit_is_refused(sso_app, provider, session):
    client = sso_app.test_client()
    sso_login(client, provider, _person("u-nounit", groups=["cchc-lanhdao"]))
    expected = message(
        sso_app,
        "Your role (%(roles)s) works on behalf of one unit, but no unit was given for "
        "%(who)s. Ask the administrator to set your unit.",
        roles=roles.UNIT_LEADER, who="u-nounit@songlam.gov.vn",
    )  # fmt: skip
    assert expected in page_text(client.get("/login/"))
    assert whoami(client) is None


def test_an_unknown_unit_code_is_refused(sso_app, provider):
    client = sso_app.test_client()
    sso_login(client, provider, _person("u-badunit", unit_code="KHONGCO", groups=["cchc-canbo"]))
    assert "KHONGCO" in page_text(client.get("/login/"))
    assert whoami(client) is None


def test_a_claim_cannot_make_an_administrator(sso_app, provider):
    # Only OIDC_ROLE_MAP grants roles; "Admin" is in no map here.
    client = sso_app.test_client()
    sso_login(client, provider, _person("u-admin", groups=["Admin", "cchc-xem"]))
    assert client.get("/users/list/").status_code in (302, 403)
    assert whoami(client) is not None


@pytest.mark.parametrize("attack", ["state", "nonce", "signature"])
def test_a_forged_answer_is_refused(sso_app, provider, session, attack):
    client = sso_app.test_client()
    person = _person(f"u-{attack}", unit_code="XA001", groups=["cchc-canbo"])
    provider.tamper = attack if attack != "state" else None
    try:
        if attack == "state":
            response = sso_login(client, provider, person,
                                 lambda q: q.update(state=q["state"][:-4] + "AAAA"))  # fmt: skip
        else:
            response = sso_login(client, provider, person)
    finally:
        provider.tamper = None
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert whoami(client) is None
    assert session.query(AppUser).filter_by(username=f"sso:u-{attack}").count() == 0
    expected = message(
        sso_app,
        "Single sign-on failed: the sign-on service's answer could not be verified. Sign in again.",
    )
    assert expected in page_text(client.get("/login/"))


def test_an_sso_account_never_signs_in_with_a_password(sso_app, provider):
    client = sso_app.test_client()
    sso_login(client, provider, _person("u-pw", unit_code="XA001", groups=["cchc-canbo"]))
    with sso_app.app_context():
        sm = sso_app.appbuilder.sm
        sm.reset_password(sm.find_user(username="sso:u-pw").id, "Matkhau@2025")
    response = sso_app.test_client().post(
        "/login/", data={"username": "sso:u-pw", "password": "Matkhau@2025"}
    )
    assert response.status_code == 302 and "/login" in response.headers["Location"]
