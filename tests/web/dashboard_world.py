"""A hand-built round for the dashboard tests, with `n` units, committed (the app reads it
over HTTP) and removed afterwards, change log included.

Unit type DB-TEST of its own (so last year's round is ours alone), units DB-U01..DB-Unn.
Framework (10 points):  1 Field one: 1.1 number 2 (evidence required) | 1.2 number 2 |
1.3 number 2 (may be not applicable);  2 Field two: 2.1 number 2 | 2.2 survey 2.
Round 2040 "Đợt thử bảng điều khiển 2040", organised by SNV, in its appraisal phase: the
appraisal window closes 2 days 3 hours 45 minutes (and 40 seconds) after the world is built;
DB-U01 has an extension of its self-assessment until 1 day 2 hours 30 minutes (and 40 s) later.

- Submitted: the units of even number (DB-U02, DB-U04, ...).
- DB-U02's line 1.3 is not applicable.
- Team A (leader, support, appraiser) holds field 1 of every unit, support and appraisal.
  Team B holds field 2 (support) of DB-U01..DB-U03; its leader appraises 2.1 of DB-U01.
  So 2.1 of DB-U02..DB-Unn lacks an appraiser (n - 1 gaps, in n - 1 units) and 2.1 of
  DB-U04..DB-Unn belongs to no team (n - 3 lines).
- States: DB-U02 1.1, 1.2 and 2.1 approved; DB-U04 1.1 appraised, 1.2 scored, 1.3 returned.
- Requests: DB-U02 1.1 open, DB-U02 2.1 answered, DB-U04 1.1 closed.
- DB-U01's sheet: 1.1 = 2 without evidence nor explanation (evidence missing), 1.2 = 1,5,
  1.3 not scored, 2.1 = 2; the staff account prepares 1.1 and 1.2.
- Results: 2040 computed, not published: unit i has index 95,37 - 7(i - 1) (mod 90), field 1
  index + 1 (at most 100), field 2 index - 1; 2039 published: index - 2,26 (x,11), except
  DB-U05: 69,11 (it went down).
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from flask_appbuilder.security.sqla.models import Role
from sqlalchemy import delete, select
from werkzeug.security import generate_password_hash

from app.domain.clock import utcnow
from app.domain.criteria_tree import code_sort_key
from app.models import (
    AppraisalTeam,
    AppUser,
    Assessment,
    Assignment,
    AuditEvent,
    CouncilMember,
    Criterion,
    Framework,
    GradeBand,
    Round,
    ScoreLine,
    SupplementRequest,
    TeamMember,
    Unit,
    UnitResult,
    UnitType,
    WindowGrant,
)
from app.models.results import FieldFigures, encode_fields
from app.models.rounds import round_unit
from app.security import roles
from tests.conftest import DEMO_PASSWORD

YEAR = 2040
ROUND_NAME = f"Đợt thử bảng điều khiển {YEAR}"
PREVIOUS_NAME = f"Đợt thử bảng điều khiển {YEAR - 1}"
CRITERIA = [
    # code, max, rule, evidence required, may be not applicable
    ("1", 6, "number", False, False),
    ("1.1", 2, "number", True, False),
    ("1.2", 2, "number", False, False),
    ("1.3", 2, "number", False, True),
    ("2", 4, "number", False, False),
    ("2.1", 2, "number", False, False),
    ("2.2", 2, "survey", False, False),
]
LEAVES = ("1.1", "1.2", "1.3", "2.1", "2.2")
BANDS = [("Xuất sắc", 90), ("Tốt", 80), ("Khá", 70), ("Trung bình", 50), ("Yếu", 0)]
APPRAISAL_LEFT = datetime.timedelta(days=2, hours=3, minutes=45, seconds=40)
GRANT_LEFT = datetime.timedelta(days=1, hours=2, minutes=30, seconds=40)
# key: (role, unit code: ours "U01" or the demo's)
PEOPLE = {
    "organiser": (roles.ORGANISER, "SNV"),
    "council": (roles.COUNCIL, "T01"),
    "lead1": (roles.UNIT_LEADER, "U01"),
    "staff1": (roles.UNIT_STAFF, "U01"),
    "lead2": (roles.UNIT_LEADER, "U02"),
    "leader_a": (roles.TEAM_LEADER, "SNV"),
    "support_a": (roles.SUPPORT_MEMBER, "STP"),
    "appraiser_a": (roles.APPRAISER, "STC"),
    "leader_b": (roles.TEAM_LEADER, "SNV"),
    "support_b": (roles.SUPPORT_MEMBER, "STP"),
    "viewer": (roles.VIEWER, None),
}


def code(i):
    return f"DB-U{i:02d}"


def index_of(i):
    """This year's index of unit i (1-based): 95,37, 88,37, 81,37, ..."""
    return Decimal(95 - (7 * (i - 1)) % 90) + Decimal("0.37")


