"""Steps 2 to 4: support score, appraisal, approval and return, by the line's resolved
assignees only, inside the appraisal window to the minute. Domain level, no HTTP."""

import datetime
from decimal import Decimal

import pytest

from app.domain import appraisal as ap
from app.domain import approval as apr
from app.domain.errors import DomainError
from app.domain.self_assessment import ConflictError
from app.models import WindowGrant
from tests.unit.appraisal_world import (
    APPRAISAL,
    DURING_APPRAISAL,
    GOOD_INPUT,
    assign,
    staff_everything,
    vietnamese,
)

NOW = DURING_APPRAISAL
MINUTE = datetime.timedelta(minutes=1)


def _support(world, code, raw=None, comment=None, who="support", unit="A", now=NOW):
    line = world.line(unit, code)
    result = ap.save_support_score(
        world.s, line, GOOD_INPUT[code] if raw is None else raw, comment, world.users[who],
        now=now,
    )  # fmt: skip
    world.s.commit()
    return line, result


def _appraise(world, code, raw=None, comment=None, who="appraiser", unit="A", now=NOW):
    line = world.line(unit, code)
    ap.appraise(world.s, line, world.users[who], raw=raw, comment=comment, now=now)
    world.s.commit()
    return line


def _refused(call, *args, **kwargs):
    with pytest.raises(DomainError) as refused:
        call(*args, **kwargs)
    vietnamese(refused.value.message)
    return refused.value.message


def test_support_member_scores_every_kind_of_rule(world):
    staff_everything(world)
    expected = {"1.1": "3.50", "1.2": "2.00", "1.3.1": "2.00", "1.3.2": "1.50"}
    for code, points in expected.items():
        line, result = _support(world, code, comment="Đủ hồ sơ")
        assert line.support_points == Decimal(points) and result.ok
        assert line.appraisal_state == "scored" and line.support_by_id == world.users["support"].id
    event = world.events("support_score", entity_id=world.line("A", "1.1").id)[-1]
    assert (event.new_value, event.reason) == ("3,5", "Đủ hồ sơ")
    # The round left its self-assessment phase with the first appraisal write, logged.
    assert world.fresh(world.round).phase == "appraisal"
    assert world.events("phase", "round", world.round.id)


def test_invalid_input_is_refused_and_nothing_changes(world):
    staff_everything(world)
    line, _ = _support(world, "1.1", "3,5")
    for raw in ("abc", "4,25", "9", "", "-1"):
        _refused(ap.save_support_score, world.s, line, raw, None, world.users["support"], now=NOW)
    assert world.fresh(line).support_points == Decimal("3.50")


@pytest.mark.parametrize("who", ["support_a", "appraiser", "leader", "support2", "admin"])
def test_only_the_lines_support_member_scores_it(world, who):
    staff_everything(world)
    message = _refused(_support, world, "1.1", who=who)
    assert message == "This line is not assigned to you for scoring."
    assert world.fresh(world.line("A", "1.1")).support_points is None


def test_lines_of_units_outside_the_members_assignment_are_refused(world):
    staff_everything(world, units=("A",))
    assert "not assigned to you" in _refused(_support, world, "1.1", unit="B")


def test_survey_and_not_applicable_lines_are_not_scored(world):
    staff_everything(world)
    assert "sociological survey" in _refused(_support, world, "2.3", raw="1")
    line = world.line("A", "2.1")
    line.not_applicable = True
    world.s.commit()
    assert "not applicable" in _refused(_support, world, "2.1")


def test_a_stale_version_gets_a_conflict_with_the_other_value(world):
    staff_everything(world)
    line, _ = _support(world, "1.1", "3")
    stale = line.version - 1
    with pytest.raises(ConflictError) as conflict:
        ap.save_support_score(
            world.s, line, "2", None, world.users["support"], now=NOW, expected_version=stale
        )
    assert conflict.value.current == Decimal("3.00") and "3" in conflict.value.message
    assert world.fresh(line).support_points == Decimal("3.00")


