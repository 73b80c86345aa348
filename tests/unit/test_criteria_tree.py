"""Framework tree rules: code order, loops, maxima that add up, freezing checks, yearly copy."""

from decimal import Decimal
from types import SimpleNamespace

import pytest
from flask_appbuilder import Model
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

import app.models  # noqa: F401  (registers every table before create_all)
from app.domain import framework_rows, frameworks, policy
from app.domain.criteria_tree import (
    check_parent,
    code_sort_key,
    copy_framework,
    freeze_problems,
    parent_code,
    sum_problems,
)
from app.models.criteria import (
    Criterion,
    CriterionOption,
    CriterionTier,
    Framework,
    GradeBand,
)
from app.models.units import UnitType
from app.security import roles

D = Decimal  # short, so the rule tables stay readable

# --- codes ---------------------------------------------------------------------------------


def test_code_sort_key_pads_segments():
    assert code_sort_key("1.10") == "0001.0010"
    assert code_sort_key(" 1.10. ") == "0001.0010"
    assert code_sort_key("01.2") == code_sort_key("1.2")
    assert code_sort_key("1.A") == "0001.a"


def test_codes_sort_in_reading_order():
    codes = ["2", "1.10", "1.9", "1.99", "1", "1.2.1", "1.2", "10", "1.b", "1.a", "3.1"]
    assert sorted(codes, key=code_sort_key) == [
        "1", "1.2", "1.2.1", "1.9", "1.10", "1.99", "1.a", "1.b", "2", "3.1", "10",
    ]  # fmt: skip


@given(st.lists(st.lists(st.integers(0, 9999), min_size=1, max_size=4), min_size=2, max_size=8))
def test_numeric_codes_sort_like_tuples(paths):
    codes = [".".join(map(str, path)) for path in paths]
    by_key = sorted(codes, key=code_sort_key)
    by_tuple = sorted(codes, key=lambda c: tuple(int(p) for p in c.split(".")))
    assert by_key == by_tuple


@pytest.mark.parametrize(
    "code, parent", [("1.2.3", "1.2"), ("1.2", "1"), ("1", None), ("", None), ("7.1.", "7")]
)
def test_parent_code(code, parent):
    assert parent_code(code) == parent


# --- loops ---------------------------------------------------------------------------------

# 1 > 2 > 3, and 4 on its own.
PARENT_OF = {1: None, 2: 1, 3: 2, 4: None}


def test_moving_under_a_sibling_or_to_the_top_is_fine():
    assert check_parent(3, 4, PARENT_OF) is None
    assert check_parent(2, None, PARENT_OF) is None
    assert check_parent(4, 3, PARENT_OF) is None


def test_self_parent_is_refused():
    assert "own parent" in check_parent(2, 2, PARENT_OF)


@pytest.mark.parametrize("node, new_parent", [(1, 3), (1, 2), (2, 3)])
def test_parent_below_the_node_is_a_loop(node, new_parent):
    assert "loop" in check_parent(node, new_parent, PARENT_OF)


def test_a_loop_already_in_the_data_does_not_hang():
    assert check_parent(9, 5, {5: 6, 6: 5, 9: None}) is None


# --- sums ----------------------------------------------------------------------------------


def node(id_, parent, code, max_points, rule="number"):
    return {"id": id_, "parent_id": parent, "code": code, "max_points": D(max_points), "rule": rule}


GOOD_TREE = [
    node(1, None, "1", "10"),
    node(2, 1, "1.1", "4"),
    node(3, 1, "1.2", "6"),
    node(4, 3, "1.2.1", "2.5"),
    node(5, 3, "1.2.2", "3.5"),
    node(6, 1, "1.3", "1", "bonus"),  # bonus lines do not count towards the maximum
    node(7, None, "2", "90"),
    node(8, None, "3", "2", "penalty"),
]


def test_a_tree_that_adds_up_has_no_problems():
    assert sum_problems(GOOD_TREE, framework_max=D(100)) == []


