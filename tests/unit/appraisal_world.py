"""A small appraisal round of its own, for the domain tests of issue 4 (no HTTP).

Units T4-HUYEN (above) > T4-XA-A, T4-XA-B (taking part) and T4-XA-C (not taking part); a
7-line framework; two appraisal teams, a council; accounts for every role. Windows are in
2031 (local time): self-assessment 01/10 08:00 - 10/10 17:00, appraisal 16/10 08:00 -
27/10 17:00, supplement 12/11 08:00 - 19/11 17:00; tests pass `now`, so the calendar does not
matter. Everything made here is removed afterwards, change log included.

Import the fixture in a test module with `from tests.unit.appraisal_world import world`.
"""

import csv
import datetime
import os
import re
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from flask_appbuilder.security.sqla.models import Role
from sqlalchemy.orm import Session

from app.domain.clock import to_utc
from app.domain.criteria_tree import code_sort_key
from app.models import (
    AppraisalTeam,
    AppUser,
    Assessment,
    Assignment,
    AuditEvent,
    CouncilMember,
    Criterion,
    CriterionOption,
    CriterionTier,
    Evidence,
    Framework,
    Round,
    ScoreLine,
    SupplementRequest,
    TeamMember,
    Unit,
    WindowGrant,
)
from app.models.rounds import PHASE_SELF
from app.security import roles

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PENDING_TSV = os.path.join(ROOT, "translations", "pending", "appraisal_domain.tsv")
CATALOGUE = os.path.join(ROOT, "translations", "vi", "LC_MESSAGES", "messages.po")

FRAMEWORK_CODE = "T4-APPRAISAL"
# code, title, max, rule, extra (headings have rule None)
TREE = [
    ("1", "Lĩnh vực một", "10", None, {}),
    ("1.1", "Ban hành kế hoạch", "4", "number", {"step": "0.5"}),
    ("1.2", "Báo cáo đúng hạn", "2", "choice", {}),
    ("1.3", "Thực hiện kế hoạch", "4", None, {}),
    ("1.3.1", "Tỷ lệ hoàn thành", "2", "tiers", {}),
    ("1.3.2", "Vi phạm bị trừ điểm", "2", "deduction", {"per_occurrence": "0.5"}),
    ("2", "Lĩnh vực hai", "6", None, {}),
    ("2.1", "Thủ tục hành chính", "3", "number", {"allow_not_applicable": True}),
    ("2.2", "Tiếp nhận hồ sơ", "2", "number", {}),
    ("2.3", "Mức độ hài lòng", "1", "survey", {}),
]
LEAVES = [code for code, _t, _m, rule, _e in TREE if rule is not None]
SCORED = [code for code, _t, _m, rule, _e in TREE if rule not in (None, "survey")]
# A valid support-score input per line (option key, percentage, occurrences...).
GOOD_INPUT = {"1.1": "3,5", "1.2": "co", "1.3.1": "95", "1.3.2": "1", "2.1": "3", "2.2": "2"}

UNITS = [("T4-HUYEN", "Huyện Thử Nghiệm", None), ("T4-XA-A", "Xã Thử A", "T4-HUYEN"),
         ("T4-XA-B", "Xã Thử B", "T4-HUYEN"), ("T4-XA-C", "Xã Thử C", "T4-HUYEN")]  # fmt: skip
# key: (FAB role, unit code)
PEOPLE = {
    "leader": (roles.TEAM_LEADER, "SNV"),
    "support": (roles.SUPPORT_MEMBER, "STP"),
    "support_a": (roles.SUPPORT_MEMBER, "T4-XA-A"),  # works for unit A
    "support_up": (roles.SUPPORT_MEMBER, "T4-HUYEN"),  # works for the unit above A and B
    "appraiser": (roles.APPRAISER, "STC"),
    "leader2": (roles.TEAM_LEADER, "SNV"),
    "support2": (roles.SUPPORT_MEMBER, "STP"),
    "council": (roles.COUNCIL, "T01"),
    "council_outsider": (roles.COUNCIL, "T01"),  # Council role, not in this round's council
    "organiser": (roles.ORGANISER, "SNV"),
    "unit_leader": (roles.UNIT_LEADER, "T4-XA-A"),
    "unit_staff": (roles.UNIT_STAFF, "T4-XA-A"),
    "unit_staff2": (roles.UNIT_STAFF, "T4-XA-A"),
    "unit_b_leader": (roles.UNIT_LEADER, "T4-XA-B"),
    "admin": (roles.ADMIN, None),
}
TEAM1 = [("leader", "leader"), ("support", "support"), ("support_a", "support"),
         ("support_up", "support"), ("appraiser", "appraiser")]  # fmt: skip
