"""What the appraisal accounts may read and do, through app/domain/policy.py: support members
and appraisers see the units they are assigned, team leaders their rounds' units, the council,
organiser and admin everything; unit accounts as before."""

from itertools import product

import pytest

from app.domain import policy
from app.domain import supplement as sup
from app.models import (
    AppraisalTeam,
    Assessment,
    Assignment,
    CouncilMember,
    Evidence,
    Round,
    ScoreLine,
    SupplementRequest,
    TeamMember,
)
from app.models.rounds import PHASE_FINALISED, PHASE_PUBLISHED
from tests.unit.appraisal_world import (
    DURING_APPRAISAL,
    TEAM1,
    assign,
    vietnamese,
)
from tests.unit.test_supplement import approve_everything


def _units_seen(world, who, model=ScoreLine):
    """The unit codes of this round's rows of `model` that `who`'s lists would show."""
    user = world.users[who]
    query = world.s.query(model)
    if model is ScoreLine:
        query = query.join(Assessment, ScoreLine.assessment_id == Assessment.id)
    elif model is not Assessment:
        query = query.join(ScoreLine, model.score_line_id == ScoreLine.id).join(
            Assessment, ScoreLine.assessment_id == Assessment.id
        )
    query = query.filter(Assessment.round_id == world.round.id)
    rows = policy.scope(user, model, query, world.s).all()
    codes = {world.s.get(Assessment, _assessment_id(row)).unit.code for row in rows}
    return sorted(code.removeprefix("T4-XA-") for code in codes)


def _assessment_id(row):
    if isinstance(row, Assessment):
        return row.id
    line = row if isinstance(row, ScoreLine) else row.score_line
    return line.assessment_id


def test_support_members_and_appraisers_see_only_their_assigned_units(world):
    assert _units_seen(world, "support") == [] and _units_seen(world, "appraiser") == []
    assign(world, "1.1", "support", "support", units=("A",))
    assign(world, "2", "appraiser", "appraiser", units=("B",))
    for model in (ScoreLine, Assessment):
        assert _units_seen(world, "support", model) == ["A"]
        assert _units_seen(world, "appraiser", model) == ["B"]
    line_a, line_b = world.line("A", "2.2"), world.line("B", "2.2")
    support = world.users["support"]
    assert policy.check(support, policy.VIEW, line_a)  # the whole unit, not only 1.1
    refused = policy.check(support, policy.VIEW, line_b)
    assert not refused and refused.reason == "You may not see this record."
    assert not policy.check(support, policy.VIEW, world.assessments["B"])


def test_team_leaders_see_every_unit_of_their_rounds_and_the_wide_roles_everything(world):
    for who in ("leader", "leader2", "council", "organiser", "admin"):
        assert _units_seen(world, who) == ["A", "B"], who
    assert _units_seen(world, "council_outsider") == ["A", "B"]  # the Council role reads all


def test_unit_accounts_still_see_their_own_unit_only(world):
    assert _units_seen(world, "unit_staff") == ["A"]
    assert _units_seen(world, "unit_b_leader") == ["B"]


def test_evidence_and_requests_follow_the_same_scope(world):
    approve_everything(world, "A")
    line = world.line("A", "1.1")
    world.s.add(Evidence(score_line=line, kind="link", phase="initial", url="https://x.vn"))
    sup.request_supplement(world.s, line, "Bổ sung", world.users["council"], now=DURING_APPRAISAL)
    world.s.commit()
    for model in (Evidence, SupplementRequest):
        assert _units_seen(world, "support", model) == ["A"]
        assert _units_seen(world, "support2", model) == []
        assert _units_seen(world, "unit_leader", model) == ["A"]
        assert _units_seen(world, "unit_b_leader", model) == []
        assert _units_seen(world, "council", model) == ["A"]


