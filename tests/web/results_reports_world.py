"""A small province with computed results, for the results reports (announcement PDF,
units x criteria Excel, gap analysis): committed, since the app reads it over HTTP, and
removed afterwards with its change log.

Unit type RR-TEST; organiser Sở Nội vụ (SNV, of the demo). Framework (20 points), the same
codes in 2044 and 2045:
    1 (4)  1.1 number 2 | 1.2 number 2, may be not applicable | 1.3 bonus, max 1
    2 (6)  2.1 number 3 | 2.2 number 3
    3 (4)  3.1 number 2 | 3.2 number 2
    4 (6)  4.1 survey (sipas) 6
Grades: Xuất sắc from 90 (every field at least 70), Tốt 80, Khá 70, Trung bình 50, Yếu 0.

2045, computed by the domain (compute_results), not published unless a test publishes it:
    unit                   1.1 1.2 1.3 2.1 2.2 3.1 3.2 4.1   total  index  grade       rank
    RR-01 Phường Đông Hòa   2   2   0   3   3   2   2  5,5   19,5   97,50  Xuất sắc    1
    RR-02 Xã Ân Thịnh       2  1,5 0,5  3  2,5  2  1,5  5     18    90,00  Xuất sắc    2
    RR-03 Xã Bình Minh      2   2   0   3   3   1   1   6     18    90,00  Tốt (3: 50%) 2
    RR-04 Phường Ngọc Trạo 1,5 n/a  0  2,5 2,5  2   2  4,5   15/18  83,33  Tốt         3
    RR-05 Xã Đồng Tâm       1   1   0   2   2  1,5 1,5  4     13    65,00  Trung bình  4
    RR-06 Xã Quảng Phú     0,5 0,5  0   1   1   1   1   3      8    40,00  Yếu         5
2044, computed then published: RR-01 19 (95%), RR-02 15 (75%), RR-03 18 (90%), RR-04 12/18
(66,67%), and RR-P1 (12) and RR-P2 (16), both merged into RR-05 (28/40 = 70%).
Account rr.lead2: unit leader of RR-02.
"""

import datetime
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal

from flask_appbuilder.security.sqla.models import Role
from sqlalchemy import delete, select
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from app.domain.criteria_tree import code_sort_key
from app.domain.results import compute_results
from app.domain.rounds import open_round
from app.models import (
    AppUser,
    Assessment,
    AuditEvent,
    Criterion,
    Framework,
    GradeBand,
    Round,
    ScoreLine,
    Unit,
    UnitResult,
    UnitType,
)
from app.models.rounds import round_unit
from app.security import roles
from tests.conftest import DEMO_PASSWORD

YEAR = 2045
ROUND_NAME = f"Đánh giá Chỉ số CCHC các xã, phường năm {YEAR} (thử)"
FIELDS = {
    "1": "Công tác chỉ đạo, điều hành cải cách hành chính",
    "2": "Cải cách thủ tục hành chính",
    "3": "Cải cách tổ chức bộ máy hành chính",
    "4": "Tác động của cải cách hành chính",
}
CRITERIA = [
    # code, max, rule, may be not applicable
    ("1", 4, "number", False), ("1.1", 2, "number", False), ("1.2", 2, "number", True),
    ("1.3", 1, "bonus", False), ("2", 6, "number", False), ("2.1", 3, "number", False),
    ("2.2", 3, "number", False), ("3", 4, "number", False), ("3.1", 2, "number", False),
    ("3.2", 2, "number", False), ("4", 6, "number", False), ("4.1", 6, "survey", False),
]  # fmt: skip
LEAVES = ("1.1", "1.2", "1.3", "2.1", "2.2", "3.1", "3.2", "4.1")
BANDS = [("Xuất sắc", 90, 70), ("Tốt", 80, None), ("Khá", 70, None), ("Trung bình", 50, None),
         ("Yếu", 0, None)]  # fmt: skip