TEAM2 = [("leader2", "leader"), ("support2", "support")]


def local(day, month, hour, minute=0, year=2031):
    """A local (Asia/Ho_Chi_Minh) wall-clock time as the naive UTC value stored."""
    return to_utc(datetime.datetime(year, month, day, hour, minute))


SELF = (local(1, 10, 8), local(10, 10, 17))
APPRAISAL = (local(16, 10, 8), local(27, 10, 17))
SUPPLEMENT = (local(12, 11, 8), local(19, 11, 17))
DURING_APPRAISAL = local(20, 10, 9)
DURING_SUPPLEMENT = local(14, 11, 9)


@dataclass
class World:
    s: Session
    round: Round
    units: dict  # code -> Unit
    users: dict  # key -> AppUser
    team: AppraisalTeam
    team2: AppraisalTeam
    crit: dict  # code -> Criterion
    assessments: dict = field(default_factory=dict)  # "A"/"B" -> Assessment

    @property
    def a(self):
        return self.units["T4-XA-A"]

    @property
    def b(self):
        return self.units["T4-XA-B"]

    def line(self, unit, code):
        """The score line of criterion `code` for unit "A" or "B"."""
        return (
            self.s.query(ScoreLine)
            .filter_by(assessment_id=self.assessments[unit].id, criterion_id=self.crit[code].id)
            .one()
        )

    def fresh(self, obj):
        """The row as the database holds it now (what another user would see)."""
        self.s.expire_all()
        return self.s.get(type(obj), obj.id)

    def events(self, action, entity="score_line", entity_id=None):
        query = self.s.query(AuditEvent).filter_by(action=action, entity=entity)
        if entity_id is not None:
            query = query.filter_by(entity_id=entity_id)
        return query.order_by(AuditEvent.id).all()


def _people(s):
    units = {}
    commune_type = s.query(Unit).filter_by(code="XA001").one().unit_type_id
    for code, name, parent in UNITS:
        unit = Unit(code=code, name=name, unit_type_id=commune_type, parent=units.get(parent))
        s.add(unit)
        units[code] = unit
    s.flush()
    users = {}
    for key, (role_name, unit_code) in PEOPLE.items():
        unit = units.get(unit_code) or (
            s.query(Unit).filter_by(code=unit_code).one() if unit_code else None
        )
        user = AppUser(
            username=f"t4.{key}", first_name=key.replace("_", " ").title(), last_name="Thử",
            email=f"t4.{key}@songlam.gov.vn", active=True,
            roles=[s.query(Role).filter_by(name=role_name).one()],
            unit_id=unit.id if unit else None,
        )  # fmt: skip
        s.add(user)
        users[key] = user
    s.commit()
    return units, users


def _framework(s, unit_type_id):
    framework = Framework(
        code=FRAMEWORK_CODE, name="Bộ tiêu chí thử thẩm định", year=2031,
        unit_type_id=unit_type_id, max_points=Decimal("16"), frozen=True,
    )  # fmt: skip
    s.add(framework)
    crit = {}
    for code, title, top, rule, extra in TREE:
        parent = crit.get(code.rsplit(".", 1)[0]) if "." in code else None
        crit[code] = Criterion(
            framework=framework, parent=parent, code=code, sort_key=code_sort_key(code),
            title=title, max_points=Decimal(top), rule=rule or "number",
            **{k: Decimal(v) if isinstance(v, str) else v for k, v in extra.items()},
        )  # fmt: skip
        s.add(crit[code])
    crit["1.2"].options = [
        CriterionOption(key="co", label="Có, đúng hạn", points=Decimal("2"), position=0),
        CriterionOption(key="tre", label="Có, trễ hạn", points=Decimal("1"), position=1),
        CriterionOption(key="khong", label="Không", points=Decimal("0"), position=2),
    ]
    crit["1.3.1"].tiers = [
        CriterionTier(min_percent=Decimal("90"), points=Decimal("2")),
        CriterionTier(min_percent=Decimal("50"), points=Decimal("1")),
        CriterionTier(min_percent=Decimal("0"), points=Decimal("0")),
    ]
    return framework, crit


