"""REST of issue 4 item 11, beyond the lines: teams, team members and council members (the
organiser's), the lock of a round's phase, the leader's approval of a whole field or unit,
and the council's verify / finalise / reopen. Each: the happy path, a role refused, a row
of another team's unit, a bad body, with the Vietnamese message and nothing changed."""

from app.models import AppraisalTeam, AuditEvent, CouncilMember, Criterion, TeamMember
from tests.api.test_appraisal_api import message
from tests.web.test_scoring_views import vi

TEAM_COLUMNS = {"id", "round_id", "name"}
MEMBER_COLUMNS = {"id", "team_id", "user_id", "role"}
COUNCIL_COLUMNS = {"id", "round_id", "user_id", "position"}


def _count(web, model, **by):
    web.world.s.expire_all()
    return web.world.s.query(model).filter_by(**by).count()


def _round(web):
    return web.fresh(web.world.round)


def test_the_spec_describes_every_new_resource_and_action(api):
    paths = api("get", "_openapi", "admin").json["paths"]
    for path in (
        "appraisal_team/", "team_member/", "council_member/", "round/{pk}/lock_phase",
        "round/{pk}/unlock_phase", "council_round/{pk}/verify", "council_round/{pk}/finalise",
        "council_round/{pk}/reopen", "appraisal_sheet/{pk}/approve_field",
        "appraisal_sheet/{pk}/approve_unit",
    ):  # fmt: skip
        assert f"/api/v1/{path}" in paths, path
    reopen = paths["/api/v1/council_round/{pk}/reopen"]["post"]
    assert {"200", "401", "403", "404", "409", "422"} <= set(reopen["responses"])
    assert "reason" in reopen["requestBody"]["content"]["application/json"]["schema"]["required"]


def test_teams_are_the_organisers_to_create_rename_and_delete(web, api):
    round_id = web.world.round.id
    body = {"round": round_id, "name": "T4 Tổ thẩm định 3"}
    refused = api("post", "appraisal_team/", "leader", json=body)
    assert refused.status_code == 403 and _count(web, AppraisalTeam, round_id=round_id) == 2
    created = api("post", "appraisal_team/", "organiser", json=body)
    assert created.status_code == 201, created.json
    team_id = created.json["id"]
    twice = api("post", "appraisal_team/", "organiser", json=body)
    taken = vi("This round already has a team named %(name)s.", name=body["name"])
    assert twice.status_code == 422 and message(twice) == taken
    rows = api("get", "appraisal_team/?q=(page_size:100)", "support").json["result"]
    assert {row["id"] for row in rows} >= {team_id, web.world.team.id}
    assert all(set(row) == TEAM_COLUMNS for row in rows)
    renamed = api("put", f"appraisal_team/{team_id}", "organiser", json={"name": "Tổ ba"})
    assert renamed.status_code == 200 and renamed.json["result"]["name"] == "Tổ ba"
    assert api("put", f"appraisal_team/{team_id}", "organiser",
               json={"round": "x"}).status_code == 422  # fmt: skip
    assert api("delete", f"appraisal_team/{team_id}", "council").status_code == 403
    assert api("delete", f"appraisal_team/{team_id}", "organiser").status_code == 200
    assert _count(web, AppraisalTeam, round_id=round_id) == 2


def test_members_follow_the_forms_rules_one_leader_one_person_once(web, api):
    team = web.world.team
    users = web.world.users
    before = _count(web, TeamMember, team_id=team.id)
    leader2, support2 = users["leader2"].id, users["support2"].id
    second_leader = api("post", "team_member/", "organiser",
                        json={"team": team.id, "user": leader2, "role": "leader"})  # fmt: skip
    assert second_leader.status_code == 422
    assert message(second_leader) == vi("The team already has a leader.")
    again = api("post", "team_member/", "organiser",
                json={"team": team.id, "user": users["support"].id, "role": "support"})  # fmt: skip
    assert message(again) == vi("This person is already a member of the team.")
    boss = api("post", "team_member/", "organiser",
               json={"team": team.id, "user": support2, "role": "boss"})  # fmt: skip
    assert boss.status_code == 422 and "role" in message(boss)
    by_leader = api("post", "team_member/", "leader",
                    json={"team": team.id, "user": support2, "role": "support"})  # fmt: skip
    assert by_leader.status_code == 403
    assert _count(web, TeamMember, team_id=team.id) == before
    added = api("post", "team_member/", "organiser",
                json={"team": team.id, "user": support2, "role": "appraiser"})  # fmt: skip
    assert added.status_code == 201, added.json
    assert added.json["result"]["role"] == "appraiser"
    member_id = added.json["id"]
    promoted = api("put", f"team_member/{member_id}", "organiser", json={"role": "leader"})
    assert promoted.status_code == 422
    assert message(promoted) == vi("The team already has a leader.")
    rows = api("get", "team_member/?q=(page_size:100)", "organiser").json["result"]
    assert all(set(row) == MEMBER_COLUMNS for row in rows)
    assert {r["role"] for r in rows if r["id"] == member_id} == {"appraiser"}
    assert api("delete", f"team_member/{member_id}", "organiser").status_code == 200
    assert _count(web, TeamMember, team_id=team.id) == before


