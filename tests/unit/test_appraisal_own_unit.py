"""Nobody appraises their own unit, at every step: the leader neither assigns nor approves nor
returns the lines of a unit they work for (or of a unit below theirs), and a member who moved
to the unit after being assigned can no longer score or appraise it. Domain level, no HTTP."""

from contextlib import contextmanager

import pytest

from app.domain import appraisal as ap
from app.domain import approval as apr
from app.domain import assignment as asg
from app.domain.errors import DomainError
from app.models import Assignment
from tests.unit.appraisal_world import (
    DURING_APPRAISAL,
    GOOD_INPUT,
    staff_everything,
)

NOW = DURING_APPRAISAL
OWN_UNIT = "You work for this unit or a unit above it: nobody appraises their own unit."
LEADER_OWN_UNIT = (
    "You work for this unit or a unit above it: nobody appraises their own unit, so the "
    "leader of another team must assign and approve its lines."
)


@contextmanager
def moved(world, who, unit_code):
    """`who` works for `unit_code` for the block (the accounts outlive one test: put back)."""
    user = world.users[who]
    before = user.unit_id
    user.unit_id = world.units[unit_code].id
    world.s.commit()
    try:
        yield user
    finally:
        world.s.rollback()
        user.unit_id = before
        world.s.commit()


def _score_and_appraise(world, codes, unit="A"):
    for code in codes:
        line = world.line(unit, code)
        ap.save_support_score(world.s, line, GOOD_INPUT[code], None, world.users["support"],
                              now=NOW)  # fmt: skip
        ap.appraise(world.s, line, world.users["appraiser"], now=NOW)
    world.s.commit()


def _values(world, unit="A"):
    world.s.expire_all()
    lines = world.assessments[unit].lines
    return sorted((ln.id, ln.appraisal_state, ln.approved_points, ln.version) for ln in lines)


@pytest.mark.parametrize("unit_code", ["T4-XA-A", "T4-HUYEN"])
def test_a_leader_of_the_unit_or_above_cannot_approve_or_return_its_lines(world, unit_code):
    staff_everything(world)
    _score_and_appraise(world, ("1.1", "1.2"))
    before = _values(world)
    line = world.line("A", "1.1")
    with moved(world, "leader", unit_code) as leader:
        assert apr.approve_decision(world.s, leader, line, NOW).reason == OWN_UNIT
        assert apr.return_decision(world.s, leader, line, NOW).reason == OWN_UNIT
        with pytest.raises(DomainError, match="nobody appraises their own unit"):
            apr.approve_line(world.s, line, leader, now=NOW)
        with pytest.raises(DomainError, match="nobody appraises their own unit"):
            apr.return_line(world.s, line, leader, "Chấm lại", now=NOW)
        # The bulk paths (field, unit) skip every line with the reason.
        report = apr.approve_unit(world.s, world.assessments["A"], leader, now=NOW)
        assert report.approved == []
        assert {reason for _line, reason in report.skipped} >= {OWN_UNIT}
        field = apr.approve_field(world.s, world.assessments["A"], world.crit["1"], leader,
                                  now=NOW)  # fmt: skip
        assert field.approved == [] and f"1.1: {OWN_UNIT}" in field.messages
        world.s.commit()
        assert _values(world) == before
    # Back at their own department, the same leader approves: the rule was the unit.
    apr.approve_line(world.s, world.line("A", "1.1"), world.users["leader"], now=NOW)
    world.s.commit()
    assert world.fresh(world.line("A", "1.1")).appraisal_state == "approved"


def test_a_leader_of_another_unit_still_approves_the_others(world):
    staff_everything(world, units=("A", "B"))
    _score_and_appraise(world, ("1.1",), unit="A")
    _score_and_appraise(world, ("1.1",), unit="B")
    with moved(world, "leader", "T4-XA-B") as leader:
        apr.approve_line(world.s, world.line("A", "1.1"), leader, now=NOW)
        with pytest.raises(DomainError, match="nobody appraises their own unit"):
            apr.approve_line(world.s, world.line("B", "1.1"), leader, now=NOW)
        world.s.commit()
    assert world.fresh(world.line("A", "1.1")).appraisal_state == "approved"
    assert world.fresh(world.line("B", "1.1")).appraisal_state == "appraised"


def test_a_member_who_moved_to_the_unit_can_no_longer_score_or_appraise_it(world):
    staff_everything(world)
    _score_and_appraise(world, ("1.1",))
    before = _values(world)
    with moved(world, "support", "T4-XA-A") as support:
        assert ap.support_decision(world.s, support, world.line("A", "1.2"), NOW).reason == (
            OWN_UNIT
        )
        with pytest.raises(DomainError, match="nobody appraises their own unit"):
            ap.save_support_score(world.s, world.line("A", "1.2"), "3", None, support, now=NOW)
        world.s.rollback()
    with moved(world, "appraiser", "T4-HUYEN") as appraiser:
        with pytest.raises(DomainError, match="nobody appraises their own unit"):
            ap.appraise(world.s, world.line("A", "1.1"), appraiser, raw="1", comment="x", now=NOW)
        world.s.rollback()
    assert _values(world) == before


def test_the_leader_cannot_assign_a_unit_they_work_for(world):
    unit_ids = [world.a.id, world.b.id]
    with moved(world, "leader", "T4-XA-A") as leader:
        plan = asg.plan_assignment(world.s, world.round, world.team, unit_ids, world.crit["1"],
                                   world.users["support"], "support", leader, NOW)  # fmt: skip
        assert not plan.ok
        assert plan.refusals == [f"Xã Thử A: {LEADER_OWN_UNIT}"]  # unit B is fine
        with pytest.raises(DomainError):
            asg.apply_assignment(world.s, world.round, world.team, unit_ids, world.crit["1"],
                                 world.users["support"], "support", leader, NOW)  # fmt: skip
        world.s.rollback()
    assert world.s.query(Assignment).filter_by(round_id=world.round.id).count() == 0


def test_in_the_demo_totruong_approves_other_departments_never_his_own(session):
    """README: totruong (Sở Nội vụ) has lines to approve in the departments' round, which
    includes Sở Nội vụ; none of them is his department's, and he cannot assign it either."""
    from app.demo.appraisal import ROUND_NAME
    from app.models import AppraisalTeam, AppUser, Criterion, Round, ScoreLine
    from app.models.scoring import Assessment

    round_ = session.query(Round).filter_by(name=ROUND_NAME).one()
    user = {u.username: u for u in session.query(AppUser).filter(
        AppUser.username.in_(["totruong", "giupviec"]))}  # fmt: skip
    leader = user["totruong"]
    assert leader.unit.code == "SNV" and leader.unit in round_.units
    appraised = (
        session.query(ScoreLine)
        .join(Assessment, ScoreLine.assessment_id == Assessment.id)
        .filter(Assessment.round_id == round_.id, ScoreLine.appraisal_state == "appraised")
        .all()
    )
    allowed = [line for line in appraised if apr.approve_decision(session, leader, line)]
    assert allowed
    assert {line.assessment.unit.code for line in allowed}.isdisjoint({"SNV"})
    team = session.query(AppraisalTeam).filter_by(round_id=round_.id).one()
    field = session.query(Criterion).filter_by(framework_id=round_.framework_id, code="1").one()
    plan = asg.plan_assignment(session, round_, team, [leader.unit_id], field, user["giupviec"],
                               "support", leader)  # fmt: skip
    assert plan.refusals == [f"{leader.unit.name}: {LEADER_OWN_UNIT}"]
    session.rollback()
