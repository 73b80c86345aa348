"""A small hand-built province for the results and survey tests, on the suite's database.

Everything is made inside one transaction that is rolled back at the end (the `world`
fixture), so the demo data the other tests use is never touched, on SQLite and PostgreSQL.

The framework (20 points, unit type of its own):
    1   Field 1 (4):   1.1 number 2 | 1.2 number 1, may be not applicable | 1.3 number 1
                       1.4 bonus, max 1 (outside the sums)
    2   Field 2 (16):  2.1 heading 6: 2.1.1 survey sipas 4 | 2.1.2 survey sipas 2
                       2.2 number 10 | 2.3 penalty, max 1 (outside the sums)
Grades: Xuất sắc from 90 (every field at least 70), Tốt 80, Khá 70, Trung bình 50, Yếu 0.
Units KQ-U1..KQ-U5 take part in the 2030 round; KQ-OUT is of the same type but does not.
KQ-P1 and KQ-P2 were assessed in 2029; KQ-P1 merged into KQ-U5, KQ-P2 into KQ-PX (never
assessed), which then merged into KQ-U5.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from app.domain.criteria_tree import code_sort_key
from app.domain.rounds import open_round
from app.models import (
    AppUser,
    Assessment,
    Criterion,
    Framework,
    GradeBand,
    Round,
    ScoreLine,
    Unit,
    UnitResult,
    UnitType,
)

YEAR = 2030
CRITERIA = [
    # code, max, rule, survey kind, may be not applicable
    ("1", 4, "number", None, False),
    ("1.1", 2, "number", None, False),
    ("1.2", 1, "number", None, True),
    ("1.3", 1, "number", None, False),
    ("1.4", 1, "bonus", None, False),
    ("2", 16, "number", None, False),
    ("2.1", 6, "number", None, False),
    ("2.1.1", 4, "survey", "sipas", False),
    ("2.1.2", 2, "survey", "sipas", False),
    ("2.2", 10, "number", None, False),
    ("2.3", 1, "penalty", None, False),
]
BANDS = [("Xuất sắc", 90, 70), ("Tốt", 80, None), ("Khá", 70, None), ("Trung bình", 50, None),
         ("Yếu", 0, None)]  # fmt: skip
ROUND_UNITS = ["KQ-U1", "KQ-U2", "KQ-U3", "KQ-U4", "KQ-U5"]


@dataclass
class World:
    session: Session
    organiser: AppUser
    round_: Round
    units: dict = field(default_factory=dict)  # code -> Unit
    criteria: dict = field(default_factory=dict)  # code -> Criterion

    def line(self, unit_code, criterion_code):
        return (
            self.session.query(ScoreLine)
            .join(Assessment, ScoreLine.assessment_id == Assessment.id)
            .filter(
                Assessment.round_id == self.round_.id,
                Assessment.unit_id == self.units[unit_code].id,
                ScoreLine.criterion_id == self.criteria[criterion_code].id,
            )
            .one()
        )

    def approve(self, unit_code, points, self_points=None, not_applicable=()):
        """Set approved points (and self points) of a unit's lines: {code: value or None}."""
        for code, value in points.items():
            line = self.line(unit_code, code)
            line.approved_points = None if value is None else Decimal(str(value))
        for code, value in (self_points or {}).items():
            self.line(unit_code, code).self_points = Decimal(str(value))
        for code in not_applicable:
            self.line(unit_code, code).not_applicable = True
        self.session.flush()


def _framework(session, unit_type, year, code):
    framework = Framework(code=code, name=f"Bộ tiêu chí thử {year}", year=year,
                          unit_type=unit_type, max_points=Decimal(20))  # fmt: skip
    by_code = {}
    if year == YEAR:
        for code_, maximum, rule, kind, may_skip in CRITERIA:
            parent = code_.rsplit(".", 1)[0] if "." in code_ else None
            by_code[code_] = Criterion(
                framework=framework, code=code_, sort_key=code_sort_key(code_),
                title=f"Tiêu chí {code_}", max_points=Decimal(maximum), rule=rule,
                step=Decimal("0.25") if rule in ("number", "bonus", "penalty") else None,
                survey_kind=kind, allow_not_applicable=may_skip,
                parent=by_code[parent] if parent else None,
            )  # fmt: skip
        framework.grade_bands = [
            GradeBand(name=name, min_index=Decimal(low),
                      field_floor=None if floor is None else Decimal(floor), position=i)
            for i, (name, low, floor) in enumerate(BANDS)
        ]  # fmt: skip
    session.add(framework)
    session.flush()
    return framework, by_code


def build_world(session):
    organiser = session.query(AppUser).filter_by(username="tochuc").one()
    unit_type = UnitType(code="KQ-TEST", name="Đơn vị thử kết quả")
    session.add(unit_type)
    units = {}
    for code in ROUND_UNITS + ["KQ-OUT", "KQ-PX", "KQ-P1", "KQ-P2"]:
        units[code] = Unit(code=code, name=f"Đơn vị {code}", unit_type=unit_type,
                           active=not code.startswith("KQ-P"))  # fmt: skip
    session.add_all(units.values())
    session.flush()
    units["KQ-P1"].successor = units["KQ-U5"]
    units["KQ-P2"].successor = units["KQ-PX"]
    units["KQ-PX"].successor = units["KQ-U5"]
    framework, criteria = _framework(session, unit_type, YEAR, "KQ-TEST-2030")
    previous_framework, _ = _framework(session, unit_type, YEAR - 1, "KQ-TEST-2029")
    start = datetime.datetime(YEAR, 3, 1, 1, 0)
    round_ = Round(name="Đợt thử 2030", year=YEAR, framework=framework,
                   organiser_unit=organiser.unit, units=[units[c] for c in ROUND_UNITS],
                   self_start=start, self_end=start + datetime.timedelta(days=20))  # fmt: skip
    session.add(round_)
    session.flush()
    open_round(session, round_, organiser, now=start)
    session.flush()
    world = World(session, organiser, round_, units, criteria)
    _previous_year(session, previous_framework, organiser, units)
    return world


def _previous_year(session, framework, organiser, units):
    """Last year's round, computed: results written as they were (total over maximum)."""
    computed = datetime.datetime(YEAR - 1, 12, 20)
    round_ = Round(name="Đợt thử 2029", year=YEAR - 1, framework=framework, phase="published",
                   organiser_unit=organiser.unit, results_computed_at=computed,
                   published_at=computed)  # fmt: skip
    session.add(round_)
    session.flush()
    for code, total, maximum in (("KQ-U1", 17, 20), ("KQ-U3", "18.4", 20), ("KQ-P1", 12, 20),
                                 ("KQ-P2", "7.5", 10)):  # fmt: skip
        total, maximum = Decimal(str(total)), Decimal(maximum)
        session.add(
            UnitResult(
                round_id=round_.id,
                unit_id=units[code].id,
                total=total,
                applicable_max=maximum,
                index=total * 100 / maximum,
            )
        )
    session.flush()


@pytest.fixture(name="world")
def world_fixture(app, database_url):
    """The hand-built province, in a transaction rolled back after the test."""
    engine = create_engine(database_url)
    connection = engine.connect()
    transaction = connection.begin()
    session = Session(bind=connection, autoflush=True)
    try:
        yield build_world(session)
    finally:
        session.close()
        transaction.rollback()
        connection.close()
        engine.dispose()