def test_council_members_are_the_organisers_and_read_by_the_council(web, api):
    round_id, users = web.world.round.id, web.world.users
    body = {"round": round_id, "user": users["council_outsider"].id, "position": "Ủy viên"}
    assert api("post", "council_member/", "council", json=body).status_code == 403
    created = api("post", "council_member/", "organiser", json=body)
    assert created.status_code == 201, created.json
    twice = api("post", "council_member/", "organiser", json=body)
    already = vi("This person is already on the round's council.")
    assert twice.status_code == 422 and message(twice) == already
    rows = api("get", "council_member/?q=(page_size:100)", "council").json["result"]
    assert all(set(row) == COUNCIL_COLUMNS for row in rows)
    assert api("get", "council_member/", "leader").status_code == 403
    assert api("delete", f"council_member/{created.json['id']}", "organiser").status_code == 200
    assert _count(web, CouncilMember, round_id=round_id) == 1


def test_the_organiser_locks_and_unlocks_the_phase_over_rest(web, api):
    url = f"round/{web.world.round.id}"
    assert api("post", f"{url}/lock_phase", "leader", json={}).status_code == 403
    assert api("post", f"{url}/lock_phase", "organiser", data="x").status_code == 400
    assert api("post", "round/999999/lock_phase", "organiser", json={}).status_code == 404
    assert _round(web).locked is False
    locked = api("post", f"{url}/lock_phase", "organiser", json={})
    assert locked.status_code == 200 and locked.json["result"]["locked"] is True
    again = api("post", f"{url}/lock_phase", "organiser", json={})
    assert again.status_code == 422
    assert message(again) == vi("The current phase is already locked.")
    # Locked: every write path refuses, the REST one included.
    line = web.line("A", "1.1")
    body = {"step": "return", "comment": "Xem lại", "version": line.version}
    refused = api("put", f"appraisal_line/{line.id}", "leader", json=body)
    assert refused.status_code == 403
    assert message(refused) == vi("The round's current phase is locked by the organiser.")
    unlocked = api("post", f"{url}/unlock_phase", "organiser", json={"extra": 1})
    assert unlocked.status_code == 422 and _round(web).locked is True
    unlocked = api("post", f"{url}/unlock_phase", "organiser", json={})
    assert unlocked.status_code == 200 and _round(web).locked is False


def test_the_leader_approves_a_whole_field_and_unit_over_rest(web, api):
    web.staff()
    web.score()
    web.appraise(["1.1", "1.2", "2.1"])
    sheet = f"appraisal_sheet/{web.world.assessments['A'].id}"
    field_1 = web.world.crit["1"].id
    before = web.snapshot()
    # A role without the appraisal, another team's leader, a unit the member cannot see.
    assert api("post", f"{sheet}/approve_unit", "unit_leader", json={}).status_code == 403
    other_team = api("post", f"{sheet}/approve_field", "leader2", json={"criterion_id": field_1})
    assert other_team.status_code == 422
    assert vi("Only the leader of %(team)s decides on this line.",
              team="T4 Tổ thẩm định 1") in " ".join(other_team.json["skipped"])  # fmt: skip
    forged = f"appraisal_sheet/{web.world.assessments['B'].id}/approve_unit"
    assert api("post", forged, "support", json={}).status_code == 404
    # Bad bodies: not an id, a criterion of another framework, an unknown field.
    for body in ({"criterion_id": "1"}, {}, {"criterion_id": field_1, "boss": True},
                 {"criterion_id": field_1, "comment": 3}):  # fmt: skip
        assert api("post", f"{sheet}/approve_field", "leader", json=body).status_code == 422
    foreign = (
        web.world.s.query(Criterion)
        .filter(Criterion.framework_id != web.world.crit["1"].framework_id)
        .first()
    )
    wrong = api("post", f"{sheet}/approve_field", "leader", json={"criterion_id": foreign.id})
    assert message(wrong) == vi("Choose a field or criterion of this sheet.")
    assert web.snapshot() == before
    # Field 1: 1.1 and 1.2 approved; 1.3.x not reviewed yet, said so; field 2 untouched.
    done = api("post", f"{sheet}/approve_field", "leader", json={"criterion_id": field_1,
                                                                 "comment": "Đồng ý"})  # fmt: skip
    assert done.status_code == 200, done.json
    assert done.json["approved"] == 2
    assert done.json["approved_ids"] == [web.line_id("A", "1.1"), web.line_id("A", "1.2")]
    reason = vi("The appraiser has not reviewed this line yet: it cannot be approved.")
    assert any(reason in text for text in done.json["skipped"])
    assert [web.state("A", c) for c in ("1.1", "1.2", "1.3.1", "2.1")] == [
        "approved", "approved", "scored", "appraised"]  # fmt: skip
    unit = api("post", f"{sheet}/approve_unit", "leader", json={})
    assert unit.status_code == 200 and unit.json["approved_ids"] == [web.line_id("A", "2.1")]
    assert unit.json["already"] == 2


