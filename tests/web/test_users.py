"""Users carry a unit; unit-bound roles without a unit are refused."""

from app.models import AppUser
from app.security import roles
from tests.helpers import page_text


def test_user_list_shows_the_unit_column(session, admin_client):
    text = page_text(admin_client.get("/users/list/"))
    assert "Đơn vị" in text
    staff = session.query(AppUser).filter_by(username="canbo.xa").one()
    assert staff.unit.name in text


def test_unit_staff_without_unit_is_refused(session, admin_client):
    from flask_appbuilder.security.sqla.models import Role

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
