"""The demo province's data is consistent: codes, tree sums, rules, grades and accounts.

Pure data: no app, no database.
"""

from collections import Counter
from decimal import Decimal

import pytest

from app.demo import framework as fw
from app.demo import people
from app.demo import units as demo_units
from app.domain.rule_check import validate_rule
from app.domain.scoring import Option, Rule, Tier
from app.models.appraisal import MEMBER_ROLES
from app.models.criteria import RULE_BONUS, RULE_KINDS, RULE_PENALTY, RULE_SURVEY
from app.security import roles

OUTSIDE_MAXIMUM = (RULE_BONUS, RULE_PENALTY)


def dec(value):
    return Decimal(str(value))


def parent_of(code):
    return code.rsplit(".", 1)[0] if "." in code else None


def rule_of(row):
    return row[3] if len(row) > 3 else None


def leaves(rows):
    parents = {parent_of(row[0]) for row in rows}
    return [row for row in rows if row[0] not in parents]


# --- units ------------------------------------------------------------------------------------


UNITS = demo_units.all_units()
BY_CODE = {u["code"]: u for u in UNITS}
TYPE_CODES = {code for code, _name in demo_units.UNIT_TYPES}


def test_unit_codes_are_unique_and_short():
    codes = [u["code"] for u in UNITS]
    assert len(codes) == len(set(c.lower() for c in codes))
    assert all(0 < len(c) <= 32 for c in codes)
    assert len(TYPE_CODES) == len(demo_units.UNIT_TYPES)


def test_unit_tree_is_well_formed():
    seen = set()
    for unit in UNITS:
        assert unit["type"] in TYPE_CODES, unit
        assert unit["name"].strip() == unit["name"] and unit["name"], unit
        if unit["parent"] is None:
            assert unit["code"] == demo_units.PROVINCE_CODE
        else:
            assert unit["parent"] in seen, f"{unit['code']}: parent listed after it"
        seen.add(unit["code"])
    assert [u["code"] for u in UNITS if u["parent"] is None] == [demo_units.PROVINCE_CODE]


def test_merged_units_point_to_an_active_successor():
    merged = [u for u in UNITS if u["successor"]]
    assert merged
    for unit in merged:
        assert not unit["active"], unit
        successor = BY_CODE[unit["successor"]]
        assert successor["active"] and successor["type"] == unit["type"], unit


def test_province_shape_after_july_2025():
    active = [u for u in UNITS if u["active"]]
    communes = [u for u in active if u["type"] == demo_units.COMMUNE_TYPE]
    departments = [u for u in active if u["type"] == demo_units.DEPARTMENT_TYPE]
    assert 35 <= len(communes) <= 45
    assert all(u["parent"] == demo_units.PROVINCE_CODE for u in communes)
    assert {u["name"].split()[0] for u in communes} == {"Xã", "Phường", "Đặc"}
    assert 13 <= len(departments) <= 17
    organiser = BY_CODE[demo_units.ORGANISER_CODE]
    assert organiser["active"] and organiser["name"] == "Sở Nội vụ"
    # The former district: inactive, with former communes under it (a deeper tree).
    districts = [u for u in UNITS if u["type"] == "HUYEN"]
    assert districts and not any(u["active"] for u in districts)
    under = [u for u in UNITS if u["parent"] == districts[0]["code"] and u["type"] == "XA"]
    assert 3 <= len(under) <= 4


# --- frameworks -------------------------------------------------------------------------------


FRAMEWORKS = {"commune": fw.COMMUNE_FRAMEWORK, "department": fw.DEPARTMENT_FRAMEWORK}


@pytest.fixture(params=sorted(FRAMEWORKS))
def spec(request):
    return FRAMEWORKS[request.param]


def test_framework_codes_are_unique_with_parents(spec):
    codes = [row[0] for row in spec["criteria"]]
    assert len(codes) == len(set(codes))
    seen = set()
    for code in codes:
        assert parent_of(code) is None or parent_of(code) in seen, code
        seen.add(code)
    assert set(spec["guidance"]) <= set(codes)
    assert spec["unit_type"] in TYPE_CODES