def test_the_council_verifies_finalises_and_reopens_with_a_reason(web, api):
    round_id = web.world.round.id
    url = f"council_round/{round_id}"
    web.approved_unit("A")
    early = api("post", f"{url}/verify", "council", json={})
    assert early.status_code == 422 and message(early) == vi("The round cannot be verified yet.")
    assert any("Xã Thử B" in problem for problem in early.json["errors"])
    assert _round(web).phase != "verification"
    web.approved_unit("B")
    assert api("post", f"{url}/verify", "leader", json={}).status_code == 403
    organiser = api("post", f"{url}/verify", "organiser", json={})
    assert organiser.status_code == 403
    assert message(organiser) == vi("Only a member of the round's appraisal council may do this.")
    outsider = api("post", f"{url}/verify", "council_outsider", json={})
    assert outsider.status_code == 403 and _round(web).phase != "verification"
    early = api("post", f"{url}/finalise", "council", json={})
    assert message(early) == vi("Verify the round before finalising it.")
    verified = api("post", f"{url}/verify", "council", json={})
    assert verified.status_code == 200 and verified.json["result"]["phase"] == "verification"
    finalised = api("post", f"{url}/finalise", "council", json={})
    assert finalised.status_code == 200 and _round(web).phase == "finalised"
    # Reopen: a written reason, by the council or the round's organiser.
    for body, wanted in (({}, 422), ({"reason": " "}, 422), ({"reason": 5}, 422)):
        assert api("post", f"{url}/reopen", "council", json=body).status_code == wanted
    blank = api("post", f"{url}/reopen", "council", json={"reason": " "})
    assert message(blank) == vi("Write why the round is reopened.")
    assert api("post", f"{url}/reopen", "council_outsider",
               json={"reason": "Sai sót"}).status_code == 403  # fmt: skip
    assert _round(web).phase == "finalised"
    reopened = api("post", f"{url}/reopen", "council", json={"reason": "Phát hiện sai sót"})
    assert reopened.status_code == 200 and _round(web).phase == "appraisal"
    web.world.s.expire_all()
    event = (
        web.world.s.query(AuditEvent)
        .filter_by(entity="round", entity_id=round_id, action="reopen")
        .one()
    )
    assert event.reason == "Phát hiện sai sót"
    assert api("post", "council_round/999999/verify", "council", json={}).status_code == 404


def _member_id(web, who):
    web.world.s.expire_all()
    user_id = web.world.users[who].id
    return (
        web.world.s.query(TeamMember.id)
        .filter_by(team_id=web.world.team.id, user_id=user_id)
        .scalar()
    )


def test_a_member_taken_off_the_team_or_moved_no_longer_scores(web, api):
    from app.models import Assignment
    from tests.web.test_appraisal_sheet import post, support_url

    web.staff()
    support_id = web.world.users["support"].id
    held = _count(web, Assignment, user_id=support_id)
    assert held
    # Moved to the appraisers: his support assignments stay but hold nothing.
    moved = api("put", f"team_member/{_member_id(web, 'support')}", "organiser",
                json={"role": "appraiser"})  # fmt: skip
    assert moved.status_code == 200, moved.json
    before = web.snapshot()
    refused = post(web.client("support"), support_url(web, "1.1"), value="3,5")
    assert refused.status_code == 403 and "T4 Tổ thẩm định 1" in refused.json["error"]
    assert web.snapshot() == before
    # Taken off the team: the same.
    assert (
        api("delete", f"team_member/{_member_id(web, 'support')}", "organiser").status_code == 200
    )
    assert _count(web, Assignment, user_id=support_id) == held
    refused = post(web.client("support"), support_url(web, "1.1"), value="3,5")
    assert refused.status_code == 403 and web.snapshot() == before
    assert web.fresh(web.line("A", "1.1")).support_points is None
