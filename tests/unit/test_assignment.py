"""Step 1, assignment by the team leader: preview, apply all or nothing, conflicts of interest,
overlaps (the most specific assignment wins), coverage. Domain level, no HTTP."""

import datetime

import pytest
from sqlalchemy import event

from app.domain import assignment as asg
from app.domain.errors import DomainError
from app.models import Assignment, WindowGrant
from app.models.rounds import PHASE_FINALISED
from tests.unit.appraisal_world import (
    APPRAISAL,
    DURING_APPRAISAL,
    SCORED,
    SELF,
    SUPPLEMENT,
    assign,
    vietnamese,
)

MINUTE = datetime.timedelta(minutes=1)
HOUR = datetime.timedelta(hours=1)
DAY = datetime.timedelta(days=1)


def _plan(world, code, kind, member, units=("A",), actor="leader", team=None):
    unit_ids = [world.units[f"T4-XA-{u}"].id for u in units]
    return asg.plan_assignment(
        world.s, world.round, team or world.team, unit_ids, world.crit[code],
        world.users[member], kind, world.users[actor],
    )  # fmt: skip


def _rows(world):
    world.s.expire_all()
    return world.s.query(Assignment).filter_by(round_id=world.round.id).all()


def _holder(world, unit, code, kind="support"):
    held = asg.assignee(world.s, world.line(unit, code), kind)
    return held.user.username if held else None


def test_preview_shows_lines_and_current_holders_and_writes_nothing(world):
    plan = _plan(world, "1", "support", "support", units=("A", "B"))
    assert plan.ok and plan.lines == 8
    assert [(u.unit_name, u.lines) for u in plan.units] == [("Xã Thử A", 4), ("Xã Thử B", 4)]
    assert all(u.current == [(None, 4)] and not u.replaces for u in plan.units)
    assert _rows(world) == []


def test_apply_assigns_every_unit_together_and_logs_it(world):
    assign(world, "1", "support", "support", units=("A", "B"))
    assert len(_rows(world)) == 2
    assert _holder(world, "A", "1.3.2") == _holder(world, "B", "1.1") == "t4.support"
    assert _holder(world, "A", "2.1") is None
    events = [
        e for e in world.events("assign", "assignment") if e.user_id == world.users["leader"].id
    ]
    assert len(events) == 2 and "T4-XA-A · 1 · support → t4.support" in events[0].new_value


def test_preview_shows_who_holds_the_lines_now(world):
    assign(world, "1", "support", "support", units=("B",))
    plan = _plan(world, "1.3", "support", "support_a", units=("B",))
    assert plan.ok
    assert [(user.username, n) for user, n in plan.units[0].current] == [("t4.support", 2)]


@pytest.mark.parametrize("actor", ["support", "leader2", "admin", "organiser"])
def test_only_the_leader_of_the_team_assigns(world, actor):
    plan = _plan(world, "1", "support", "support", actor=actor)
    assert not plan.ok
    assert "Only the leader of T4 Tổ thẩm định 1 may assign its work." in plan.refusals
    with pytest.raises(DomainError):
        asg.apply_assignment(
            world.s, world.round, world.team, [world.a.id], world.crit["1"],
            world.users["support"], "support", world.users[actor],
        )  # fmt: skip
    assert _rows(world) == []


def test_nobody_appraises_their_own_unit_and_nothing_is_applied(world):
    plan = _plan(world, "1", "support", "support_a", units=("A", "B"))
    assert [u.ok for u in plan.units] == [False, True]
    message = plan.units[0].refusals[0]
    assert "nobody appraises their own unit" in message
    vietnamese(message)
    with pytest.raises(DomainError) as refused:
        assign(world, "1", "support", "support_a", units=("A", "B"))
    assert refused.value.errors == ["Xã Thử A: " + message]
    vietnamese(refused.value.message)
    # All or nothing: unit B, which was fine, got nothing either.
    assert _rows(world) == []


def test_a_member_of_the_unit_above_is_refused_too(world):
    plan = _plan(world, "2", "appraiser", "support_up", units=("A", "B"))
    assert all(any("own unit" in r for r in u.refusals) for u in plan.units)


@pytest.mark.parametrize(
    "member, kind, expected",
    [
        ("appraiser", "support", "is not a support member of T4 Tổ thẩm định 1"),
        ("support", "appraiser", "is not an appraiser of T4 Tổ thẩm định 1"),
        ("support2", "support", "is not a member of T4 Tổ thẩm định 1"),
    ],
)
def test_the_member_must_hold_the_right_role_in_the_team(world, member, kind, expected):
    plan = _plan(world, "1", kind, member)
    assert not plan.ok and any(expected in p for p in plan.problems)
    vietnamese(plan.problems[0])


def test_the_leader_may_appraise_for_the_team(world):
    assert _plan(world, "1", "appraiser", "leader").ok