def test_every_parent_is_the_sum_of_its_children(spec):
    rows = spec["criteria"]
    maxima = {row[0]: dec(row[2]) for row in rows}
    counted = {row[0] for row in rows if (rule_of(row) or {}).get("rule") not in OUTSIDE_MAXIMUM}
    sums = Counter()
    for code in counted:
        sums[parent_of(code)] += maxima[code]
    for parent, total in sums.items():
        if parent is not None:
            assert total == maxima[parent], f"{parent}: children add up to {total}"
    assert sums[None] == dec(spec["max_points"]) == 100


def test_headings_have_no_rule_and_lines_have_a_valid_one(spec):
    rows = spec["criteria"]
    lines = {row[0] for row in leaves(rows)}
    for row in rows:
        rule = rule_of(row)
        if row[0] not in lines:
            assert rule is None, f"{row[0]} has children, it cannot carry a rule"
            continue
        assert rule is not None and rule["rule"] in RULE_KINDS, row[0]
        assert set(row[4]) <= {"E", "N"}, row[0]
        parsed = Rule(
            kind=rule["rule"],
            max_points=dec(row[2]),
            step=dec(rule["step"]) if "step" in rule else None,
            options=tuple(Option(k, label, dec(p)) for k, label, p in rule.get("options", ())),
            tiers=tuple(Tier(dec(low), dec(p)) for low, p in rule.get("tiers", ())),
            per_occurrence=dec(rule["per_occurrence"]) if "per_occurrence" in rule else None,
            floor=dec(rule["floor"]) if "floor" in rule else None,
        )
        assert validate_rule(parsed) == [], row[0]
        # The best choice or tier earns the full points; the worst earns none.
        if parsed.options:
            assert max(o.points for o in parsed.options) == parsed.max_points, row[0]
            assert min(o.points for o in parsed.options) == 0, row[0]
        if parsed.tiers:
            assert max(t.points for t in parsed.tiers) == parsed.max_points, row[0]
            assert min(t.min_percent for t in parsed.tiers) == 0, row[0]


def test_grade_bands(spec):
    bands = spec["grade_bands"]
    names = [name for name, _low, _floor in bands]
    assert names == ["Xuất sắc", "Tốt", "Khá", "Trung bình", "Yếu"]
    lows = [low for _name, low, _floor in bands]
    assert lows == sorted(lows, reverse=True) and lows[-1] == 0
    assert bands[0][1:] == (90, 70)


def test_commune_framework_size_and_survey_points():
    rows = fw.COMMUNE_CRITERIA
    depth = Counter(row[0].count(".") for row in rows)
    assert depth[0] == 8
    assert 35 <= depth[1] <= 45
    assert 90 <= depth[2] <= 110
    survey = sum(dec(row[2]) for row in rows if (rule_of(row) or {}).get("rule") == RULE_SURVEY)
    assert survey == 35


def test_commune_framework_uses_every_rule_kind_and_flag():
    lines = leaves(fw.COMMUNE_CRITERIA)
    assert {rule_of(row)["rule"] for row in lines} == set(RULE_KINDS)
    steps = {rule_of(row).get("step") for row in lines if rule_of(row)["rule"] == "number"}
    assert steps and steps <= {0.25, 0.5}
    assert any("N" in row[4] for row in lines)
    assert any("E" in row[4] for row in lines)
    # Survey lines are not self-scored, so they neither need evidence nor can be skipped.
    assert not any(row[4] for row in lines if rule_of(row)["rule"] == RULE_SURVEY)


def test_department_framework_is_small():
    rows = fw.DEPARTMENT_CRITERIA
    fields = [row[0] for row in rows if "." not in row[0]]
    assert len(fields) == 8
    for field in fields:
        assert 2 <= sum(1 for row in rows if parent_of(row[0]) == field) <= 5