def test_appraisal_window_to_the_minute(world):
    staff_everything(world)
    start, end = APPRAISAL
    assert "opens at 16/10/2031 08:00" in _refused(_support, world, "1.1", now=start - MINUTE)
    _support(world, "1.1", now=start)
    _support(world, "1.2", now=end - MINUTE)
    message = _refused(_support, world, "1.3.1", now=end)
    assert "closed at 27/10/2031 17:00" in message
    _appraise(world, "1.1", now=end - MINUTE)
    assert "closed" in _refused(_appraise, world, "1.2", now=end)
    assert "closed" in _refused(apr.approve_line, world.s, world.line("A", "1.1"),
                                world.users["leader"], now=end)  # fmt: skip
    assert "closed" in _refused(apr.return_line, world.s, world.line("A", "1.1"),
                                world.users["leader"], "Xem lại", now=end)  # fmt: skip


def test_the_organisers_extension_keeps_the_window_open_for_that_unit(world):
    staff_everything(world, units=("A", "B"))
    end = APPRAISAL[1]
    world.s.add(WindowGrant(round_id=world.round.id, unit_id=world.a.id, window="appraisal",
                            until=end + datetime.timedelta(days=1), reason="Mất điện"))  # fmt: skip
    world.s.commit()
    _support(world, "1.1", now=end + datetime.timedelta(hours=2))
    assert "closed" in _refused(_support, world, "1.1", unit="B", now=end + MINUTE)


def test_a_manual_lock_stops_the_appraisal(world):
    staff_everything(world)
    world.round.locked = True
    world.s.commit()
    assert "locked by the organiser" in _refused(_support, world, "1.1")


def test_the_self_assessment_must_be_settled_first(world):
    staff_everything(world, units=("B",))
    # Unit B never submitted; the organiser gave it three more days of self-assessment.
    world.s.add(WindowGrant(round_id=world.round.id, unit_id=world.b.id, window="self",
                            until=NOW + datetime.timedelta(days=3), reason="Gia hạn"))  # fmt: skip
    world.s.commit()
    assert "not submitted its self-assessment" in _refused(_support, world, "1.1", unit="B")
    _support(world, "1.1", unit="B", now=NOW + datetime.timedelta(days=3))


def test_appraiser_accepts_or_adjusts_and_an_adjustment_needs_a_comment(world):
    staff_everything(world)
    _support(world, "1.1", "3,5")
    line = _appraise(world, "1.1")  # accept: no comment needed
    assert line.appraised_points == Decimal("3.50") and line.appraisal_state == "appraised"
    _support(world, "1.2", "co")
    message = _refused(_appraise, world, "1.2", raw="tre")
    assert message == (
        "Your score (1) differs from the support member's (2): write a comment explaining why."
    )
    assert world.fresh(world.line("A", "1.2")).appraised_points is None
    line = _appraise(world, "1.2", raw="tre", comment="Báo cáo gửi trễ 3 ngày")
    assert line.appraised_points == Decimal("1.00") and line.appraised_input == "tre"
    event = world.events("appraise", entity_id=line.id)[-1]
    assert (event.old_value, event.new_value, event.reason) == ("", "1", "Báo cáo gửi trễ 3 ngày")
    # Re-appraising is possible until approval; the value it replaces stays in the log.
    _appraise(world, "1.2", raw="co")
    assert [e.new_value for e in world.events("appraise", entity_id=line.id)] == ["1", "2"]


def test_the_appraiser_waits_for_the_support_score_and_others_are_refused(world):
    staff_everything(world)
    assert _refused(_appraise, world, "1.1") == "The support member has not scored this line yet."
    _support(world, "1.1")
    assert "not assigned to you for appraisal" in _refused(_appraise, world, "1.1", who="support")
    _appraise(world, "1.1")
    assert "ask the team leader to return it" in _refused(_support, world, "1.1", raw="2")


def test_approving_a_line_not_yet_scored_or_appraised_is_refused(world):
    staff_everything(world)
    leader = world.users["leader"]
    line = world.line("A", "1.1")
    message = _refused(apr.approve_line, world.s, line, leader, now=NOW)
    assert message == "This line has not been scored yet: it cannot be approved."
    _support(world, "1.1")
    message = _refused(apr.approve_line, world.s, line, leader, now=NOW)
    assert message == "The appraiser has not reviewed this line yet: it cannot be approved."
    fresh = world.fresh(line)
    assert fresh.appraisal_state == "scored" and fresh.approved_points is None