def previous_index_of(i):
    return Decimal("69.11") if i == 5 else index_of(i) - Decimal("2.26")


def grade_of(index):
    return next(name for name, low in BANDS if index >= low)


@dataclass
class DashWorld:
    n: int
    ids: dict = field(default_factory=dict)  # what remove_world deletes
    round_id: int = 0
    previous_id: int = 0
    units: dict = field(default_factory=dict)  # i -> unit id
    users: dict = field(default_factory=dict)  # key -> username
    lines: dict = field(default_factory=dict)  # (i, code) -> line id
    built_at: datetime.datetime | None = None

    @property
    def appraisal_end(self):
        return self.ids["appraisal_end"]


def _framework(s, unit_type, year):
    framework = Framework(code=f"DB-TEST-{year}", name=f"Bộ tiêu chí thử bảng điều khiển {year}",
                          year=year, unit_type=unit_type, max_points=Decimal(10),
                          frozen=True)  # fmt: skip
    by_code = {}
    for code_, maximum, rule, evidence, may_skip in CRITERIA:
        parent = code_.rsplit(".", 1)[0] if "." in code_ else None
        by_code[code_] = Criterion(
            framework=framework, code=code_, sort_key=code_sort_key(code_),
            title={"1": "Công tác chỉ đạo điều hành", "2": "Cải cách thủ tục hành chính"}.get(
                code_, f"Tiêu chí {code_}"),
            max_points=Decimal(maximum), rule=rule, step=Decimal("0.25"),
            survey_kind="sipas" if rule == "survey" else None, evidence_required=evidence,
            allow_not_applicable=may_skip, parent=by_code[parent] if parent else None,
        )  # fmt: skip
    framework.grade_bands = [
        GradeBand(name=name, min_index=Decimal(low), position=i)
        for i, (name, low) in enumerate(BANDS)
    ]
    s.add(framework)
    s.flush()
    return framework, by_code


def _people(s, world, units):
    demo = {u.code: u for u in s.query(Unit).filter(Unit.code.in_(["SNV", "STP", "STC", "T01"]))}
    hashed = generate_password_hash(DEMO_PASSWORD)
    users = {}
    for key, (role_name, unit_code) in PEOPLE.items():
        unit = units.get(unit_code) or demo.get(unit_code)
        user = AppUser(
            username=f"db.{key}", first_name=key.replace("_", " ").title(), last_name="Thử",
            email=f"db.{key}@songlam.gov.vn", active=True, password=hashed,
            roles=[s.query(Role).filter_by(name=role_name).one()],
            unit_id=unit.id if unit else None,
        )  # fmt: skip
        s.add(user)
        users[key] = user
    s.flush()
    world.users = {k: u.username for k, u in users.items()}
    return users


def _lines(s, world, round_, crit, units, users):
    """Assessments and lines of every unit, with their self scores and appraisal states."""
    for i, unit in units.items():
        assessment = Assessment(round_id=round_.id, unit_id=unit.id,
                                status="submitted" if i % 2 == 0 else "draft")  # fmt: skip
        s.add(assessment)
        s.flush()
        for leaf in LEAVES:
            line = ScoreLine(assessment_id=assessment.id, criterion_id=crit[leaf].id, version=1)
            if leaf != "2.2" and i != 1:
                line.self_points = Decimal("2")
            s.add(line)
            s.flush()
            world.lines[(i, leaf)] = line
    line = world.lines
    line[(1, "1.1")].self_points, line[(1, "1.2")].self_points = Decimal(2), Decimal("1.5")
    line[(1, "2.1")].self_points = Decimal(2)
    line[(1, "1.1")].preparer_id = line[(1, "1.2")].preparer_id = users["staff1"].id
    line[(2, "1.3")].not_applicable = True
    line[(2, "1.3")].self_points = None
    states = {(2, "1.1"): "approved", (2, "1.2"): "approved", (2, "2.1"): "approved",
              (4, "1.1"): "appraised", (4, "1.2"): "scored", (4, "1.3"): "returned"}  # fmt: skip
    for key, state in states.items():
        line[key].appraisal_state = state
        line[key].support_points = Decimal(2)
        if state in ("approved", "appraised"):
            line[key].appraised_points = Decimal(2)
        if state == "approved":
            line[key].approved_points = Decimal(2)
    s.flush()