def test_units_outside_the_round_are_refused(world):
    unit_ids = [world.units["T4-XA-C"].id]
    plan = asg.plan_assignment(
        world.s, world.round, world.team, unit_ids, world.crit["1"], world.users["support"],
        "support", world.users["leader"],
    )  # fmt: skip
    assert plan.units[0].refusals == ["This unit does not take part in the round."]


def test_survey_criteria_are_not_assigned(world):
    plan = _plan(world, "2.3", "support", "support")
    assert any("sociological survey" in p for p in plan.problems)
    # ...and a field's survey line is not counted among the lines covered.
    assert _plan(world, "2", "support", "support").units[0].lines == 2


def test_overlaps_the_most_specific_wins_and_a_wider_one_replaces_those_inside(world):
    assign(world, "1", "support", "support", units=("B",))
    assign(world, "1.3", "support", "support_a", units=("B",))
    assert _holder(world, "B", "1.1") == "t4.support"
    assert _holder(world, "B", "1.3.1") == _holder(world, "B", "1.3.2") == "t4.support_a"
    # Assigning the whole field again replaces the team's 1.3, and the preview says so.
    plan = _plan(world, "1", "support", "support", units=("B",))
    assert plan.ok and [a.criterion.code for a in plan.units[0].replaces] == ["1.3"]
    assign(world, "1", "support", "support", units=("B",))
    assert _holder(world, "B", "1.3.1") == "t4.support"
    assert [a.criterion.code for a in _rows(world)] == ["1"]
    removed = world.events("unassign", "assignment")[-1]
    assert "1.3" in removed.old_value and "t4.support_a" in removed.old_value


def test_reassigning_the_same_subtree_changes_the_member(world):
    assign(world, "2", "support", "support", units=("B",))
    plan = _plan(world, "2", "support", "support_a", units=("B",))
    assert plan.units[0].existing is not None and plan.units[0].replaces
    assign(world, "2", "support", "support_a", units=("B",))
    rows = _rows(world)
    assert len(rows) == 1 and rows[0].user.username == "t4.support_a"
    assert "t4.support" in world.events("assign", "assignment", rows[0].id)[-1].old_value


@pytest.mark.parametrize("held, asked", [("1", "1.3"), ("1.3", "1"), ("1.3", "1.3")])
def test_another_team_cannot_take_an_overlapping_subtree(world, held, asked):
    assign(world, held, "support", "support", units=("A",))
    plan = _plan(world, asked, "support", "support2", actor="leader2", team=world.team2)
    assert not plan.ok
    message = plan.units[0].refusals[0]
    assert message == (
        f"{held} of this unit is already assigned to Thử Support by T4 Tổ thẩm định 1."
    )
    vietnamese(message)
    with pytest.raises(DomainError):
        assign(world, asked, "support", "support2", actor="leader2", team=world.team2)
    assert len(_rows(world)) == 1


def test_support_and_appraisal_may_come_from_different_teams(world):
    assign(world, "1", "support", "support")
    assert _plan(world, "1", "appraiser", "leader2", actor="leader2", team=world.team2).ok


def test_finalised_or_locked_round_refuses_assignment(world):
    world.round.phase = PHASE_FINALISED
    world.s.commit()
    plan = _plan(world, "1", "support", "support")
    assert "The round has been finalised by the council" in plan.problems[0]
    vietnamese(plan.problems[0])
    world.round.phase, world.round.locked = "appraisal", True
    world.s.commit()
    assert "locked by the organiser" in _plan(world, "1", "support", "support").problems[0]


def test_remove_assignment_falls_back_to_the_one_above(world):
    assign(world, "1", "support", "support")
    assign(world, "1.3", "appraiser", "appraiser")
    inner = next(a for a in _rows(world) if a.criterion.code == "1.3")
    with pytest.raises(DomainError, match="Only the leader"):
        asg.remove_assignment(world.s, inner, world.users["support"])
    asg.remove_assignment(world.s, inner, world.users["leader"])
    world.s.commit()
    assert _holder(world, "A", "1.3.1", "appraiser") is None
    assert _holder(world, "A", "1.3.1") == "t4.support"
    assert world.events("unassign", "assignment", inner.id)


def test_coverage_lists_every_line_still_missing_someone(world):
    gaps = asg.coverage(world.s, world.round)
    assert len(gaps) == 2 * len(SCORED)  # survey lines never appear
    assert all(g.missing == ("support", "appraiser") for g in gaps)
    assign(world, "1", "support", "support")
    assign(world, "1.1", "appraiser", "appraiser")
    by_line = {(g.unit_name, g.code): g.missing for g in asg.coverage(world.s, world.round)}
    assert ("Xã Thử A", "1.1") not in by_line
    assert by_line[("Xã Thử A", "1.2")] == ("appraiser",)
    assert by_line[("Xã Thử A", "2.1")] == ("support", "appraiser")
    assert by_line[("Xã Thử B", "1.1")] == ("support", "appraiser")
    assert [code for unit, code in by_line if unit == "Xã Thử A"] == SCORED[1:]