def build_world(s, units, users):
    framework, crit = _framework(s, units["T4-XA-A"].unit_type_id)
    round_ = Round(
        name="Đợt thử thẩm định 2031", year=2031, framework=framework,
        organiser_unit=s.query(Unit).filter_by(code="SNV").one(),
        units=[units["T4-XA-A"], units["T4-XA-B"]], phase=PHASE_SELF,
        self_start=SELF[0], self_end=SELF[1], appraisal_start=APPRAISAL[0],
        appraisal_end=APPRAISAL[1], supplement_start=SUPPLEMENT[0], supplement_end=SUPPLEMENT[1],
    )  # fmt: skip
    s.add(round_)
    team = AppraisalTeam(round=round_, name="T4 Tổ thẩm định 1")
    team.members = [TeamMember(user=users[k], role=r) for k, r in TEAM1]
    team2 = AppraisalTeam(round=round_, name="T4 Tổ thẩm định 2")
    team2.members = [TeamMember(user=users[k], role=r) for k, r in TEAM2]
    s.add_all([team, team2, CouncilMember(round=round_, user=users["council"], position="Ủy viên")])
    s.flush()
    world = World(s, round_, units, users, team, team2, crit)
    for key, code in (("A", "T4-XA-A"), ("B", "T4-XA-B")):
        assessment = Assessment(round_id=round_.id, unit_id=units[code].id)
        s.add(assessment)
        s.flush()
        world.assessments[key] = assessment
        for leaf in LEAVES:
            s.add(ScoreLine(assessment_id=assessment.id, criterion_id=crit[leaf].id, version=1,
                            self_points=None if crit[leaf].rule == "survey" else Decimal("1"),
                            self_input=None if crit[leaf].rule == "survey" else "1"))  # fmt: skip
    # Unit A submitted on time; unit B never did (its window simply closed).
    world.assessments["A"].status = "submitted"
    s.commit()
    return world


def remove_world(s, world):
    s.rollback()
    round_id = world.round.id
    assessment_ids = [a.id for a in world.assessments.values()]
    line_ids = [
        i for (i,) in s.query(ScoreLine.id).filter(ScoreLine.assessment_id.in_(assessment_ids))
    ]
    user_ids = [u.id for u in world.users.values()]
    s.query(AuditEvent).filter(
        AuditEvent.user_id.in_(user_ids)
        | ((AuditEvent.entity == "score_line") & AuditEvent.entity_id.in_(line_ids))
        | ((AuditEvent.entity == "round") & (AuditEvent.entity_id == round_id))
    ).delete(synchronize_session=False)
    for model, column in ((Evidence, Evidence.score_line_id),
                          (SupplementRequest, SupplementRequest.score_line_id)):  # fmt: skip
        s.query(model).filter(column.in_(line_ids)).delete(synchronize_session=False)
    for model in (Assignment, CouncilMember, WindowGrant):
        s.query(model).filter(model.round_id == round_id).delete(synchronize_session=False)
    s.query(ScoreLine).filter(ScoreLine.id.in_(line_ids)).delete(synchronize_session=False)
    s.query(Assessment).filter(Assessment.id.in_(assessment_ids)).delete(synchronize_session=False)
    team_ids = [world.team.id, world.team2.id]
    s.query(TeamMember).filter(TeamMember.team_id.in_(team_ids)).delete(synchronize_session=False)
    s.query(AppraisalTeam).filter(AppraisalTeam.id.in_(team_ids)).delete(synchronize_session=False)
    round_ = s.get(Round, round_id)
    framework_id = round_.framework_id
    round_.units = []
    s.flush()
    s.delete(round_)
    s.flush()
    criteria = [c.id for c in world.crit.values()]
    s.query(CriterionOption).filter(CriterionOption.criterion_id.in_(criteria)).delete()
    s.query(CriterionTier).filter(CriterionTier.criterion_id.in_(criteria)).delete()
    for depth in (2, 1, 0):
        ids = [c.id for code, c in world.crit.items() if code.count(".") == depth]
        s.query(Criterion).filter(Criterion.id.in_(ids)).delete(synchronize_session=False)
    s.query(Framework).filter_by(id=framework_id).delete()
    s.commit()