def test_assignments_are_seen_by_the_teams_members_and_changed_by_its_leader(world):
    assign(world, "1", "support", "support", units=("A", "B"))
    assign(world, "2", "support", "support2", units=("B",), actor="leader2", team=world.team2)

    def seen(who):
        query = world.s.query(Assignment).filter_by(round_id=world.round.id)
        rows = policy.scope(world.users[who], Assignment, query, world.s).all()
        return sorted(f"{a.unit.code[-1]}{a.criterion.code}" for a in rows)

    assert seen("support") == seen("leader") == ["A1", "B1"]
    assert seen("support2") == ["B2"]
    assert seen("council") == ["A1", "B1", "B2"]
    assert seen("unit_leader") == []
    row = world.s.query(Assignment).filter_by(team_id=world.team.id).first()
    assert policy.check(world.users["leader"], policy.EDIT, row)
    for who in ("support", "leader2", "admin"):
        decision = policy.check(world.users[who], policy.DELETE, row)
        assert not decision and "Only the leader of T4 Tổ thẩm định 1" in decision.reason


@pytest.mark.parametrize(
    "who, allowed", [("council", True), ("admin", False), ("leader", False), ("unit_leader", False)]
)
def test_requests_are_created_by_the_council_and_never_deleted(world, who, allowed):
    approve_everything(world, "A")
    line = world.line("A", "1.1")
    with world.s.no_autoflush:  # a form's new row, not saved yet
        new = SupplementRequest(score_line=line, reason="x")
        assert bool(policy.check(world.users[who], policy.CREATE, new)) is allowed
        assert not policy.check(world.users["admin"], policy.DELETE, new)


def test_a_new_assignment_from_a_generic_form_meets_every_rule_of_the_plan(world):
    def new(member):
        return Assignment(
            round=world.round, team=world.team, unit_id=world.a.id, criterion=world.crit["1"],
            kind="support", user=world.users[member],
        )  # fmt: skip

    with world.s.no_autoflush:  # a form's new row, not saved yet
        allowed = policy.check(world.users["leader"], policy.CREATE, new("support"))
        refused = policy.check(world.users["leader"], policy.CREATE, new("support_a"))
        by_admin = policy.check(world.users["admin"], policy.CREATE, new("support"))
    assert allowed
    assert not refused and "nobody appraises their own unit" in refused.reason
    assert not by_admin and "Only the leader" in by_admin.reason


FROZEN = {
    PHASE_FINALISED: "The round has been finalised by the council: nothing can be changed until "
    "it is reopened.",
    PHASE_PUBLISHED: "The round's results have been published: nothing can be changed any more.",
}


@pytest.mark.parametrize("phase", [PHASE_FINALISED, PHASE_PUBLISHED])
def test_teams_members_and_council_are_frozen_with_a_finalised_round(world, phase):
    """The minutes read their signers from the membership: it changes only after a reopen."""
    member = world.team.members[0]
    council = world.s.query(CouncilMember).filter_by(round_id=world.round.id).one()
    rows = (world.team, member, council)
    for who in ("organiser", "admin"):
        for row in rows:
            assert policy.check(world.users[who], policy.EDIT, row), (who, row)
            assert policy.check(world.users[who], policy.DELETE, row), (who, row)
    world.round.phase = phase
    world.s.commit()
    for who in ("organiser", "admin"):
        for row, action in product(rows, (policy.EDIT, policy.DELETE)):
            decision = policy.check(world.users[who], action, row)
            assert not decision and decision.reason == FROZEN[phase], (who, row, action)
            vietnamese(decision.reason)
        with world.s.no_autoflush:  # a form's new rows, not saved
            new_member = TeamMember(team=world.team, user=world.users["support2"], role="support")
            new_council = CouncilMember(round=world.round, user=world.users["council_outsider"])
            new_team = AppraisalTeam(round=world.round, name="T4 Tổ thẩm định 3")
            for row in (new_member, new_council, new_team):
                assert not policy.check(world.users[who], policy.CREATE, row), (who, row)
            # Moving a member out of the finalised round's team changes that round too.
            other_round = Round(name="Đợt khác", year=2032, phase="appraisal")
            member.team = AppraisalTeam(round=other_round, name="Tổ khác")
            assert not policy.check(world.users[who], policy.EDIT, member)
        world.s.rollback()
    kept = sorted(m.user_id for m in world.fresh(world.team).members)
    assert kept == sorted(world.users[k].id for k, _role in TEAM1)
