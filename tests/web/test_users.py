"""Users carry a unit; unit-bound roles without a unit are refused."""

import re
import unicodedata

from flask_appbuilder.security.sqla.models import Role
from sqlalchemy import text

from app.domain.text import vi_sort_key
from app.models import AppUser
from app.security import roles
from tests.conftest import login
from tests.helpers import page_text, select_options


def test_user_list_shows_the_unit_column(session, admin_client):
    text = page_text(admin_client.get("/users/list/"))
    assert "Đơn vị" in text
    staff = session.query(AppUser).filter_by(username="canbo.xa").one()
    assert staff.unit.name in text


def test_unit_staff_without_unit_is_refused(session, admin_client):
    role = session.query(Role).filter_by(name=roles.UNIT_STAFF).one()
    response = admin_client.post(
        "/users/add",
        data={
            "first_name": "Văn Thử",
            "last_name": "Nguyễn",
            "username": "khongdonvi",
            "email": "khongdonvi@songlam.gov.vn",
            "active": "y",
            "roles": [role.id],
            "password": "Abcdef@12345",
            "conf_password": "Abcdef@12345",
        },
    )
    assert response.status_code == 200
    assert "Văn Thử" in response.data.decode()
    assert session.query(AppUser).filter_by(username="khongdonvi").count() == 0


def _nfd(text):
    return unicodedata.normalize("NFD", text)


def _stored(session, username):
    row = session.execute(
        text("SELECT first_name, last_name, username, email FROM ab_user WHERE username = :u"),
        {"u": username},
    ).one()
    return tuple(row)


def test_decomposed_names_typed_on_the_user_screen_are_stored_composed(session, admin_client):
    staff = session.query(Role).filter_by(name=roles.UNIT_STAFF).one()
    unit = session.query(AppUser).filter_by(username="canbo.xa").one().unit
    response = admin_client.post(
        "/users/add",
        data={
            "first_name": _nfd("Văn Thử"),
            "last_name": _nfd("Nguyễn"),
            "username": _nfd("thử.nguyễn"),
            "email": _nfd("thử.nguyễn@songlam.gov.vn"),
            "active": "y",
            "unit": unit.id,
            "roles": [staff.id],
            "password": "Abcdef@12345",
            "conf_password": "Abcdef@12345",
        },
    )
    assert response.status_code == 302
    stored = _stored(session, "thử.nguyễn")
    assert stored == ("Văn Thử", "Nguyễn", "thử.nguyễn", "thử.nguyễn@songlam.gov.vn")
    assert all(unicodedata.is_normalized("NFC", value) for value in stored)
    # Typed again the decomposed way at the login form, the name still finds the account.
    login(admin_client.application.test_client(), _nfd("thử.nguyễn"), "Abcdef@12345")


def test_an_account_added_by_command_or_sso_stores_names_composed(app, session):
    # `flask fab create-admin`, app/cli.py and SSO sign-up all go through add_user.
    with app.app_context():
        sm = app.appbuilder.sm
        sm.add_user(_nfd("lê.văn"), _nfd("Văn"), _nfd("Lê"), "le.van@songlam.gov.vn",
                    sm.find_role(roles.VIEWER), password="Abcdef@12345")  # fmt: skip
    assert _stored(session, "lê.văn") == ("Văn", "Lê", "lê.văn", "le.van@songlam.gov.vn")


def test_user_page_shows_no_python_none(session, admin_client):
    fresh = AppUser(first_name="Chưa", last_name="Đăng Nhập", username="chua.dangnhap",
                    email="chua.dangnhap@songlam.gov.vn", active=True)  # fmt: skip
    session.add(fresh)
    session.commit()
    text_ = page_text(admin_client.get(f"/users/show/{fresh.id}"))
    assert "None" not in text_
    assert re.search(r"Số lần đăng nhập\s+0\b", text_), text_


def test_unit_dropdown_of_the_user_form_is_in_vietnamese_order(admin_client):
    for url in ("/users/add", "/users/list/"):
        names = select_options(admin_client.get(url), "unit")
        assert any(n.startswith("Đ") for n in names) and any(n.startswith("X") for n in names)
        assert names == sorted(names, key=vi_sort_key), url