def test_objects_work_as_well_as_dicts():
    objects = [SimpleNamespace(**n) for n in GOOD_TREE]
    assert sum_problems(objects, D(100)) == []


def test_wrong_sums_name_the_code_and_both_numbers():
    tree = [dict(n) for n in GOOD_TREE]
    tree[1]["max_points"] = D("4.5")  # 1.1: the children of 1 now make 10.5
    tree[4]["max_points"] = D(4)  # 1.2.2: the children of 1.2 now make 6.5
    problems = sum_problems(tree, framework_max=D("99.5"))
    assert problems == [
        "1: its sub-items add up to 10,5 points, but its maximum points are 10.",
        "1.2: its sub-items add up to 6,5 points, but its maximum points are 6.",
        "The fields add up to 100 points, but the framework's maximum is 99,5.",
    ]


def test_children_of_a_bonus_heading_are_counted():
    tree = [node(1, None, "9", "2", "bonus"), node(2, 1, "9.1", "1", "bonus")]
    tree.append(node(3, 1, "9.2", "1", "bonus"))
    assert sum_problems(tree) == []


# --- database: freeze checks and copy ------------------------------------------------------


@pytest.fixture()
def session():
    engine = create_engine("sqlite://")
    Model.metadata.create_all(engine)
    with Session(engine) as db:
        yield db
    engine.dispose()


def make_framework(db, frozen=False):
    unit_type = UnitType(code="SO", name="Sở, ban, ngành")
    fw = Framework(code="SO-2024", name="Bộ tiêu chí 2024", year=2024, unit_type=unit_type)
    fw.max_points, fw.frozen, fw.legal_basis = D(10), frozen, "Quyết định 1/2024"
    field = Criterion(code="1", title="Công tác chỉ đạo", max_points=D(10), framework=fw)
    plan = Criterion(
        code="1.1", title="Kế hoạch CCHC", max_points=D(1), rule="choice", parent=field
    )
    plan.options = [
        CriterionOption(key="dung_han", label="Đúng hạn", points=D(1), position=1),
        CriterionOption(key="tre_han", label="Trễ hạn", points=D("0.5"), position=2),
    ]
    done = Criterion(code="1.2", title="Thực hiện kế hoạch", max_points=D(2), rule="tiers")
    done.tiers = [
        CriterionTier(min_percent=D(90), points=D(2)),
        CriterionTier(min_percent=D(70), points=D(1)),
    ]
    work = Criterion(code="1.10", title="Chấm điểm", max_points=D(7), step=D("0.5"))
    bonus = Criterion(code="1.11", title="Sáng kiến", max_points=D(1), rule="bonus")
    for child in (done, work, bonus):
        child.framework, child.parent = fw, field
    plan.framework = fw
    fw.grade_bands = [
        GradeBand(name="Xuất sắc", min_index=D(90), field_floor=D(70), position=1),
        GradeBand(name="Tốt", min_index=D(80), position=2),
    ]
    db.add(fw)
    db.commit()
    return fw


def test_a_complete_framework_can_be_frozen(session):
    assert freeze_problems(make_framework(session)) == []


def test_freeze_problems_lists_sums_and_rules(session):
    fw = make_framework(session)
    plan = next(c for c in fw.criteria if c.code == "1.1")
    plan.options[0].points = D(3)
    work = next(c for c in fw.criteria if c.code == "1.10")
    work.max_points = D(6)
    problems = freeze_problems(fw)
    assert "1: its sub-items add up to 9 points, but its maximum points are 10." in problems
    assert "The fields add up to 10 points" not in " ".join(problems)
    assert "1.1: Option “dung_han” must give between 0 and 1 points." in problems


def test_an_empty_framework_cannot_be_frozen(session):
    fw = Framework(code="X", name="X", year=2025, unit_type=UnitType(code="X", name="X"))
    assert freeze_problems(fw) == ["The framework has no criteria."]