UNITS = {
    "RR-01": "Phường Đông Hòa", "RR-02": "Xã Ân Thịnh", "RR-03": "Xã Bình Minh",
    "RR-04": "Phường Ngọc Trạo", "RR-05": "Xã Đồng Tâm", "RR-06": "Xã Quảng Phú",
    "RR-P1": "Xã Tân Lập (cũ)", "RR-P2": "Xã Hòa Bình (cũ)",
}  # fmt: skip
NA = "n/a"
# Approved points, in LEAVES order; self points are the approved ones plus 0.25 (capped).
POINTS = {
    YEAR: {
        "RR-01": (2, 2, 0, 3, 3, 2, 2, "5.5"),
        "RR-02": (2, "1.5", "0.5", 3, "2.5", 2, "1.5", 5),
        "RR-03": (2, 2, 0, 3, 3, 1, 1, 6),
        "RR-04": ("1.5", NA, 0, "2.5", "2.5", 2, 2, "4.5"),
        "RR-05": (1, 1, 0, 2, 2, "1.5", "1.5", 4),
        "RR-06": ("0.5", "0.5", 0, 1, 1, 1, 1, 3),
    },
    YEAR - 1: {
        "RR-01": (2, 2, 0, 3, 3, 2, 2, 5),
        "RR-02": ("1.5", "1.5", 0, 2, 2, 2, "1.5", "4.5"),
        "RR-03": (2, 2, 0, 3, 3, "1.5", "1.5", 5),
        "RR-04": (1, NA, 0, 2, 2, "1.5", "1.5", 4),
        "RR-P1": (1, 1, 0, 2, 2, 1, 1, 4),
        "RR-P2": (2, 2, 0, 2, 2, 2, 2, 4),
    },
}


@dataclass
class ReportsWorld:
    round_id: int = 0
    previous_id: int = 0
    units: dict = field(default_factory=dict)  # code -> id
    criteria: dict = field(default_factory=dict)  # code -> id (this year's framework)
    ids: dict = field(default_factory=dict)


def _framework(s, unit_type, year):
    framework = Framework(code=f"RR-TEST-{year}", name=f"Bộ tiêu chí thử báo cáo {year}",
                          year=year, unit_type=unit_type, max_points=Decimal(20))  # fmt: skip
    by_code = {}
    for code, maximum, rule, may_skip in CRITERIA:
        parent = code.rsplit(".", 1)[0] if "." in code else None
        by_code[code] = Criterion(
            framework=framework, code=code, sort_key=code_sort_key(code),
            title=FIELDS.get(code, f"Tiêu chí thử {code}"), max_points=Decimal(maximum),
            rule=rule, step=Decimal("0.25") if rule != "survey" else None,
            survey_kind="sipas" if rule == "survey" else None, allow_not_applicable=may_skip,
            parent=by_code[parent] if parent else None,
        )  # fmt: skip
    framework.grade_bands = [
        GradeBand(name=name, min_index=Decimal(low), position=i,
                  field_floor=None if floor is None else Decimal(floor))
        for i, (name, low, floor) in enumerate(BANDS)
    ]  # fmt: skip
    s.add(framework)
    s.flush()
    return framework, by_code


def _round(s, year, framework, units, organiser):
    start = datetime.datetime(year, 3, 1, 1, 0)
    round_ = Round(name=ROUND_NAME if year == YEAR else f"Đợt thử báo cáo {year}", year=year,
                   framework=framework, organiser_unit=organiser.unit, units=units,
                   self_start=start, self_end=start + datetime.timedelta(days=20))  # fmt: skip
    s.add(round_)
    s.flush()
    open_round(s, round_, organiser, now=start)
    s.flush()
    return round_


def _score(s, round_, criteria, units, points):
    lines = {
        (unit_id, criterion_id): line
        for line, unit_id, criterion_id in s.execute(
            select(ScoreLine, Assessment.unit_id, ScoreLine.criterion_id)
            .join(Assessment, ScoreLine.assessment_id == Assessment.id)
            .where(Assessment.round_id == round_.id)
        )
    }
    for code, values in points.items():
        for leaf, value in zip(LEAVES, values, strict=True):
            line = lines[(units[code].id, criteria[leaf].id)]
            if value == NA:
                line.not_applicable = True
                continue
            line.approved_points = Decimal(str(value))
            line.appraisal_state = "approved"
            if criteria[leaf].rule != "survey":
                line.self_points = min(Decimal(str(value)) + Decimal("0.25"),
                                       criteria[leaf].max_points)  # fmt: skip
    s.flush()


