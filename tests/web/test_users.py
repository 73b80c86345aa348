"""Users carry a unit; unit-bound roles without a unit are refused."""

import re
import unicodedata

import pytest
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


# -- user names equal up to case and Unicode form; deleting an account with a history -------


def _account_form(session, username, **extra):
    viewer = session.query(Role).filter_by(name=roles.VIEWER).one()
    data = {
        "first_name": "Văn Trùng",
        "last_name": "Tên",
        "username": username,
        "email": f"trung.{abs(hash(username))}@songlam.gov.vn",
        "active": "y",
        "roles": [viewer.id],
        "password": "Abcdef@12345",
        "conf_password": "Abcdef@12345",
    }
    data.update(extra)
    return data


def _named(session, key):
    """Accounts whose name is `key` up to case and Unicode form."""
    from app.domain.users import name_key

    names = session.execute(text("SELECT username FROM ab_user")).scalars()
    return [n for n in names if name_key(n) == name_key(key)]


def _worded(app, func, *args):
    with app.test_request_context("/"):
        return str(func(*args))


def _taken_message(app):
    from app.domain.users import username_problem
    from app.extensions import db

    with app.app_context(), app.test_request_context("/"):
        return username_problem(db.session, "admin")


@pytest.fixture()
def nguyen(session):
    """An account named "nguyễn" (composed), removed afterwards."""
    user = AppUser(first_name="Văn", last_name="Nguyễn", username="nguyễn",
                   email="nguyen.trung@songlam.gov.vn", active=True)  # fmt: skip
    session.add(user)
    session.commit()
    yield user
    session.execute(text("DELETE FROM ab_user WHERE id = :i"), {"i": user.id})
    session.commit()


def test_a_user_name_differing_only_in_case_is_refused_on_the_screen(app, session, admin_client):
    response = admin_client.post("/users/add", data=_account_form(session, "CANBO.XA"))
    assert response.status_code == 200
    text_ = page_text(response)
    assert _taken_message(app) in text_
    assert "Văn Trùng" in response.data.decode()  # the typed values stay in the form
    assert _named(session, "canbo.xa") == ["canbo.xa"]
    login(app.test_client(), "canbo.xa")


def test_a_taken_name_typed_decomposed_is_refused_without_sql(app, session, admin_client, nguyen):
    response = admin_client.post("/users/add", data=_account_form(session, _nfd("nguyễn")))
    assert response.status_code == 200
    body = page_text(response)
    assert _taken_message(app) in body
    assert "IntegrityError" not in body and "scrypt" not in body
    assert "Văn Trùng" in response.data.decode()
    assert _named(session, "nguyễn") == ["nguyễn"]


def test_editing_a_name_into_a_taken_one_is_refused(app, session, admin_client, nguyen):
    other = session.query(AppUser).filter_by(username="xem").one()
    for typed in (_nfd("Nguyễn"), "NGUYỄN"):
        data = _account_form(session, typed, email=other.email)
        data.pop("password"), data.pop("conf_password")
        response = admin_client.post(f"/users/edit/{other.id}", data=data)
        assert response.status_code == 200, typed
        body = page_text(response)
        assert _taken_message(app) in body and "IntegrityError" not in body
    session.expire_all()
    assert session.get(AppUser, other.id).username == "xem"
    # Its own name, typed in capitals and decomposed, is not "another account's".
    data = _account_form(session, _nfd("NGUYỄN"), email=nguyen.email, first_name="Văn")
    data.pop("password"), data.pop("conf_password")
    assert admin_client.post(f"/users/edit/{nguyen.id}", data=data).status_code == 302
    session.expire_all()
    assert session.get(AppUser, nguyen.id).username == "NGUYỄN"


def test_a_database_refusal_on_the_user_screen_is_the_plain_message(
    app, session, admin_client, nguyen, monkeypatch
):
    # Past the rule (as in a race with another save): the unique index refuses the insert.
    monkeypatch.setattr("app.security.manager.username_problem", lambda *args: None)
    response = admin_client.post(
        "/users/add", data=_account_form(session, _nfd("nguyễn")), follow_redirects=True
    )
    body = page_text(response)
    from app.security.manager import NOT_SAVED

    assert _worded(app, lambda: NOT_SAVED) in body
    assert "IntegrityError" not in body and "scrypt" not in body and "INSERT" not in body
    assert _named(session, "nguyễn") == ["nguyễn"]


def test_the_user_api_refuses_a_name_differing_only_in_case(app, session, nguyen):
    from tests.api.test_catalogue_api import token

    api = app.test_client()
    headers = token(api, "admin")
    viewer = session.query(Role).filter_by(name=roles.VIEWER).one()
    body = {"username": "TOCHUC", "first_name": "Tổ", "last_name": "Chức",
            "email": "tochuc.hoa@songlam.gov.vn", "active": True, "roles": [viewer.id],
            "password": "Mat-khau-2025"}  # fmt: skip
    for name in ("TOCHUC", _nfd("nguyễn")):
        answer = api.post("/api/v1/security/users/", json={**body, "username": name},
                          headers=headers)  # fmt: skip
        assert answer.status_code == 422, name
        assert answer.json["message"] == _taken_message(app)
    assert _named(session, "tochuc") == ["tochuc"]
    other = session.query(AppUser).filter_by(username="xem").one()
    answer = api.put(f"/api/v1/security/users/{other.id}", json={"username": "TOCHUC"},
                     headers=headers)  # fmt: skip
    assert answer.status_code == 422
    assert answer.json["message"] == _taken_message(app)
    answer = api.put(f"/api/v1/security/users/{other.id}", json={"username": _nfd("nguyễn"),
                     "roles": [viewer.id]}, headers=headers)  # fmt: skip
    assert answer.status_code == 422
    assert answer.json["message"] == _taken_message(app)
    session.expire_all()
    assert session.get(AppUser, other.id).username == "xem"


def _history_message(app, session, user):
    from app.domain.users import user_delete_problems

    with app.test_request_context("/"):
        return " ".join(str(p) for p in user_delete_problems(session, user))


def test_deleting_an_account_with_a_history_says_why(app, session, admin_client):
    council = session.query(AppUser).filter_by(username="hoidong").one()
    expected = _history_message(app, session, council)
    assert expected
    response = admin_client.post(f"/users/delete/{council.id}", follow_redirects=True)
    assert expected in page_text(response)
    assert session.query(AppUser).filter_by(username="hoidong").count() == 1

    from tests.api.test_catalogue_api import token

    api = app.test_client()
    answer = api.delete(f"/api/v1/security/users/{council.id}", headers=token(api, "admin"))
    assert answer.status_code == 422
    assert answer.json["message"] == expected
    assert session.query(AppUser).filter_by(username="hoidong").count() == 1
    login(app.test_client(), "hoidong")


def test_an_account_without_a_history_can_be_deleted(session, admin_client):
    fresh = AppUser(first_name="Xóa", last_name="Được", username="xoa.duoc",
                    email="xoa.duoc@songlam.gov.vn", active=True)  # fmt: skip
    session.add(fresh)
    session.commit()
    admin_client.post(f"/users/delete/{fresh.id}")
    assert session.query(AppUser).filter_by(username="xoa.duoc").count() == 0
