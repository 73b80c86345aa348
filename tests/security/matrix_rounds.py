"""The rows of the access matrix's world (tests/security/matrix_world.py) beyond the appraisal
round of tests/unit/appraisal_world.py: the self-assessment round S, the published round R,
two draft frameworks, a Viewer account, FAB user groups; and their removal."""

import datetime
from decimal import Decimal

from flask_appbuilder.security.sqla.models import Group, Role
from sqlalchemy import delete, or_, select
from werkzeug.security import generate_password_hash

from app.domain.criteria_tree import code_sort_key
from app.domain.publication import publish_round
from app.domain.results import compute_results
from app.domain.rounds import open_round
from app.models import (
    AppUser,
    Assessment,
    AuditEvent,
    Criterion,
    CriterionOption,
    CriterionTier,
    Evidence,
    Framework,
    GradeBand,
    Round,
    ScoreLine,
    SupplementRequest,
    Unit,
    UnitResult,
    WindowGrant,
)
from app.models.rounds import round_unit
from app.models.sso import SsoMapping
from app.security import roles
from tests.conftest import DEMO_PASSWORD

DAY = datetime.timedelta(days=1)
VIEWER = "am.viewer"


def self_round(s, w, now):
    organiser = w.users["organiser"]
    round_ = Round(
        name="Đợt thử ma trận quyền 2032", year=2032, framework=w.round.framework,
        organiser_unit_id=w.round.organiser_unit_id, units=[w.a, w.b],
        self_start=now - DAY, self_end=now + 5 * DAY, appraisal_start=now + 10 * DAY,
        appraisal_end=now + 20 * DAY, supplement_start=now + 25 * DAY,
        supplement_end=now + 30 * DAY,
    )  # fmt: skip
    s.add(round_)
    s.flush()
    open_round(s, round_, organiser, now=now)
    s.flush()
    lines = {}
    for assessment in s.query(Assessment).filter_by(round_id=round_.id):
        unit = "A" if assessment.unit_id == w.a.id else "B"
        for line in s.query(ScoreLine).filter_by(assessment_id=assessment.id):
            lines[(unit, line.criterion.code)] = line
            if unit == "A":
                line.preparer_id = w.users["unit_staff"].id
    for unit in ("A", "B"):
        s.add(Evidence(score_line=lines[(unit, "1.1")], kind="link",
                       url=f"https://{unit}.example/s", uploaded_at=now))  # fmt: skip
        s.add(WindowGrant(round_id=round_.id, unit_id=w.units[f"T4-XA-{unit}"].id, window="self",
                          until=now + 10 * DAY, reason="Gia hạn thử", granted_at=now))  # fmt: skip
    s.add(SupplementRequest(round_id=round_.id, score_line=lines[("B", "1.1")], reason="Thử",
                            requested_by_id=w.users["council"].id, requested_at=now))  # fmt: skip
    s.commit()
    return round_


def results_round(s, w, now):
    """R: opened, every scored line approved, finalised, computed and published, in 2030."""
    organiser, past = w.users["organiser"], now - 400 * DAY
    framework = w.round.framework
    framework.grade_bands = [GradeBand(name="Tốt", min_index=Decimal(80), position=0),
                             GradeBand(name="Khá", min_index=Decimal(0), position=1)]  # fmt: skip
    round_ = Round(
        name="Đợt thử ma trận quyền 2030", year=2030, framework=framework,
        organiser_unit_id=w.round.organiser_unit_id, units=[w.a, w.b],
        self_start=past, self_end=past + 10 * DAY, appraisal_start=past + 12 * DAY,
        appraisal_end=past + 20 * DAY, supplement_start=past + 22 * DAY,
        supplement_end=past + 30 * DAY,
    )  # fmt: skip
    s.add(round_)
    s.flush()
    open_round(s, round_, organiser, now=past)
    s.flush()
    points = {"A": Decimal("1.5"), "B": Decimal("0.5")}
    for assessment in s.query(Assessment).filter_by(round_id=round_.id):
        unit = "A" if assessment.unit_id == w.a.id else "B"
        assessment.status = "submitted"
        for line in s.query(ScoreLine).filter_by(assessment_id=assessment.id):
            if line.criterion.rule != "survey":
                line.self_points = line.approved_points = points[unit]
                line.appraisal_state, line.approved_at = "approved", past + 15 * DAY
    round_.phase, round_.finalised_at = "finalised", past + 31 * DAY
    compute_results(s, round_, organiser, now=past + 32 * DAY)
    publish_round(s, round_, organiser, now=past + 33 * DAY)
    s.commit()
    return round_


DRAFTS = ("MT-NHAP-A", "MT-NHAP-B")