# --- accounts ---------------------------------------------------------------------------------


ACCOUNTS = {a["username"]: a for a in people.PEOPLE}


def test_every_role_has_a_demo_account():
    held = {role for person in people.PEOPLE for role in person["roles"]}
    assert held == set(roles.ALL_ROLES) - {roles.PUBLIC}
    expected = {
        "admin": roles.ADMIN,
        "tochuc": roles.ORGANISER,
        "lanhdao.xa": roles.UNIT_LEADER,
        "canbo.xa": roles.UNIT_STAFF,
        "canbo.xa2": roles.UNIT_STAFF,
        "giupviec": roles.SUPPORT_MEMBER,
        "thamdinh": roles.APPRAISER,
        "totruong": roles.TEAM_LEADER,
        "hoidong": roles.COUNCIL,
        "xem": roles.VIEWER,
    }
    assert {name: a["roles"] for name, a in ACCOUNTS.items()} == {
        name: [role] for name, role in expected.items()
    }


def test_accounts_are_unique_and_belong_to_active_units():
    assert len(ACCOUNTS) == len(people.PEOPLE)
    emails = [a["email"].lower() for a in people.PEOPLE]
    assert len(emails) == len(set(emails))
    assert all(e.endswith("@" + people.EMAIL_DOMAIN) for e in emails)
    for account in people.PEOPLE:
        assert account["first_name"] and account["last_name"], account["username"]
        if set(account["roles"]) & set(roles.UNIT_BOUND_ROLES):
            assert account["unit"], account["username"]
        if account["unit"]:
            assert BY_CODE[account["unit"]]["active"], account["username"]
    assert ACCOUNTS["lanhdao.xa"]["unit"] == ACCOUNTS["canbo.xa"]["unit"]
    assert ACCOUNTS["canbo.xa2"]["unit"] != ACCOUNTS["canbo.xa"]["unit"]
    assert ACCOUNTS["tochuc"]["unit"] == demo_units.ORGANISER_CODE
    assert roles.ORGANISER in ACCOUNTS[people.ROUND_ACTOR]["roles"]


def test_team_and_council():
    member_role = {
        "leader": roles.TEAM_LEADER,
        "appraiser": roles.APPRAISER,
        "support": roles.SUPPORT_MEMBER,
    }
    assert {role for _name, role in people.TEAM_MEMBERS} == set(MEMBER_ROLES)
    for name, role in people.TEAM_MEMBERS:
        assert member_role[role] in ACCOUNTS[name]["roles"]
        # Nobody appraises their own unit: the team comes from outside the communes.
        assert BY_CODE[ACCOUNTS[name]["unit"]]["type"] != demo_units.COMMUNE_TYPE
    for name, position in people.COUNCIL:
        assert roles.COUNCIL in ACCOUNTS[name]["roles"] and position


def test_the_departments_round_never_has_the_team_work_on_its_own_departments():
    """Nobody appraises their own unit: the departments the demo assigns, scores, appraises and
    approves are none of the team's (Sở Nội vụ, Sở Tư pháp, Sở Tài chính) nor below them."""
    from app.demo import appraisal as demo_appraisal

    own = {ACCOUNTS[name]["unit"] for name, _role in people.TEAM_MEMBERS}
    worked = set(demo_appraisal.ASSIGNED_UNITS)
    for steps in (demo_appraisal.SCORED, demo_appraisal.APPRAISED, demo_appraisal.APPROVED):
        assert set(steps) <= worked
    for code in worked:
        chain, current = set(), code
        while current is not None:
            chain.add(current)
            current = BY_CODE[current]["parent"]
        assert chain.isdisjoint(own), code
    # The leader still has appraised lines waiting for approval (README).
    waiting = {
        (unit, field)
        for unit, fields in demo_appraisal.APPRAISED.items()
        for field in fields
        if field not in demo_appraisal.APPROVED.get(unit, ())
    }
    assert waiting
