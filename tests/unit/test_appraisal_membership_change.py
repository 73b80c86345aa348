"""An assignment outlives the membership it was made from: a member taken off the team, or
moved to a role that may not take that kind of work, no longer holds the lines (every step
goes through appraisal._holder_decision), and the coverage counts them as uncovered again.
Domain level, no HTTP."""

import pytest

from app.domain import appraisal as ap
from app.domain.assignees import coverage
from app.domain.errors import DomainError
from app.models import Assignment, TeamMember
from tests.unit.appraisal_world import DURING_APPRAISAL, GOOD_INPUT, staff_everything

NOW = DURING_APPRAISAL
GONE = "You are no longer a member of"


def _membership(world, who):
    return (
        world.s.query(TeamMember)
        .filter_by(team_id=world.team.id, user_id=world.users[who].id)
        .one()
    )


def _support(world, code="1.1", who="support"):
    line = world.line("A", code)
    ap.save_support_score(world.s, line, GOOD_INPUT[code], None, world.users[who], now=NOW)
    world.s.commit()
    return line


def _gaps(world):
    """The lines of unit A (the one staffed) still missing someone."""
    return {(gap.code, gap.missing) for gap in coverage(world.s, world.round, [world.a.id])}


def test_a_member_taken_off_the_team_no_longer_scores_and_leaves_a_gap(world):
    staff_everything(world)
    assert not _gaps(world)
    held = world.s.query(Assignment).filter_by(user_id=world.users["support"].id).count()
    world.s.delete(_membership(world, "support"))
    world.s.commit()
    # The assignments stay (the leader reassigns them), but they hold nothing any more.
    assert world.s.query(Assignment).filter_by(user_id=world.users["support"].id).count() == held
    line = world.line("A", "1.1")
    decision = ap.support_decision(world.s, world.users["support"], line, NOW)
    assert not decision and decision.reason.startswith(GONE)
    with pytest.raises(DomainError) as refused:
        _support(world)
    assert refused.value.message.startswith(GONE) and world.team.name in refused.value.message
    assert world.fresh(line).support_points is None
    gaps = _gaps(world)
    assert gaps and all(missing == ("support",) for _code, missing in gaps)


def test_a_member_moved_to_another_role_no_longer_takes_the_old_work(world):
    staff_everything(world)
    membership = _membership(world, "support")
    membership.role = "appraiser"
    world.s.commit()
    with pytest.raises(DomainError) as refused:
        _support(world)
    assert refused.value.message.startswith(GONE)
    assert world.fresh(world.line("A", "1.1")).support_points is None
    assert all(missing == ("support",) for _code, missing in _gaps(world))


def test_an_appraiser_moved_to_support_no_longer_appraises(world):
    staff_everything(world)
    line = _support(world)
    _membership(world, "appraiser").role = "support"
    world.s.commit()
    decision = ap.appraise_decision(world.s, world.users["appraiser"], line, NOW)
    assert not decision and decision.reason.startswith(GONE)
    with pytest.raises(DomainError):
        ap.appraise(world.s, line, world.users["appraiser"], now=NOW)
    assert world.fresh(line).appraised_points is None
    assert all(missing == ("appraiser",) for _code, missing in _gaps(world))


def test_a_member_put_back_in_the_role_works_again(world):
    staff_everything(world)
    membership = _membership(world, "support")
    membership.role = "appraiser"
    world.s.commit()
    membership.role = "support"
    world.s.commit()
    assert _support(world).support_points is not None
    assert not _gaps(world)
