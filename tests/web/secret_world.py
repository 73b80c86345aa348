"""A round with computed, unpublished results whose figures are easy to spot, committed to
the suite's database for a test module and removed afterwards (`secret_world` fixture).

Unit type BM-TEST of its own (no previous year, no other test's rows), units BM-1 and BM-2,
a framework of 200 points so that totals are over 100 and meet no demo figure:
    1 Field 1 (120): 1.1 number 70 | 1.2 number 50
    2 Field 2 (80):  2.1 survey "sipas" 80
The round is finalised by the council (phase "finalised"), its survey imported through the
domain, its results computed through the domain, and not published.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from sqlalchemy import and_, delete, or_, select
from sqlalchemy.orm import Session

from app.domain.criteria_tree import code_sort_key
from app.domain.results import compute_results
from app.domain.rounds import open_round
from app.domain.survey_import import import_survey
from app.models import (
    AppUser,
    Assessment,
    AuditEvent,
    Criterion,
    Evidence,
    Framework,
    GradeBand,
    Round,
    ScoreLine,
    SurveyImport,
    SurveyResult,
    Unit,
    UnitResult,
    UnitType,
)
from app.models.rounds import round_unit

YEAR = 2031  # a year of its own; its dates lie in the past, so a recomputation now is newer
START = datetime.datetime(2025, 3, 1, 1, 0)
CRITERIA = [("1", 120, "number", None), ("1.1", 70, "number", None), ("1.2", 50, "number", None),
            ("2", 80, "number", None), ("2.1", 80, "survey", "sipas")]  # fmt: skip
# unit: (self 1.1, self 1.2, approved 1.1, approved 1.2, survey points)
SCORES = {
    "BM-1": ("62.11", "44.03", "61.37", "43.19", "68.91"),
    "BM-2": ("53.05", "38.00", "52.83", "37.71", "57.29"),
}
# What compute_results gives (worked out by hand): per unit, every figure a page could show.
#   BM-1: approved 61.37 + 43.19 = 104.56; total 104.56 + 68.91 = 173.47 / 200 = 86.735%
#         -> 86.74; field 1 104.56 / 120 = 87.13%; field 2 68.91 / 80 = 86.14%; self 106.14.
#   BM-2: approved 90.54; total 147.83 / 200 -> 73.92; field 1 75.45%; field 2 71.61%;
#         self 91.05.
FIGURES = {
    "BM-1": ("173.47", "104.56", "68.91", "86.74", "87.13", "86.14", "106.14"),
    "BM-2": ("147.83", "90.54", "57.29", "73.92", "75.45", "71.61", "91.05"),
}


@dataclass
class SecretWorld:
    round_id: int
    unit_ids: dict
    result_ids: list
    assessment_ids: list
    line_ids: list
    evidence_ids: list
    survey_import_ids: list
    survey_result_ids: list
    framework_id: int
    other_ids: dict = field(default_factory=dict)

    def sample_ids(self):
        """One id of each kind of row of this world (a URL takes one of them)."""
        ids = {self.round_id, self.framework_id, *self.unit_ids.values(), self.result_ids[0],
               self.assessment_ids[0], self.evidence_ids[0],
               self.line_ids[0], self.survey_import_ids[0], self.survey_result_ids[0]}  # fmt: skip
        return sorted(ids)

    @staticmethod
    def figures():
        """The figures as the pages and files may write them: 173,47 and 173.47."""
        texts = set()
        for values in FIGURES.values():
            for value in values:
                texts |= {value, value.replace(".", ",")}
        return sorted(texts)


def build(session):
    organiser = session.query(AppUser).filter_by(username="tochuc").one()
    unit_type = UnitType(code="BM-TEST", name="Đơn vị thử bảo mật")
    units = {code: Unit(code=code, name=f"Xã Bí Mật {code[-1]}", unit_type=unit_type)
             for code in SCORES}  # fmt: skip
    framework = Framework(code="BM-TEST-2031", name="Bộ tiêu chí thử bảo mật", year=YEAR,
                          unit_type=unit_type, max_points=Decimal(200))  # fmt: skip
    criteria = {}
    for code, maximum, rule, kind in CRITERIA:
        parent = code.rsplit(".", 1)[0] if "." in code else None
        criteria[code] = Criterion(
            framework=framework, code=code, sort_key=code_sort_key(code), title=f"Mục {code}",
            max_points=Decimal(maximum), rule=rule, survey_kind=kind, step=Decimal("0.01"),
            parent=criteria.get(parent),
        )  # fmt: skip
    framework.grade_bands = [
        GradeBand(name="Tốt", min_index=Decimal(80), position=0),
        GradeBand(name="Khá", min_index=Decimal(0), position=1),
    ]
    round_ = Round(name="Đợt thử bảo mật 2031", year=YEAR, framework=framework,
                   organiser_unit=organiser.unit, units=list(units.values()),
                   self_start=START, self_end=START + datetime.timedelta(days=20))  # fmt: skip
    session.add_all([unit_type, *units.values(), framework, round_])
    session.flush()
    open_round(session, round_, organiser, now=START)
    session.flush()
    approved_at = START + datetime.timedelta(days=30)
    for code, (self1, self2, app1, app2, _survey) in SCORES.items():
        for criterion_code, own, approved in (("1.1", self1, app1), ("1.2", self2, app2)):
            line = _line(session, round_, units[code], criteria[criterion_code])
            line.self_points, line.approved_points = Decimal(own), Decimal(approved)
            line.appraisal_state, line.approved_at = "approved", approved_at
    line = _line(session, round_, units["BM-1"], criteria["1.1"])
    session.add(Evidence(score_line=line, kind="link", url="https://bi-mat.example/van-ban",
                         uploaded_at=START))  # fmt: skip
    csv = "Mã đơn vị;Điểm\n" + "".join(f"{c};{s[4].replace('.', ',')}\n" for c, s in SCORES.items())
    import_survey(session, round_, "sipas", "points", csv.encode(), "bi-mat.csv", organiser,
                  now=approved_at)  # fmt: skip
    round_.phase, round_.finalised_at = "finalised", approved_at + datetime.timedelta(days=1)
    compute_results(session, round_, organiser, now=approved_at + datetime.timedelta(days=2))
    session.commit()
    return _describe(session, round_, units)


def _line(session, round_, unit, criterion):
    return (
        session.query(ScoreLine)
        .join(Assessment, ScoreLine.assessment_id == Assessment.id)
        .filter(Assessment.round_id == round_.id, Assessment.unit_id == unit.id,
                ScoreLine.criterion_id == criterion.id)
        .one()
    )  # fmt: skip


def _ids(session, query):
    return list(session.scalars(query))


def _describe(session, round_, units):
    results = _ids(session, select(UnitResult.id).where(UnitResult.round_id == round_.id))
    assessments = _ids(session, select(Assessment.id).where(Assessment.round_id == round_.id))
    lines = _ids(session, select(ScoreLine.id).where(ScoreLine.assessment_id.in_(assessments)))
    return SecretWorld(
        round_id=round_.id,
        unit_ids={code: unit.id for code, unit in units.items()},
        result_ids=results,
        assessment_ids=assessments,
        line_ids=lines,
        evidence_ids=_ids(session, select(Evidence.id).where(Evidence.score_line_id.in_(lines))),
        survey_import_ids=_ids(
            session, select(SurveyImport.id).where(SurveyImport.round_id == round_.id)
        ),
        survey_result_ids=_ids(
            session, select(SurveyResult.id).where(SurveyResult.round_id == round_.id)
        ),
        framework_id=round_.framework_id,
    )


def remove(session, world):
    """Delete every row of the world, its change log included."""
    logged = [
        ("round", [world.round_id]), ("score_line", world.line_ids),
        ("survey_import", world.survey_import_ids), ("unit", list(world.unit_ids.values())),
        ("assessment", world.assessment_ids), ("framework", [world.framework_id]),
    ]  # fmt: skip
    session.execute(
        delete(AuditEvent).where(
            or_(*(and_(AuditEvent.entity == e, AuditEvent.entity_id.in_(ids)) for e, ids in logged))
        )
    )
    session.execute(delete(UnitResult).where(UnitResult.round_id == world.round_id))
    session.execute(delete(SurveyResult).where(SurveyResult.round_id == world.round_id))
    session.execute(delete(SurveyImport).where(SurveyImport.round_id == world.round_id))
    session.execute(delete(Evidence).where(Evidence.id.in_(world.evidence_ids)))
    session.execute(delete(ScoreLine).where(ScoreLine.id.in_(world.line_ids)))
    session.execute(delete(Assessment).where(Assessment.round_id == world.round_id))
    session.execute(delete(round_unit).where(round_unit.c.round_id == world.round_id))
    session.execute(delete(Round).where(Round.id == world.round_id))
    session.execute(delete(GradeBand).where(GradeBand.framework_id == world.framework_id))
    for parent_level in (True, False):  # the leaves first: they point to their parents
        condition = Criterion.parent_id.is_not(None) if parent_level else Criterion.id > 0
        session.execute(
            delete(Criterion).where(Criterion.framework_id == world.framework_id, condition)
        )
    session.execute(delete(Framework).where(Framework.id == world.framework_id))
    unit_type = session.scalar(select(Unit.unit_type_id).where(Unit.code == "BM-1"))
    session.execute(delete(Unit).where(Unit.id.in_(world.unit_ids.values())))
    session.execute(delete(UnitType).where(UnitType.id == unit_type))
    session.commit()


@pytest.fixture(name="secret_world", scope="module")
def secret_world_fixture(app, test_engine):
    with Session(test_engine) as session:
        world = build(session)
    yield world
    with Session(test_engine) as session:
        remove(session, world)
