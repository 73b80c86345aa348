"""Units and unit types: the tree, Vietnamese order, row scoping and bad input."""

from app.domain.text import vi_sort_key
from app.models import Unit, UnitType
from tests.helpers import one, page_text, select_options


def test_units_list_in_vietnamese_alphabetical_order(session, admin_client):
    names = [name for (name,) in session.query(Unit.name).order_by(Unit.name_sort)]
    assert names == sorted(names, key=vi_sort_key)
    text = page_text(admin_client.get("/unitview/list/?psize_UnitView=100"))
    positions = [text.find(n) for n in names[:20] if n in text]
    assert positions == sorted(positions)
    assert "Đơn vị" in text


def test_filter_by_parent_shows_the_units_under_it(session, admin_client):
    district = session.query(Unit).filter(Unit.children.any(), Unit.parent_id.isnot(None)).first()
    assert district is not None, "the demo needs a unit with units under it below the province"
    text = page_text(admin_client.get(f"/unitview/list/?_flt_0_parent={district.id}"))
    for child in district.children:
        assert child.name in text


def test_duplicate_code_is_refused_and_the_form_keeps_what_was_typed(session, organiser_client):
    existing = session.query(Unit).filter(Unit.code == "SNV").one()
    before = session.query(Unit).count()
    response = organiser_client.post(
        "/unitview/add",
        data={
            "code": "snv",
            "name": "Đơn vị thử nghiệm trùng mã",
            "unit_type": existing.unit_type_id,
        },
    )
    assert response.status_code == 200
    text = page_text(response)
    assert "Đơn vị thử nghiệm trùng mã" in response.data.decode()
    assert "đã được đơn vị khác sử dụng" in text
    session.expire_all()
    assert session.query(Unit).count() == before


def test_a_unit_cannot_go_under_its_own_descendant(session, organiser_client):
    province = session.query(Unit).filter(Unit.parent_id.is_(None), Unit.children.any()).first()
    child = province.children[0]
    response = organiser_client.post(
        f"/unitview/edit/{province.id}",
        data={
            "code": province.code,
            "name": province.name,
            "unit_type": province.unit_type_id,
            "parent": child.id,
            "active": "y",
        },
    )
    assert response.status_code == 200
    assert "không thể" in page_text(response).lower()
    session.expire_all()
    assert session.get(Unit, province.id).parent_id is None


def test_organiser_adds_a_unit_with_decomposed_vietnamese_stored_composed(
    session, organiser_client
):
    import unicodedata

    unit_type = one(session, UnitType, code="XA")
    name = unicodedata.normalize("NFD", "Xã Đồng Thử Nghiệm")
    response = organiser_client.post(
        "/unitview/add",
        data={"code": "XATEST1", "name": name, "unit_type": unit_type.id, "active": "y"},
    )
    assert response.status_code == 302
    unit = one(session, Unit, code="XATEST1")
    assert unit.name == "Xã Đồng Thử Nghiệm"
    assert unit.name_sort == vi_sort_key("Xã Đồng Thử Nghiệm")


def test_unit_staff_sees_only_their_own_unit(session, staff_client, client_as):
    from app.models import AppUser

    staff = one(session, AppUser, username="canbo.xa")
    text = page_text(staff_client.get("/unitview/list/"))
    assert staff.unit.name in text
    foreign = (
        session.query(Unit).filter(Unit.id != staff.unit_id, Unit.parent_id.isnot(None)).first()
    )
    assert foreign.name not in text
    response = staff_client.get(f"/unitview/show/{foreign.id}")
    assert response.status_code in (302, 404)


def test_unit_staff_cannot_add_units(session, staff_client):
    unit_type = one(session, UnitType, code="XA")
    before = session.query(Unit).count()
    staff_client.post(
        "/unitview/add", data={"code": "HACK1", "name": "X", "unit_type": unit_type.id}
    )
    session.expire_all()
    assert session.query(Unit).count() == before


def _in_vietnamese_order(names):
    # Đặc khu comes after D (with the D-words), not after Xã as code points would put it.
    assert any(n.startswith("Đ") for n in names) and any(n.startswith("X") for n in names)
    return names == sorted(names, key=vi_sort_key) and names != sorted(names)


def test_unit_dropdowns_of_forms_and_filters_come_in_vietnamese_order(admin_client):
    for url, field in [
        ("/unitview/add", "parent"),
        ("/unitview/add", "successor"),
        ("/roundview/add", "organiser_unit"),
        ("/roundview/add", "units"),
        ("/unitview/list/", "parent"),
    ]:
        names = select_options(admin_client.get(url), field)
        assert _in_vietnamese_order(names), (url, field, names)


def test_a_code_too_long_is_refused_in_vietnamese(session, organiser_client):
    # WTForms formats its length message before FAB's template sees it: only the form's own
    # translations (app/form_translations.py) can put it in Vietnamese.
    existing = session.query(Unit).filter(Unit.code == "SNV").one()
    before = session.query(Unit).count()
    data = {"code": "X" * 40, "name": "Đơn vị thử", "unit_type": existing.unit_type_id}
    response = organiser_client.post("/unitview/add", data=data)
    assert response.status_code == 200
    text = page_text(response)
    assert "Trường này không được dài quá 32 ký tự." in text
    assert "characters" not in text
    assert session.query(Unit).count() == before


def test_a_vietnamese_code_in_another_case_is_a_duplicate(session, organiser_client):
    unit_type = one(session, UnitType, code="XA")
    first = organiser_client.post(
        "/unitview/add", data={"code": "ĐK1", "name": "Đơn vị Đ", "unit_type": unit_type.id}
    )
    assert first.status_code == 302
    before = session.query(Unit).count()
    response = organiser_client.post(
        "/unitview/add", data={"code": "đk1", "name": "Đơn vị đ thường", "unit_type": unit_type.id}
    )
    assert response.status_code == 200
    assert "Đơn vị đ thường" in response.data.decode()
    assert "Mã đơn vị đk1 đã được đơn vị khác sử dụng" in page_text(response)
    session.expire_all()
    assert session.query(Unit).count() == before


def test_a_unit_type_code_in_another_case_is_a_duplicate(session, organiser_client):
    existing = session.query(UnitType).first()
    before = session.query(UnitType).count()
    for code in (existing.code.lower(), existing.code.upper()):
        if code == existing.code:
            continue
        response = organiser_client.post(
            "/unittypeview/add", data={"code": code, "name": "Loại thử trùng mã"}
        )
        assert response.status_code == 200
        assert "Loại thử trùng mã" in response.data.decode()
        assert "Mã này đã được loại đơn vị khác sử dụng." in page_text(response)
    session.expire_all()
    assert session.query(UnitType).count() == before