def _teams(s, round_, crit, units, users):
    team_a = AppraisalTeam(round=round_, name="Tổ thẩm định A (thử)")
    team_a.members = [TeamMember(user=users["leader_a"], role="leader"),
                      TeamMember(user=users["support_a"], role="support"),
                      TeamMember(user=users["appraiser_a"], role="appraiser")]  # fmt: skip
    team_b = AppraisalTeam(round=round_, name="Tổ thẩm định B (thử)")
    team_b.members = [TeamMember(user=users["leader_b"], role="leader"),
                      TeamMember(user=users["support_b"], role="support")]  # fmt: skip
    s.add_all([team_a, team_b, CouncilMember(round=round_, user=users["council"])])
    s.flush()
    rows = []
    for i, unit in units.items():
        for kind, member in (("support", "support_a"), ("appraiser", "appraiser_a")):
            rows.append(Assignment(round_id=round_.id, team_id=team_a.id, unit_id=unit.id,
                                   criterion_id=crit["1"].id, kind=kind,
                                   user_id=users[member].id))  # fmt: skip
        if i <= 3:
            rows.append(Assignment(round_id=round_.id, team_id=team_b.id, unit_id=unit.id,
                                   criterion_id=crit["2"].id, kind="support",
                                   user_id=users["support_b"].id))  # fmt: skip
    rows.append(Assignment(round_id=round_.id, team_id=team_b.id, unit_id=units[1].id,
                           criterion_id=crit["2.1"].id, kind="appraiser",
                           user_id=users["leader_b"].id))  # fmt: skip
    s.add_all(rows)
    return [team_a.id, team_b.id]


def _requests(s, round_, world, users):
    now = utcnow()
    made = []
    for key, status, reason in (((2, "1.1"), "open", "Bổ sung quyết định ban hành kế hoạch"),
                                ((2, "2.1"), "answered", "Bổ sung báo cáo kết quả"),
                                ((4, "1.1"), "closed", "Bổ sung văn bản chỉ đạo")):  # fmt: skip
        made.append(SupplementRequest(round_id=round_.id, score_line_id=world.lines[key].id,
                                      reason=reason, status=status, requested_at=now,
                                      requested_by_id=users["council"].id))  # fmt: skip
    s.add_all(made)


def _results(s, round_, crit, units, index, computed):
    bands = {b.name: b.id for b in round_.framework.grade_bands}
    ranks = {i: rank for rank, i in enumerate(sorted(units, key=lambda i: -index(i)), start=1)}
    for i, unit in units.items():
        value = index(i)
        result = UnitResult(
            round_id=round_.id, unit_id=unit.id, index=value, rank=ranks[i],
            total=(value / 10).quantize(Decimal("0.01")), applicable_max=Decimal(10),
            grade_band_id=bands[grade_of(value)], computed_at=computed,
        )  # fmt: skip
        if round_.year == YEAR:
            result.previous_index = previous_index_of(i)
            result.index_change = value - previous_index_of(i)
        zero = Decimal(0)
        result.field_figures = encode_fields({
            crit["1"].id: FieldFigures(zero, zero, min(value + 1, Decimal(100))),
            crit["2"].id: FieldFigures(zero, zero, value - 1),
        })  # fmt: skip
        s.add(result)
    s.flush()


