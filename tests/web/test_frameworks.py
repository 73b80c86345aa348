"""Criteria frameworks: master-detail, the tree, freeze, copy, frozen edits refused."""

from decimal import Decimal

from app.domain.criteria_tree import code_sort_key
from app.models import Criterion, Framework, UnitType
from tests.helpers import one, page_text
from tests.web.appraisal_web import said


def _draft_framework(session, code, year=2030):
    """A small, balanced, unfrozen framework: field 1 (10) = 1.1 (6) + 1.2 (4)."""
    unit_type = one(session, UnitType, code="XA")
    fw = Framework(code=code, name=f"Bộ thử {code}", year=year, unit_type=unit_type, max_points=10)
    session.add(fw)
    session.flush()
    field = Criterion(framework=fw, code="1", sort_key="0001", title="Lĩnh vực 1", max_points=10)
    session.add(field)
    for code, points, step in (("1.1", 6, "0.5"), ("1.2", 4, "0.25")):
        session.add(
            Criterion(
                framework=fw, code=code, sort_key=code_sort_key(code), title=f"Tiêu chí {code}",
                max_points=points, rule="number", step=Decimal(step), parent=field,
            )
        )  # fmt: skip
    session.commit()
    return fw


def test_framework_show_lists_its_criteria_in_code_order(session, organiser_client):
    fw = session.query(Framework).filter(Framework.frozen.is_(True)).first()
    text = page_text(organiser_client.get(f"/frameworkview/show/{fw.id}"))
    assert "Tiêu chí" in text
    tree = page_text(organiser_client.get(f"/frameworkview/tree/{fw.id}"))
    codes = [
        c.code
        for c in session.query(Criterion).filter_by(framework_id=fw.id).order_by(Criterion.sort_key)
    ]
    assert codes[:3] == ["1", "1.1", "1.1.1"]
    assert "Tổng" in tree


def test_tree_shows_the_sum_of_each_level(session, organiser_client):
    fw = _draft_framework(session, "FW-SUM")
    tree = organiser_client.get(f"/frameworkview/tree/{fw.id}")
    assert tree.status_code == 200
    assert "Lĩnh vực 1" in page_text(tree)


def test_freeze_refuses_children_not_adding_up(session, organiser_client):
    fw = _draft_framework(session, "FW-BAD")
    child = one(session, Criterion, framework_id=fw.id, code="1.2")
    child.max_points = Decimal("3.5")
    session.commit()
    response = organiser_client.post(
        "/frameworkview/action_post",
        data={"action": "freeze", "rowid": [fw.id]},
        follow_redirects=True,
    )
    assert "1" in page_text(response)
    session.expire_all()
    assert session.get(Framework, fw.id).frozen is False


def test_freeze_then_edits_are_refused(session, organiser_client):
    fw = _draft_framework(session, "FW-OK")
    organiser_client.post("/frameworkview/action_post", data={"action": "freeze", "rowid": [fw.id]})
    session.expire_all()
    assert session.get(Framework, fw.id).frozen is True
    crit = one(session, Criterion, framework_id=fw.id, code="1.1")
    response = organiser_client.post(
        f"/criterionview/edit/{crit.id}",
        data={
            "framework": fw.id,
            "code": "1.1",
            "title": "Đổi tên",
            "max_points": "6",
            "rule": "number",
        },
    )
    assert "Bộ tiêu chí đã được chốt" in page_text(response)
    session.expire_all()
    assert session.get(Criterion, crit.id).title == "Tiêu chí 1.1"


def test_copy_to_next_year_copies_the_whole_tree(session, organiser_client):
    fw = _draft_framework(session, "FW-COPY", year=2031)
    organiser_client.post(
        "/frameworkview/action_post", data={"action": "copy_to_year", "rowid": [fw.id]}
    )
    copy = session.query(Framework).filter(Framework.copied_from_id == fw.id).one()
    assert copy.year == 2032 and copy.frozen is False
    assert sorted(c.code for c in copy.criteria) == ["1", "1.1", "1.2"]


def test_criterion_parent_comes_from_its_code(session, organiser_client):
    fw = _draft_framework(session, "FW-ADD")
    response = organiser_client.post(
        "/criterionview/add",
        data={
            "framework": fw.id, "code": "1.2.1", "title": "Tiêu chí thành phần",
            "max_points": "2,5", "rule": "number", "step": "0,5",
        },
    )  # fmt: skip
    assert response.status_code == 302
    new = one(session, Criterion, framework_id=fw.id, code="1.2.1")
    assert new.parent.code == "1.2" and new.max_points == Decimal("2.5")
    orphan = organiser_client.post(
        "/criterionview/add",
        data={
            "framework": fw.id,
            "code": "9.9",
            "title": "Mồ côi",
            "max_points": "1",
            "rule": "number",
        },
    )
    assert orphan.status_code == 200 and "9" in page_text(orphan)
    assert session.query(Criterion).filter_by(framework_id=fw.id, code="9.9").count() == 0


def test_duplicate_criterion_code_refused(session, organiser_client):
    fw = _draft_framework(session, "FW-DUP")
    response = organiser_client.post(
        "/criterionview/add",
        data={
            "framework": fw.id,
            "code": "1.1",
            "title": "Trùng",
            "max_points": "1",
            "rule": "number",
        },
    )
    assert response.status_code == 200
    assert session.query(Criterion).filter_by(framework_id=fw.id, code="1.1").count() == 1