def test_copy_framework_is_a_deep_unfrozen_copy(session):
    old = make_framework(session, frozen=True)
    new = copy_framework(session, old, 2025, "SO-2025", "Bộ tiêu chí 2025")
    session.commit()
    assert (new.code, new.name, new.year) == ("SO-2025", "Bộ tiêu chí 2025", 2025)
    assert new.id != old.id and new.copied_from_id == old.id
    assert new.frozen is False and new.frozen_at is None
    assert (new.max_points, new.unit_type_id, new.legal_basis) == (
        old.max_points,
        old.unit_type_id,
        old.legal_basis,
    )
    by_code = {c.code: c for c in new.criteria}
    assert set(by_code) == {c.code for c in old.criteria}
    old_ids = {c.id for c in old.criteria}
    for criterion in new.criteria:
        assert criterion.id not in old_ids and criterion.framework_id == new.id
        assert criterion.sort_key == code_sort_key(criterion.code)
        expected_parent = parent_code(criterion.code)
        assert (criterion.parent.code if criterion.parent else None) == expected_parent
        if criterion.parent:
            assert criterion.parent.framework_id == new.id
    assert by_code["1.10"].step == D("0.5") and by_code["1.11"].rule == "bonus"
    plan = by_code["1.1"]
    assert [(o.key, o.points) for o in plan.options] == [("dung_han", 1), ("tre_han", D("0.5"))]
    assert [(t.min_percent, t.points) for t in by_code["1.2"].tiers] == [(90, 2), (70, 1)]
    assert {(b.name, b.min_index, b.field_floor) for b in new.grade_bands} == {
        ("Xuất sắc", 90, 70),
        ("Tốt", 80, None),
    }
    # The source is untouched.
    session.expire_all()
    assert len(old.criteria) == 5 and old.frozen is True
    assert all(c.framework_id == old.id for c in old.criteria)
    assert len(next(c for c in old.criteria if c.code == "1.1").options) == 2
    assert freeze_problems(new) == []


# --- rows stay in their framework ----------------------------------------------------------


def _moves(db, frozen):
    """Each kind of row of make_framework's framework, moved into a second, draft one."""
    fw = make_framework(db, frozen=frozen)
    other = Framework(code="SO-2025", name="Bộ 2025", year=2025, unit_type=fw.unit_type)
    target = Criterion(code="1", title="Lĩnh vực", max_points=D(10), framework=other)
    db.add(other)
    db.commit()
    by_code = {c.code: c for c in fw.criteria}
    rows = [by_code["1.10"], fw.grade_bands[0], by_code["1.1"].options[0], by_code["1.2"].tiers[0]]
    # As a form or a PUT applies its values: without flushing them (the checks come first).
    with db.no_autoflush:
        rows[0].framework, rows[1].framework = other, other
        rows[2].criterion, rows[3].criterion = target, target
    return rows


def test_a_saved_row_cannot_be_moved_to_another_framework_or_criterion(session):
    criterion, band, option, tier = _moves(session, frozen=False)
    for row, check, words in (
        (criterion, frameworks.prepare_criterion, "criterion cannot be moved"),
        (band, frameworks.grade_band_problems, "grade band cannot be moved"),
        (option, frameworks.option_problems, "option cannot be moved"),
        (tier, frameworks.tier_problems, "tier cannot be moved"),
    ):
        problems = check(session, row)
        assert len(problems) == 1 and words in problems[0]


def test_moving_a_row_out_of_a_frozen_framework_is_refused_as_editing_it(session):
    organiser = SimpleNamespace(
        is_authenticated=True, roles=[SimpleNamespace(name=roles.ORGANISER)]
    )
    for row in _moves(session, frozen=True):
        assert framework_rows.touches_frozen(row)
        decision = policy.check(organiser, policy.EDIT, row)
        assert not decision and "frozen" in str(decision.reason)


def test_rows_left_in_a_draft_framework_are_not_frozen(session):
    fw = make_framework(session)
    rows = [*fw.criteria, *fw.grade_bands, *fw.criteria[0].options]
    assert not any(framework_rows.touches_frozen(row) for row in rows)