def build_world(s):
    """The world above, committed; the 2045 round in its finalised phase."""
    organiser = s.query(AppUser).filter_by(username="tochuc").one()
    unit_type = UnitType(code="RR-TEST", name="Đơn vị thử báo cáo kết quả")
    s.add(unit_type)
    units = {code: Unit(code=code, name=name, unit_type=unit_type,
                        active=not code.startswith("RR-P"))
             for code, name in UNITS.items()}  # fmt: skip
    s.add_all(units.values())
    s.flush()
    units["RR-P1"].successor = units["RR-05"]
    units["RR-P2"].successor = units["RR-05"]
    world = ReportsWorld(units={code: unit.id for code, unit in units.items()})
    frameworks, rounds = [], []
    for year in (YEAR - 1, YEAR):
        framework, criteria = _framework(s, unit_type, year)
        taking_part = [units[code] for code in POINTS[year]]
        round_ = _round(s, year, framework, taking_part, organiser)
        _score(s, round_, criteria, units, POINTS[year])
        round_.phase = "finalised"
        compute_results(s, round_, organiser, now=datetime.datetime(year, 12, 1, 2, 0))
        frameworks.append(framework.id)
        rounds.append(round_.id)
        if year == YEAR - 1:
            round_.phase, round_.published_at = "published", datetime.datetime(year, 12, 5)
            world.previous_id = round_.id
        else:
            world.round_id = round_.id
            world.criteria = {code: c.id for code, c in criteria.items()}
    leader = AppUser(
        username="rr.lead2", first_name="Lãnh đạo", last_name="Ân Thịnh", active=True,
        email="rr.lead2@songlam.gov.vn", password=generate_password_hash(DEMO_PASSWORD),
        roles=[s.query(Role).filter_by(name=roles.UNIT_LEADER).one()],
        unit_id=units["RR-02"].id,
    )  # fmt: skip
    s.add(leader)
    s.flush()
    world.ids = {"unit_type": unit_type.id, "frameworks": frameworks, "rounds": rounds,
                 "users": [leader.id]}  # fmt: skip
    s.commit()
    return world


@contextmanager
def committed_world(engine):
    """The world, built and committed for the duration of the block, then removed."""
    with Session(engine) as s:
        built = build_world(s)
    try:
        yield built
    finally:
        with Session(engine) as s:
            remove_world(s, built)


def set_published(s, world, published):
    """Publish (or withdraw) this year's round, as the publication would."""
    round_ = s.get(Round, world.round_id)
    round_.phase = "published" if published else "finalised"
    round_.published_at = datetime.datetime(YEAR, 12, 8, 3, 0) if published else None
    s.commit()


def remove_world(s, world):
    """Delete everything build_world made (and its change log)."""
    s.rollback()
    ids = world.ids
    rounds, frameworks = ids["rounds"], ids["frameworks"]
    assessments = select(Assessment.id).where(Assessment.round_id.in_(rounds))
    for statement in (
        delete(AuditEvent).where(AuditEvent.entity == "round", AuditEvent.entity_id.in_(rounds)),
        delete(AuditEvent).where(
            AuditEvent.entity == "framework", AuditEvent.entity_id.in_(frameworks)
        ),
        delete(AuditEvent).where(AuditEvent.user_id.in_(ids["users"])),
        delete(UnitResult).where(UnitResult.round_id.in_(rounds)),
        delete(ScoreLine).where(ScoreLine.assessment_id.in_(assessments)),
        delete(Assessment).where(Assessment.round_id.in_(rounds)),
        round_unit.delete().where(round_unit.c.round_id.in_(rounds)),
        delete(Round).where(Round.id.in_(rounds)),
        delete(GradeBand).where(GradeBand.framework_id.in_(frameworks)),
    ):
        s.execute(statement)
    criteria = select(Criterion.id).where(Criterion.framework_id.in_(frameworks))
    for children in (True, False):
        s.execute(
            delete(Criterion).where(
                Criterion.id.in_(criteria),
                Criterion.parent_id.is_not(None) if children else Criterion.parent_id.is_(None),
            )
        )
    s.execute(delete(Framework).where(Framework.id.in_(frameworks)))
    for user_id in ids["users"]:
        user = s.get(AppUser, user_id)
        user.roles = []
        s.delete(user)
    s.flush()
    s.execute(
        delete(Unit).where(Unit.unit_type_id == ids["unit_type"], Unit.successor_id.is_not(None))
    )
    s.execute(delete(Unit).where(Unit.unit_type_id == ids["unit_type"]))
    s.execute(delete(UnitType).where(UnitType.id == ids["unit_type"]))
    s.commit()