def remove_people(s, units, users):
    for user in users.values():
        user = s.merge(user)
        user.roles = []
        s.delete(user)
    s.flush()
    for code, _name, _parent in reversed(UNITS):
        s.query(Unit).filter_by(code=code).delete()
    s.commit()


@pytest.fixture(scope="module")
def people(test_engine):
    with Session(test_engine) as s:
        units, users = _people(s)
        ids = ({k: u.id for k, u in units.items()}, {k: u.id for k, u in users.items()})
    yield ids
    with Session(test_engine) as s:
        remove_people(
            s, {k: s.get(Unit, i) for k, i in ids[0].items()},
            {k: s.get(AppUser, i) for k, i in ids[1].items()},
        )  # fmt: skip


@pytest.fixture()
def world(test_engine, people):
    """A fresh round (framework, teams, council, two assessments) for one test."""
    unit_ids, user_ids = people
    s = Session(test_engine)
    units = {k: s.get(Unit, i) for k, i in unit_ids.items()}
    users = {k: s.get(AppUser, i) for k, i in user_ids.items()}
    built = build_world(s, units, users)
    yield built
    remove_world(s, built)
    s.close()


# --- helpers the tests share --------------------------------------------------------------------


def assign(world, code, kind, member, units=("A",), actor="leader", team=None):
    """Apply an assignment through the domain and commit: inside the world's appraisal window,
    or at the real clock when a test moved the windows around now (tests/web/appraisal_web)."""
    from app.domain.assignment import apply_assignment

    unit_ids = [world.units[f"T4-XA-{u}"].id for u in units]
    now = DURING_APPRAISAL if world.round.appraisal_start == APPRAISAL[0] else None
    plan = apply_assignment(
        world.s, world.round, team or world.team, unit_ids, world.crit[code],
        world.users[member], kind, world.users[actor], now=now,
    )  # fmt: skip
    world.s.commit()
    return plan


def staff_everything(world, units=("A",)):
    """Team 1 takes both fields of the units: support member and appraiser."""
    for code in ("1", "2"):
        assign(world, code, "support", "support", units)
        assign(world, code, "appraiser", "appraiser", units)


def _catalogue():
    entries = {}
    if os.path.exists(PENDING_TSV):
        with open(PENDING_TSV, encoding="utf-8", newline="") as handle:
            for row in csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE):
                if len(row) == 2:
                    entries[row[0]] = row[1]
    from babel.messages.pofile import read_po

    with open(CATALOGUE, "rb") as handle:
        for message in read_po(handle):
            if message.id and isinstance(message.id, str) and message.string:
                entries.setdefault(message.id, message.string)
    return entries


_ENTRIES = None


def vietnamese(message):
    """The Vietnamese translation of a refusal: the message must come from a msgid that is
    translated, in the catalogue or in this piece's pending file. Fails otherwise."""
    global _ENTRIES
    _ENTRIES = _ENTRIES or _catalogue()
    matches = []
    for msgid, translation in _ENTRIES.items():
        pattern = re.sub(r"%\\\(\w+\\\)s", ".+?", re.escape(msgid))
        if re.fullmatch(pattern, message, flags=re.S):
            matches.append((len(re.sub(r"%\(\w+\)s", "", msgid)), msgid, translation))
    assert matches, f"no Vietnamese translation for: {message!r}"
    _length, msgid, translation = max(matches)
    assert translation and translation != msgid
    return translation