def test_the_leader_approves_and_the_score_is_frozen(world):
    staff_everything(world)
    _support(world, "1.1")
    _appraise(world, "1.1", raw="3", comment="Thiếu một văn bản")
    line = world.line("A", "1.1")
    with pytest.raises(DomainError, match="Only the leader of T4 Tổ thẩm định 1"):
        apr.approve_line(world.s, line, world.users["admin"], now=NOW)
    apr.approve_line(world.s, line, world.users["leader"], "Đồng ý", now=NOW)
    world.s.commit()
    line = world.fresh(line)
    assert (line.approved_points, line.appraisal_state) == (Decimal("3.00"), "approved")
    assert line.support_points == Decimal("3.50")  # every value is kept beside the others
    assert "frozen" in _refused(_support, world, "1.1", raw="1")
    assert "frozen" in _refused(_appraise, world, "1.1", raw="1", comment="x")
    assert "frozen" in _refused(apr.return_line, world.s, line, world.users["leader"], "x", now=NOW)


def test_approval_per_field_and_per_unit_reports_what_was_skipped(world):
    staff_everything(world)
    for code in ("1.1", "1.2", "1.3.1"):
        _support(world, code)
        _appraise(world, code)
    leader = world.users["leader"]
    report = apr.approve_field(world.s, world.assessments["A"], world.crit["1"], leader, now=NOW)
    world.s.commit()
    assert [line.criterion.code for line in report.approved] == ["1.1", "1.2", "1.3.1"]
    assert report.messages == ["1.3.2: This line has not been scored yet: it cannot be approved."]
    for code in ("1.3.2", "2.1", "2.2"):
        _support(world, code)
        _appraise(world, code)
    report = apr.approve_unit(world.s, world.assessments["A"], leader, now=NOW)
    world.s.commit()
    assert [line.criterion.code for line in report.approved] == ["1.3.2", "2.1", "2.2"]
    assert report.already == 3 and not report.skipped  # the survey line is left out


def test_returned_line_is_reworked_then_approved(world):
    staff_everything(world)
    _support(world, "1.1", "4")
    _appraise(world, "1.1")
    leader = world.users["leader"]
    line = world.line("A", "1.1")
    assert "Write why" in _refused(apr.return_line, world.s, line, leader, "  ", now=NOW)
    apr.return_line(world.s, line, leader, "Chưa đối chiếu văn bản gốc", now=NOW)
    world.s.commit()
    assert world.fresh(line).appraisal_state == "returned"
    assert "returned" in _refused(apr.approve_line, world.s, world.line("A", "1.1"), leader,
                                  now=NOW)  # fmt: skip
    _support(world, "1.1", "3,5", comment="Đã đối chiếu")
    _appraise(world, "1.1")
    apr.approve_line(world.s, world.line("A", "1.1"), leader, now=NOW)
    world.s.commit()
    assert world.fresh(line).approved_points == Decimal("3.50")
    event = world.events("return", entity_id=line.id)[-1]
    assert event.reason == "Chưa đối chiếu văn bản gốc" and event.new_value == "returned"


def test_another_teams_leader_and_members_cannot_touch_the_lines(world):
    staff_everything(world)
    _support(world, "1.1")
    _appraise(world, "1.1")
    line = world.line("A", "1.1")
    assert "Only the leader" in _refused(apr.approve_line, world.s, line, world.users["leader2"],
                                         now=NOW)  # fmt: skip
    assert "Only the leader" in _refused(apr.return_line, world.s, line, world.users["leader2"],
                                         "x", now=NOW)  # fmt: skip
    assert "not assigned to you" in _refused(_support, world, "1.2", who="support2")
    # Team 2 takes unit B's field 2: team 1's leader cannot approve those lines.
    assign(world, "2", "support", "support2", units=("B",), actor="leader2", team=world.team2)
    assign(world, "2", "appraiser", "leader2", units=("B",), actor="leader2", team=world.team2)
    _support(world, "2.2", who="support2", unit="B")
    _appraise(world, "2.2", who="leader2", unit="B")
    report = apr.approve_unit(world.s, world.assessments["B"], world.users["leader"], now=NOW)
    assert not report.approved
    assert "2.2: Only the leader of T4 Tổ thẩm định 2 decides on this line." in report.messages
    assert "1.1: Nobody has been assigned this line yet." in report.messages
    report = apr.approve_unit(world.s, world.assessments["B"], world.users["leader2"], now=NOW)
    assert [line.criterion.code for line in report.approved] == ["2.2"]
