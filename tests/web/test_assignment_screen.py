"""The leader's assignment screen over HTTP: preview (nothing changes), apply all together,
refusals with their reasons (conflict of interest, not the leader) with the choices kept, and
the coverage view's counts. On the small round of tests/unit/appraisal_world.py (`web`)."""

import datetime

from app.models import Assignment
from tests.web.appraisal_web import text_of
from tests.web.test_appraisal_sheet import vietnamese
from tests.web.test_scoring_views import vi

FIELD_1_LINES = 4  # 1.1, 1.2, 1.3.1, 1.3.2 (no survey line in field 1)
SCORED_LINES = 6  # every line of a unit but the survey's


def form(web, units, code="1", member="support", kind="support"):
    return {
        "team": web.world.team.id,
        "units": [web.world.units[f"T4-XA-{u}"].id for u in units],
        "criterion_id": web.world.crit[code].id,
        "member_id": web.world.users[member].id,
        "kind": kind,
    }


def assignments(web):
    web.world.s.expire_all()
    return web.world.s.query(Assignment).filter_by(round_id=web.world.round.id).count()


def test_the_form_offers_the_rounds_units_the_framework_and_the_team(web):
    page = web.client("leader").get(f"/appraisal/assign/?team={web.world.team.id}")
    assert page.status_code == 200
    text = text_of(page)
    for expected in ("Xã Thử A", "Xã Thử B", "Lĩnh vực một", "Tỷ lệ hoàn thành"):
        assert expected in text
    assert "Xã Thử C" not in text  # not taking part in the round


def test_every_unit_of_a_type_in_one_click(web):
    unit_type = web.world.a.unit_type_id
    page = web.client("leader").get(
        f"/appraisal/assign/?team={web.world.team.id}&unit_type={unit_type}&all=1"
    )
    body = page.data.decode()
    for code in ("A", "B"):
        assert f'value="{web.world.units[f"T4-XA-{code}"].id}" checked' in body


def test_preview_changes_nothing_then_apply_assigns_every_unit(web):
    client = web.client("leader")
    preview = client.post("/appraisal/assign/preview", data=form(web, "AB"))
    assert preview.status_code == 200
    body = preview.data.decode()
    assert "apply-assignment" in body and assignments(web) == 0
    rows = [u for u in ("Xã Thử A", "Xã Thử B") if u in text_of(preview)]
    assert len(rows) == 2
    applied = client.post("/appraisal/assign/apply", data=form(web, "AB"))
    assert applied.status_code == 302 and "/appraisal/assign/coverage" in applied.location
    assert assignments(web) == 2
    # The same preview now says who holds the lines.
    again = text_of(client.post("/appraisal/assign/preview", data=form(web, "AB")))
    assert web.world.users["support"].get_full_name() in again


def test_conflict_of_interest_is_refused_with_the_choices_kept(web):
    client = web.client("leader")
    data = form(web, "AB", member="support_a")
    preview = client.post("/appraisal/assign/preview", data=data)
    assert preview.status_code == 422
    assert "apply-assignment" not in preview.data.decode()
    applied = client.post("/appraisal/assign/apply", data=data)
    assert applied.status_code == 422 and assignments(web) == 0
    body = applied.data.decode()
    errors = body[body.index("assign-errors") :]
    assert "Xã Thử A" in errors and vietnamese(text_of(applied))
    # What the leader chose is still chosen.
    assert f'value="{web.world.crit["1"].id}" selected' in body
    assert f'value="{web.world.users["support_a"].id}" selected' in body
    for code in ("A", "B"):
        assert f'value="{web.world.units[f"T4-XA-{code}"].id}" checked' in body


def test_only_the_teams_leader_assigns(web):
    # The second team's leader leads a team of the round, but not team 1.
    other = web.client("leader2")
    refused = other.post("/appraisal/assign/apply", data=form(web, "A"))
    assert refused.status_code == 422 and assignments(web) == 0
    support = web.client("support")
    assert "Xã Thử A" not in text_of(support.get("/appraisal/assign/"))
    support.post("/appraisal/assign/apply", data=form(web, "A"))
    assert assignments(web) == 0
    forged = dict(form(web, "A"), units=["999999", "x"])
    assert web.client("leader").post("/appraisal/assign/apply", data=forged).status_code == 422
    assert assignments(web) == 0


def test_coverage_counts_what_is_still_unassigned_per_kind(web):
    client = web.client("leader")
    url = f"/appraisal/assign/coverage?round={web.world.round.id}"

    def counts(unit):
        body = client.get(url).data.decode()
        unit_id = web.world.units[f"T4-XA-{unit}"].id
        row = body[body.index(f'data-unit="{unit_id}"') :]
        found = {}
        for kind in ("support", "appraiser"):
            cell = row[row.index(f'data-missing="{kind}">') + len(f'data-missing="{kind}">') :]
            found[kind] = int(cell[: cell.index("<")])
        return found

    assert counts("A") == {"support": SCORED_LINES, "appraiser": SCORED_LINES}
    client.post("/appraisal/assign/apply", data=form(web, "A"))
    assert counts("A") == {"support": SCORED_LINES - FIELD_1_LINES, "appraiser": SCORED_LINES}
    assert counts("B") == {"support": SCORED_LINES, "appraiser": SCORED_LINES}
    page = client.get(url).data.decode()
    assert f"/appraisal/assign/?team={web.world.team.id}" in page.replace("&amp;", "&")


WORK_OVER = (
    "The appraisal and supplement windows are over for this unit: its assignments can no longer "
    "change."
)


def test_assignment_writes_are_refused_once_both_windows_are_over(web, app):
    """The screen, the list's "take back" action and the REST API, forged ids included."""
    from tests.api.test_catalogue_api import token
    from tests.web.appraisal_web import action, alerts, set_windows

    web.staff(("A",))  # inside the appraisal window
    set_windows(web.world, "closed")
    before = assignments(web)
    refused = vi(WORK_OVER)
    leader = web.client("leader")
    screen = leader.post("/appraisal/assign/apply", data=form(web, "B"))
    assert screen.status_code == 422 and refused in text_of(screen)
    row_ids = [a.id for a in web.world.s.query(Assignment).filter_by(round_id=web.world.round.id)]
    taken = action(leader, "assignmentview", "unassign", row_ids[:1] + [999999999])
    assert any(refused.rstrip(".") in message for message in alerts(taken))
    client = app.test_client()
    headers = token(client, web.world.users["leader"].username)
    body = {
        "round_id": web.world.round.id, "team_id": web.world.team.id,
        "unit_ids": [web.world.b.id], "criterion_id": web.world.crit["1"].id,
        "user_id": web.world.users["support"].id, "kind": "support",
    }  # fmt: skip
    created = client.post("/api/v1/assignment/", headers=headers, json=body)
    assert created.status_code == 422 and any(refused in e for e in created.json["errors"])
    deleted = client.delete(f"/api/v1/assignment/{row_ids[0]}", headers=headers)
    assert deleted.status_code == 403 and deleted.json["message"] == refused
    assert client.delete("/api/v1/assignment/999999999", headers=headers).status_code == 404
    assert assignments(web) == before == 4


def test_the_leader_prepares_assignments_before_the_appraisal_window_opens(web):
    from app.domain.clock import utcnow
    from app.models import Round

    round_ = web.world.s.get(Round, web.world.round.id)
    round_.appraisal_start = utcnow() + datetime.timedelta(days=1)  # self-assessment just over
    web.world.s.commit()
    applied = web.client("leader").post("/appraisal/assign/apply", data=form(web, "AB"))
    assert applied.status_code == 302 and assignments(web) == 2