def test_survey_kind_is_set_on_survey_lines_only(session, organiser_client):
    fw = _draft_framework(session, "FW-SURVEY")
    base = {"framework": fw.id, "title": "Khảo sát", "max_points": "2"}
    organiser_client.post(
        "/criterionview/add", data={**base, "code": "1.3", "rule": "survey", "survey_kind": "SIPAS"}
    )
    assert one(session, Criterion, framework_id=fw.id, code="1.3").survey_kind == "sipas"
    refused = organiser_client.post(
        "/criterionview/add",
        data={**base, "code": "1.4", "rule": "number", "step": "0,5", "survey_kind": "sipas"},
    )
    assert refused.status_code == 200
    assert session.query(Criterion).filter_by(framework_id=fw.id, code="1.4").count() == 0


def _edit_criterion(client, criterion, **changes):
    form = {
        "code": criterion.code, "title": criterion.title, "max_points": str(criterion.max_points),
        "rule": criterion.rule, "step": str(criterion.step or ""), **changes,
    }  # fmt: skip
    return client.post(f"/criterionview/edit/{criterion.id}", data=form)


def _tree(session, fw):
    """{code: parent code} of the framework, as the database holds it."""
    session.expire_all()
    rows = session.query(Criterion).filter_by(framework_id=fw.id).all()
    return {c.code: c.parent.code if c.parent else None for c in rows}


def test_a_field_cannot_take_a_code_under_its_own_criteria(session, organiser_client):
    fw = _draft_framework(session, "FW-LOOP")
    before = _tree(session, fw)
    field = one(session, Criterion, framework_id=fw.id, code="1")
    response = _edit_criterion(organiser_client, field, code="1.1.9")
    assert response.status_code == 200
    assert said(
        response,
        "Code %(code)s would put this criterion under %(parent)s, which is the criterion itself"
        " or sits under it.",
        code="1.1.9",
        parent="1.1",
    )
    assert said(
        response,
        "Criterion %(code)s has criteria under it: change their codes or delete them before"
        " changing its code.",
        code="1",
    )
    assert 'value="1.1.9"' in response.data.decode()
    assert _tree(session, fw) == before


def test_a_criterion_cannot_take_a_code_under_itself(session, organiser_client):
    fw = _draft_framework(session, "FW-SELF")
    before = _tree(session, fw)
    leaf = one(session, Criterion, framework_id=fw.id, code="1.2")
    response = _edit_criterion(organiser_client, leaf, code="1.2.5", title="Đổi tên")
    assert response.status_code == 200
    assert said(
        response,
        "Code %(code)s would put this criterion under %(parent)s, which is the criterion itself"
        " or sits under it.",
        code="1.2.5",
        parent="1.2",
    )
    assert "Đổi tên" in page_text(response)  # the title box keeps what was typed
    assert _tree(session, fw) == before
    assert session.get(Criterion, leaf.id).title == "Tiêu chí 1.2"


def test_a_criterion_without_sub_criteria_can_be_recoded(session, organiser_client):
    fw = _draft_framework(session, "FW-RECODE")
    leaf = one(session, Criterion, framework_id=fw.id, code="1.2")
    response = _edit_criterion(organiser_client, leaf, code="1.1.1")
    assert response.status_code == 302
    assert _tree(session, fw) == {"1": None, "1.1": "1", "1.1.1": "1.1"}


def _add_criterion(client, fw, code, max_points="1"):
    data = {"framework": fw.id, "code": code, "title": "Mới", "max_points": max_points}
    return client.post("/criterionview/add", data={**data, "rule": "number"})


def test_criterion_codes_follow_the_import_rules(session, organiser_client):
    fw = _draft_framework(session, "FW-CODES")
    before = _tree(session, fw)
    same = "Code %(code)s is the same as %(other)s, already used in this framework."
    for code, msgid, values in (
        ("01", same, {"code": "01", "other": "1"}),
        ("1.01", same, {"code": "1.01", "other": "1.1"}),
        ("-1", "Code “%(code)s” must look like 1.2.3.", {"code": "-1"}),
        ("1..2", "Code “%(code)s” must look like 1.2.3.", {"code": "1..2"}),
    ):
        response = _add_criterion(organiser_client, fw, code)
        assert response.status_code == 200, code
        assert said(response, msgid, **values), code
        assert f'value="{code}"' in response.data.decode()  # the typed code is kept
    assert _tree(session, fw) == before


def test_criterion_maximum_must_fit_the_column(session, organiser_client):
    fw = _draft_framework(session, "FW-BIGMAX")
    before = _tree(session, fw)
    response = _add_criterion(organiser_client, fw, "1.3", max_points="99999999")
    assert response.status_code == 200
    assert said(response, "%(value)s is too large.", value="99999999")
    assert _tree(session, fw) == before


def test_freeze_refuses_two_grades_from_the_same_index(session, organiser_client):
    from app.models import GradeBand

    fw = _draft_framework(session, "FW-BANDS")
    session.add_all(
        [
            GradeBand(framework=fw, name="Tốt", min_index=80, position=1),
            GradeBand(framework=fw, name="Khá", min_index=Decimal("80.00"), position=2),
        ]
    )
    session.commit()
    response = organiser_client.post(
        "/frameworkview/action_post",
        data={"action": "freeze", "rowid": [fw.id]},
        follow_redirects=True,
    )
    msgid = (
        "Grade %(other)s already starts at index %(index)s: each grade needs its own minimum index."
    )
    assert said(response, msgid, other="Tốt", index="80")
    session.expire_all()
    assert session.get(Framework, fw.id).frozen is False
