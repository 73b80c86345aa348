"""Rows inside a framework (criteria, grade bands, options, tiers) stay in it: an edit that
would take one out of a frozen framework is refused like any edit of it, and a clash below a
criterion (option key, tier threshold) is named on the form."""

from decimal import Decimal

import pytest

from app.models import Criterion, CriterionOption, CriterionTier, Framework, GradeBand, UnitType
from tests.helpers import one, page_text
from tests.web.appraisal_web import said

FROZEN = "The criteria framework is frozen because a round uses it; copy it to change it."


def framework_with_rows(session, code, frozen=False):
    """Field 1 scored by choice (options a = 10, b = 5), field 2 by tiers (80% -> 10,
    50% -> 5), grade band Tốt from 80."""
    unit_type = one(session, UnitType, code="XA")
    fw = Framework(code=code, name=f"Bộ {code}", year=2033, unit_type=unit_type, max_points=20)
    choice = Criterion(framework=fw, code="1", sort_key="0001", title="Chọn", max_points=10)
    choice.rule = "choice"
    choice.options = [
        CriterionOption(key="a", label="Đạt", points=Decimal(10), position=1),
        CriterionOption(key="b", label="Chưa đạt", points=Decimal(5), position=2),
    ]
    tiers = Criterion(framework=fw, code="2", sort_key="0002", title="Tỷ lệ", max_points=10)
    tiers.rule = "tiers"
    tiers.tiers = [
        CriterionTier(min_percent=Decimal(80), points=Decimal(10)),
        CriterionTier(min_percent=Decimal(50), points=Decimal(5)),
    ]
    fw.grade_bands = [GradeBand(name="Tốt", min_index=Decimal(80), position=1)]
    fw.frozen = frozen
    session.add(fw)
    session.commit()
    return fw


def snapshot(session, fw):
    """Everything a framework holds, as the database has it."""
    session.expire_all()
    criteria = session.query(Criterion).filter_by(framework_id=fw.id).order_by(Criterion.code)
    rows = []
    for c in criteria:
        rows.append((c.code, c.title, c.max_points, c.rule))
        rows += [(c.code, o.key, o.label, o.points) for o in c.options]
        rows += [(c.code, t.min_percent, t.points) for t in c.tiers]
    bands = session.query(GradeBand).filter_by(framework_id=fw.id)
    rows += [(b.name, b.min_index, b.position) for b in bands]
    return rows


def _criterion(session, fw, code):
    return one(session, Criterion, framework_id=fw.id, code=code)


# (view, the row of `fw` to edit, the form, the field that would move it, where to) per kind.
def _criterion_edit(session, fw, other):
    row = _criterion(session, fw, "1")
    form = {"code": "1", "title": "Đã chuyển", "max_points": "10", "rule": "choice"}
    return "criterionview", row, form, {"framework": other.id}


def _band_edit(session, fw, other):
    row = one(session, GradeBand, framework_id=fw.id)
    form = {"name": "Đã chuyển", "min_index": "70", "position": "1"}
    return "gradebandview", row, form, {"framework": other.id}


def _option_edit(session, fw, other):
    row = one(session, CriterionOption, criterion_id=_criterion(session, fw, "1").id, key="a")
    form = {"key": "moi", "label": "Đạt", "points": "1", "position": "1"}
    return "criterionoptionview", row, form, {"criterion": _criterion(session, other, "1").id}


def _tier_edit(session, fw, other):
    row = one(session, CriterionTier, criterion_id=_criterion(session, fw, "2").id, points=10)
    form = {"min_percent": "90", "points": "1"}
    return "criteriontierview", row, form, {"criterion": _criterion(session, other, "2").id}


KINDS = {"criterion": _criterion_edit, "band": _band_edit, "option": _option_edit,
         "tier": _tier_edit}  # fmt: skip


