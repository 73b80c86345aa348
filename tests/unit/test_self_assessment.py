"""Self-assessment rules through the domain, on the demo database, without HTTP.

Works on this year's commune round (last year's is published) and unit XA003 with accounts
made here, so it never meets the lines the web tests use; `now` is passed in, so the
calendar does not matter."""

import datetime
from decimal import Decimal

import pytest
from flask_appbuilder.security.sqla.models import Role

from app.domain import self_assessment as sa
from app.domain.errors import DomainError
from app.models import AppUser, Assessment, AuditEvent, Criterion, Round, ScoreLine, Unit
from app.security import roles


@pytest.fixture()
def setup(session):
    unit = session.query(Unit).filter_by(code="XA003").one()
    round_ = session.query(Round).filter(Round.name.contains("2026")).one()
    assessment = session.query(Assessment).filter_by(round_id=round_.id, unit_id=unit.id).one()

    def account(username, role_name):
        user = session.query(AppUser).filter_by(username=username).one_or_none()
        if user is None:
            role = session.query(Role).filter_by(name=role_name).one()
            user = AppUser(
                username=username, first_name="Thử", last_name="Nguyễn", active=True,
                email=f"{username}@songlam.gov.vn", roles=[role], unit_id=unit.id,
            )  # fmt: skip
            session.add(user)
            session.commit()
        return user

    leader = account("test.leader.xa003", roles.UNIT_LEADER)
    staff = account("test.staff.xa003", roles.UNIT_STAFF)
    now = round_.self_start + datetime.timedelta(days=1)
    yield session, assessment, leader, staff, now
    session.rollback()


def _line(session, assessment, rule, **extra):
    conditions = [getattr(Criterion, key) == value for key, value in extra.items()]
    return (
        session.query(ScoreLine)
        .join(Criterion, ScoreLine.criterion_id == Criterion.id)
        .filter(ScoreLine.assessment_id == assessment.id, Criterion.rule == rule, *conditions)
        .order_by(Criterion.sort_key)
        .first()
    )


def test_leader_saves_a_vietnamese_decimal_and_the_change_is_logged(setup):
    session, assessment, leader, _staff, now = setup
    line = _line(session, assessment, "number")
    result = sa.save_self_score(session, line, "0,5", leader, now=now)
    session.commit()
    assert result.ok and line.self_points == Decimal("0.50")
    event = (
        session.query(AuditEvent)
        .filter_by(entity="score_line", entity_id=line.id, action="score")
        .order_by(AuditEvent.id.desc())
        .first()
    )
    assert event.user_id == leader.id and event.new_value == "0,5"


def test_bad_input_changes_nothing(setup):
    session, assessment, leader, _staff, now = setup
    line = _line(session, assessment, "number")
    before = line.self_points
    for raw in ("abc", "8,,5", "-1", "999"):
        with pytest.raises(DomainError):
            sa.save_self_score(session, line, raw, leader, now=now)
    assert line.self_points == before


def test_staff_writes_only_lines_assigned_to_them(setup):
    session, assessment, leader, staff, now = setup
    line = _line(session, assessment, "number")
    with pytest.raises(DomainError) as refused:
        sa.save_self_score(session, line, "0", staff, now=now)
    assert "assigned" in refused.value.message
    field = session.get(Criterion, line.criterion.parent_id)
    count = sa.assign_lines(session, assessment, field, staff, leader, now=now)
    session.commit()
    assert count >= 1
    sa.save_self_score(session, line, "0", staff, now=now)


def test_after_the_deadline_every_write_is_refused(setup):
    session, assessment, leader, _staff, _now = setup
    line = _line(session, assessment, "number")
    late = assessment.round.self_end + datetime.timedelta(minutes=1)
    with pytest.raises(DomainError, match="closed"):
        sa.save_self_score(session, line, "0", leader, now=late)
    with pytest.raises(DomainError):
        sa.save_explanation(session, line, "muộn", leader, now=late)
    with pytest.raises(DomainError):
        sa.submit(session, assessment, leader, now=late)


def test_survey_lines_are_not_self_scored(setup):
    session, assessment, leader, _staff, now = setup
    line = _line(session, assessment, "survey")
    with pytest.raises(DomainError, match="survey"):
        sa.save_self_score(session, line, "1", leader, now=now)


def test_submit_lists_what_is_missing_then_withdraw(setup):
    session, assessment, leader, _staff, now = setup
    with pytest.raises(DomainError) as refused:
        sa.submit(session, assessment, leader, now=now)
    assert refused.value.errors and all(":" in e for e in refused.value.errors)
    for line, _reason in sa.missing_items(session, assessment):
        criterion = line.criterion
        if line.self_points is None:
            if criterion.rule == "choice":
                raw = criterion.options[-1].key
            else:
                raw = "0"
            sa.save_self_score(session, line, raw, leader, now=now)
        if criterion.evidence_required:
            sa.save_explanation(session, line, "Có văn bản lưu tại đơn vị", leader, now=now)
    sa.submit(session, assessment, leader, now=now)
    session.commit()
    assert assessment.status == "submitted"
    line = _line(session, assessment, "number")
    with pytest.raises(DomainError, match="submitted"):
        sa.save_self_score(session, line, "0", leader, now=now)
    # At the deadline's minute the submission stays: withdrawing is for before it.
    with pytest.raises(DomainError, match="closed at"):
        sa.withdraw(session, assessment, leader, now=assessment.round.self_end)
    assert assessment.status == "submitted"
    sa.withdraw(session, assessment, leader, now=now)
    session.commit()
    assert assessment.status == "draft"


def test_not_applicable_needs_a_reason_and_permission(setup):
    session, assessment, leader, _staff, now = setup
    allowed = _line(session, assessment, "number", allow_not_applicable=True) or _line(
        session, assessment, "choice", allow_not_applicable=True
    )
    with pytest.raises(DomainError):
        sa.set_not_applicable(session, allowed, True, "", leader, now=now)
    sa.set_not_applicable(session, allowed, True, "Đơn vị không có TTHC", leader, now=now)
    assert allowed.not_applicable and allowed.self_points is None
    sa.set_not_applicable(session, allowed, False, None, leader, now=now)
    session.commit()