def build_world(s, n):
    """The world with `n` units (n >= 5), committed."""
    world = DashWorld(n)
    now = utcnow().replace(microsecond=0)
    world.built_at = now
    unit_type = UnitType(code="DB-TEST", name="Đơn vị thử bảng điều khiển")
    s.add(unit_type)
    units = {i: Unit(code=code(i), name=f"Xã Thử Bảng {i:02d}", unit_type=unit_type)
             for i in range(1, n + 1)}  # fmt: skip
    s.add_all(units.values())
    s.flush()
    world.units = {i: u.id for i, u in units.items()}
    users = _people(s, world, {"U01": units[1], "U02": units[2]})
    organiser_unit = s.query(Unit).filter_by(code="SNV").one()
    framework, crit = _framework(s, unit_type, YEAR)
    previous_fw, previous_crit = _framework(s, unit_type, YEAR - 1)
    day = datetime.timedelta(days=1)
    round_ = Round(
        name=ROUND_NAME, year=YEAR, framework=framework, organiser_unit=organiser_unit,
        units=list(units.values()), phase="appraisal", opened_at=now - 30 * day,
        self_start=now - 30 * day, self_end=now - 10 * day, appraisal_start=now - 5 * day,
        appraisal_end=now + APPRAISAL_LEFT, supplement_start=now + 10 * day,
        supplement_end=now + 15 * day, results_computed_at=now,
    )  # fmt: skip
    previous = Round(
        name=PREVIOUS_NAME, year=YEAR - 1, framework=previous_fw, organiser_unit=organiser_unit,
        units=list(units.values()), phase="published", results_computed_at=now - 300 * day,
        published_at=now - 300 * day,
    )  # fmt: skip
    s.add_all([round_, previous])
    s.flush()
    world.round_id, world.previous_id = round_.id, previous.id
    s.add(WindowGrant(round_id=round_.id, unit_id=units[1].id, window="self",
                      until=now + GRANT_LEFT, reason="Gia hạn do sự cố mạng",
                      granted_at=now))  # fmt: skip
    _lines(s, world, round_, crit, units, users)
    team_ids = _teams(s, round_, crit, units, users)
    _requests(s, round_, world, users)
    _results(s, round_, crit, units, index_of, now)
    _results(s, previous, previous_crit, units, previous_index_of, now - 300 * day)
    world.lines = {key: line.id for key, line in world.lines.items()}
    world.ids = {
        "unit_type": unit_type.id, "frameworks": [framework.id, previous_fw.id],
        "rounds": [round_.id, previous.id], "teams": team_ids,
        "users": [u.id for u in users.values()], "appraisal_end": now + APPRAISAL_LEFT,
        "grant_until": now + GRANT_LEFT,
    }  # fmt: skip
    s.commit()
    return world


def remove_world(s, world):
    """Delete everything build_world made (and the change log of its accounts and rows)."""
    s.rollback()
    ids = world.ids
    rounds, users = ids["rounds"], ids["users"]
    assessments = select(Assessment.id).where(Assessment.round_id.in_(rounds))
    lines = select(ScoreLine.id).where(ScoreLine.assessment_id.in_(assessments))
    for statement in (
        delete(AuditEvent).where(AuditEvent.user_id.in_(users)),
        delete(UnitResult).where(UnitResult.round_id.in_(rounds)),
        delete(SupplementRequest).where(SupplementRequest.round_id.in_(rounds)),
        delete(Assignment).where(Assignment.round_id.in_(rounds)),
        delete(TeamMember).where(TeamMember.team_id.in_(ids["teams"])),
        delete(AppraisalTeam).where(AppraisalTeam.id.in_(ids["teams"])),
        delete(CouncilMember).where(CouncilMember.round_id.in_(rounds)),
        delete(WindowGrant).where(WindowGrant.round_id.in_(rounds)),
        delete(ScoreLine).where(ScoreLine.id.in_(lines)),
        delete(Assessment).where(Assessment.round_id.in_(rounds)),
        round_unit.delete().where(round_unit.c.round_id.in_(rounds)),
        delete(Round).where(Round.id.in_(rounds)),
    ):
        s.execute(statement)
    criteria = select(Criterion.id).where(Criterion.framework_id.in_(ids["frameworks"]))
    s.execute(delete(GradeBand).where(GradeBand.framework_id.in_(ids["frameworks"])))
    for depth in (1, 0):  # children first
        s.execute(
            delete(Criterion).where(
                Criterion.id.in_(criteria),
                Criterion.parent_id.is_not(None) if depth else Criterion.parent_id.is_(None),
            )
        )
    s.execute(delete(Framework).where(Framework.id.in_(ids["frameworks"])))
    for user_id in users:
        user = s.get(AppUser, user_id)
        user.roles = []
        s.delete(user)
    s.flush()
    s.execute(delete(Unit).where(Unit.unit_type_id == ids["unit_type"]))
    s.execute(delete(UnitType).where(UnitType.id == ids["unit_type"]))
    s.commit()