@pytest.mark.parametrize("kind", KINDS)
def test_a_row_cannot_be_taken_out_of_a_frozen_framework(session, organiser_client, kind):
    frozen = framework_with_rows(session, f"FW-OUT-{kind}", frozen=True)
    draft = framework_with_rows(session, f"FW-IN-{kind}")
    before, draft_before = snapshot(session, frozen), snapshot(session, draft)
    view, row, form, move = KINDS[kind](session, frozen, draft)
    response = organiser_client.post(f"/{view}/edit/{row.id}", data={**form, **move})
    assert response.status_code == 200
    assert said(response, FROZEN)
    assert snapshot(session, frozen) == before
    assert snapshot(session, draft) == draft_before


@pytest.mark.parametrize("kind", KINDS)
def test_the_edit_form_does_not_move_a_row(session, organiser_client, kind):
    home = framework_with_rows(session, f"FW-HOME-{kind}")
    other = framework_with_rows(session, f"FW-AWAY-{kind}")
    other_before = snapshot(session, other)
    view, row, form, move = KINDS[kind](session, home, other)
    page = organiser_client.get(f"/{view}/edit/{row.id}")
    assert f'name="{next(iter(move))}"' not in page.data.decode()
    organiser_client.post(f"/{view}/edit/{row.id}", data={**form, **move})  # forged field
    assert snapshot(session, other) == other_before
    session.expire_all()
    stored = session.get(type(row), row.id)
    owner = stored.framework if hasattr(stored, "framework") else stored.criterion.framework
    assert owner.id == home.id


def test_a_duplicate_option_key_is_named(session, organiser_client):
    fw = framework_with_rows(session, "FW-OPT-DUP")
    before = snapshot(session, fw)
    choice = _criterion(session, fw, "1")
    message = "Option key %(key)s is already used for this criterion."
    added = organiser_client.post(
        "/criterionoptionview/add",
        data={
            "criterion": choice.id,
            "key": "a",
            "label": "Lặp lại",
            "points": "2",
            "position": "3",
        },
    )
    assert added.status_code == 200 and said(added, message, key="a")
    assert 'value="Lặp lại"' in added.data.decode()
    second = one(session, CriterionOption, criterion_id=choice.id, key="b")
    edited = organiser_client.post(
        f"/criterionoptionview/edit/{second.id}",
        data={"key": "a ", "label": "Chưa đạt", "points": "5", "position": "2"},
    )
    assert edited.status_code == 200 and said(edited, message, key="a")
    assert snapshot(session, fw) == before


def test_the_same_key_under_another_criterion_is_fine(session, organiser_client):
    fw = framework_with_rows(session, "FW-OPT-OK")
    tiers = _criterion(session, fw, "2")
    response = organiser_client.post(
        "/criterionoptionview/add",
        data={"criterion": tiers.id, "key": "a", "label": "Khác", "points": "1", "position": "1"},
    )
    assert response.status_code == 302
    assert one(session, CriterionOption, criterion_id=tiers.id).key == "a"


def test_a_duplicate_tier_is_named(session, organiser_client):
    fw = framework_with_rows(session, "FW-TIER-DUP")
    before = snapshot(session, fw)
    tiers = _criterion(session, fw, "2")
    message = "This criterion already has a tier from %(percent)s."
    added = organiser_client.post(
        "/criteriontierview/add",
        data={"criterion": tiers.id, "min_percent": "80,00", "points": "7,5"},
    )
    assert added.status_code == 200 and said(added, message, percent="80%")
    assert 'value="7,5"' in added.data.decode()
    lower = one(session, CriterionTier, criterion_id=tiers.id, points=5)
    edited = organiser_client.post(
        f"/criteriontierview/edit/{lower.id}", data={"min_percent": "80", "points": "5"}
    )
    assert edited.status_code == 200 and said(edited, message, percent="80%")
    assert snapshot(session, fw) == before
    assert "Không lưu được bản ghi" not in page_text(edited)