def test_assignees_for_a_sheet_take_the_same_queries_for_any_number_of_units(world, test_engine):
    assign(world, "1", "support", "support", units=("A", "B"))
    assign(world, "1.3", "appraiser", "appraiser", units=("A", "B"))
    counts, a, b, round_ = [], world.a.id, world.b.id, world.round

    def count(*_args, **_kwargs):
        counts[-1] += 1

    for unit_ids in ([a], [a, b]):
        world.s.expire_all()
        assert round_.id  # reloaded before counting: the sheet has its round already
        counts.append(0)
        event.listen(test_engine, "before_cursor_execute", count)
        try:
            held = asg.assignees_for(world.s, round_, unit_ids)
            assert {h.support.user.username for h in held.values() if h.support} == {"t4.support"}
        finally:
            event.remove(test_engine, "before_cursor_execute", count)
    # Assignments, their people, their teams, the lines: whatever the number of units.
    assert counts[0] == counts[1] <= 4
    line = world.line("B", "1.3.2")
    assert held[line.id].appraiser.user.username == "t4.appraiser"
    assert held[world.line("B", "1.1").id].appraiser is None


def test_nothing_is_assigned_without_units(world):
    plan = asg.plan_assignment(
        world.s, world.round, world.team, [], world.crit["1"], world.users["support"],
        "support", world.users["leader"],
    )  # fmt: skip
    assert plan.problems == ["Choose at least one unit."]


# --- the windows: assignments freeze once the unit's appraisal work is over ---------------------

WORK_OVER = (
    "The appraisal and supplement windows are over for this unit: its assignments can no longer "
    "change."
)


def _plan_at(world, now, units=("A", "B"), code="1"):
    unit_ids = [world.units[f"T4-XA-{u}"].id for u in units]
    return asg.plan_assignment(
        world.s, world.round, world.team, unit_ids, world.crit[code], world.users["support"],
        "support", world.users["leader"], now,
    )  # fmt: skip


def test_the_leader_assigns_before_the_appraisal_window_and_until_the_supplement_ends(world):
    # Before the appraisal window opens (preparing), inside it, between the two windows, and in
    # the supplement window's last minute.
    for now in (SELF[0], APPRAISAL[0] - MINUTE, DURING_APPRAISAL, APPRAISAL[1] + DAY,
                SUPPLEMENT[1] - MINUTE):  # fmt: skip
        assert _plan_at(world, now).ok, now


def test_once_both_windows_are_over_assignments_are_refused_and_nothing_changes(world):
    assign(world, "1", "support", "support")  # unit A, during the appraisal
    before = [(a.id, a.user_id, a.criterion_id) for a in _rows(world)]
    plan = _plan_at(world, SUPPLEMENT[1])
    assert not plan.ok
    assert plan.refusals == [f"Xã Thử A: {WORK_OVER}", f"Xã Thử B: {WORK_OVER}"]
    with pytest.raises(DomainError) as refused:
        asg.apply_assignment(world.s, world.round, world.team, [world.b.id], world.crit["2"],
                             world.users["support"], "support", world.users["leader"],
                             SUPPLEMENT[1])  # fmt: skip
    assert refused.value.errors == [f"Xã Thử B: {WORK_OVER}"]
    world.s.rollback()
    row = _rows(world)[0]
    assert asg.edit_decision(world.users["leader"], row, SUPPLEMENT[1]).reason == WORK_OVER
    with pytest.raises(DomainError, match="windows are over for this unit"):
        asg.remove_assignment(world.s, row, world.users["leader"], SUPPLEMENT[1])
    world.s.rollback()
    # A generic form's new row is refused the same way.
    new = Assignment(round=world.round, team=world.team, unit=world.b, criterion=world.crit["2"],
                     user=world.users["support"], kind="support")  # fmt: skip
    assert asg.edit_decision(world.users["leader"], new, SUPPLEMENT[1]).reason == WORK_OVER
    world.s.rollback()
    assert [(a.id, a.user_id, a.criterion_id) for a in _rows(world)] == before


def test_an_extension_for_one_unit_keeps_its_assignments_open(world):
    grant = WindowGrant(round_id=world.round.id, unit_id=world.a.id, window="supplement",
                        until=SUPPLEMENT[1] + 2 * DAY, reason="Gia hạn bổ sung")  # fmt: skip
    world.s.add(grant)
    world.s.commit()
    plan = _plan_at(world, SUPPLEMENT[1] + DAY)
    assert [u.ok for u in plan.units] == [True, False]  # A extended, B over
    assert not _plan_at(world, SUPPLEMENT[1] + 2 * DAY, units=("A",)).ok
    # Without a supplement window, the appraisal window's end (or its extension) closes it.
    world.s.delete(grant)
    world.round.supplement_start = world.round.supplement_end = None
    world.s.add(WindowGrant(round_id=world.round.id, unit_id=world.b.id, window="appraisal",
                            until=APPRAISAL[1] + DAY, reason="Gia hạn thẩm định"))  # fmt: skip
    world.s.commit()
    plan = _plan_at(world, APPRAISAL[1] + HOUR)
    assert [u.ok for u in plan.units] == [False, True]  # B extended, A over