def drafts(s, unit_type_id):
    """Two frameworks in draft (not frozen: the organiser may still edit them), each with a
    heading, a choice criterion with two options, a tiered one with two tiers, two bands."""
    for code in DRAFTS:
        framework = Framework(code=code, name=f"Bộ tiêu chí nháp {code[-1]}", year=2033,
                              unit_type_id=unit_type_id, max_points=Decimal(10))  # fmt: skip
        heading = Criterion(framework=framework, code="1", sort_key=code_sort_key("1"),
                            title="Lĩnh vực nháp", max_points=Decimal(10))  # fmt: skip
        choice = Criterion(framework=framework, parent=heading, code="1.1", rule="choice",
                           sort_key=code_sort_key("1.1"), title="Có kế hoạch",
                           max_points=Decimal(5))  # fmt: skip
        tiers = Criterion(
            framework=framework,
            parent=heading,
            code="1.2",
            rule="tiers",
            sort_key=code_sort_key("1.2"),
            title="Tỷ lệ",
            max_points=Decimal(5),
        )
        choice.options = [CriterionOption(key="co", label="Có", points=Decimal(5), position=0),
                          CriterionOption(key="khong", label="Không", points=Decimal(0),
                                          position=1)]  # fmt: skip
        tiers.tiers = [CriterionTier(min_percent=Decimal(90), points=Decimal(5)),
                       CriterionTier(min_percent=Decimal(0), points=Decimal(0))]  # fmt: skip
        framework.grade_bands = [
            GradeBand(name="Tốt", min_index=Decimal(80), position=0),
            GradeBand(name="Khá", min_index=Decimal(0), position=1),
        ]
        s.add_all([framework, heading, choice, tiers])
    s.commit()


def viewer(s):
    viewer = AppUser(
        username=VIEWER, first_name="Người xem", last_name="Thử", email="am.viewer@test.vn",
        active=True, roles=[s.query(Role).filter_by(name=roles.VIEWER).one()],
        unit_id=s.query(Unit.id).filter_by(code="T4-HUYEN").scalar(),
        password=generate_password_hash(DEMO_PASSWORD),
    )  # fmt: skip
    s.add(viewer)
    s.commit()
    return viewer


def add_groups(s):
    """FAB's user groups: two of the test's own (the app uses none)."""
    for name in ("matrix-group-a", "matrix-group-b"):
        if not s.query(Group).filter_by(name=name).first():
            s.add(Group(name=name, label=name))
    s.commit()


def remove_extras(s, appraisal_round, self_round, results_round, viewer_id):
    """Everything above (and what the tests added to S and R), change log included."""
    extra_rounds = [self_round, results_round]
    assessments = s.scalars(
        select(Assessment.id).where(Assessment.round_id.in_(extra_rounds))
    ).all()
    lines = s.scalars(select(ScoreLine.id).where(ScoreLine.assessment_id.in_(assessments))).all()
    s.execute(delete(AuditEvent).where(or_(
        AuditEvent.user_id == viewer_id,
        (AuditEvent.entity == "round") & AuditEvent.entity_id.in_(extra_rounds),
        (AuditEvent.entity == "score_line") & AuditEvent.entity_id.in_(lines),
    )))  # fmt: skip
    s.execute(delete(UnitResult).where(UnitResult.round_id == results_round))
    s.execute(delete(SupplementRequest).where(SupplementRequest.round_id.in_(extra_rounds)))
    s.execute(delete(Evidence).where(Evidence.score_line_id.in_(lines)))
    s.execute(delete(WindowGrant).where(WindowGrant.round_id.in_(extra_rounds)))
    s.execute(delete(ScoreLine).where(ScoreLine.id.in_(lines)))
    s.execute(delete(Assessment).where(Assessment.id.in_(assessments)))
    s.execute(delete(round_unit).where(round_unit.c.round_id.in_(extra_rounds)))
    s.execute(delete(Round).where(Round.id.in_(extra_rounds)))
    framework_id = s.scalar(select(Round.framework_id).where(Round.id == appraisal_round))
    s.execute(delete(GradeBand).where(GradeBand.framework_id == framework_id))
    drafts = s.scalars(select(Framework.id).where(Framework.code.in_(DRAFTS))).all()
    criteria = s.scalars(select(Criterion.id).where(Criterion.framework_id.in_(drafts))).all()
    s.execute(delete(CriterionOption).where(CriterionOption.criterion_id.in_(criteria)))
    s.execute(delete(CriterionTier).where(CriterionTier.criterion_id.in_(criteria)))
    s.execute(delete(GradeBand).where(GradeBand.framework_id.in_(drafts)))
    s.execute(delete(Criterion).where(Criterion.id.in_(criteria), Criterion.parent_id.is_not(None)))
    s.execute(delete(Criterion).where(Criterion.id.in_(criteria)))
    s.execute(delete(Framework).where(Framework.id.in_(drafts)))
    s.execute(delete(SsoMapping).where(SsoMapping.subject.like("matrix-%")))
    s.execute(delete(Group).where(Group.name.like("matrix-group-%")))
    viewer = s.get(AppUser, viewer_id)
    viewer.roles = []
    s.delete(viewer)
    s.commit()
