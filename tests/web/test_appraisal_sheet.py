"""The appraisal sheet over HTTP: each account sees and may do exactly what the domain allows
(steps 2 to 4), refusals are Vietnamese sentences that change nothing, forged line ids are
refused, evidence opens in the page, and the page's query count does not grow with lines.

On the small round of tests/unit/appraisal_world.py (`web`, windows around now), and, for the
query count, the demo's rounds (read only)."""

import json
import re

from app.domain.clock import format_local
from app.domain.evidence import store_bytes
from app.domain.scoring import format_points
from app.models import Assessment, Evidence, Round, Unit
from tests.web.appraisal_web import set_windows, text_of
from tests.web.test_scoring_views import vi
from tests.web.test_sheet import count_queries

WAITING = "Waiting for the team's score"  # a line's state once the council asks again

JSON = {"Accept": "application/json"}
_VIETNAMESE = re.compile("[ăâđêôơưạảãàáầấậẩẫằắặẳẵềếệểễồốộổỗờớợởỡừứựửữịỉĩìíọỏõòóụủũùúỵỷỹỳý]", re.I)


def vietnamese(message):
    """A refusal the user can read: a Vietnamese sentence (not an English msgid)."""
    return bool(message) and bool(_VIETNAMESE.search(message))


def sheet_url(web, unit="A"):
    return f"/appraisal/{web.world.assessments[unit].id}"


def post(client, url, **body):
    return client.post(url, data=json.dumps(body), content_type="application/json", headers=JSON)


def support_url(web, code, unit="A"):
    return f"/appraisal/line/{web.line_id(unit, code)}/support"


def test_support_member_scores_an_assigned_line_with_a_comment(web):
    web.staff()
    client = web.client("support")
    page = client.get(sheet_url(web))
    assert page.status_code == 200
    body = page.data.decode()
    line_id = web.line_id("A", "1.1")
    assert f'data-url="/appraisal/line/{line_id}/support"' in body
    answer = post(client, support_url(web, "1.1"), value="3,5", comment="Đủ tài liệu", version=1)
    assert answer.status_code == 200, answer.json
    data = answer.json
    assert data["points"] == "3,5" and data["comment"] == "Đủ tài liệu"
    assert data["state"] == "scored" and data["total"]["support"] == "3,5"
    assert data["progress"]["scored"] == 1
    line = web.fresh(web.line("A", "1.1"))
    assert (line.support_points, line.support_comment) == (3.5, "Đủ tài liệu")
    assert line.support_by_id == web.world.users["support"].id


def test_unassigned_and_forged_lines_are_refused_and_change_nothing(web):
    from tests.unit.appraisal_world import assign

    assign(web.world, "1", "support", "support")  # field 2 of A and all of B stay unassigned
    client = web.client("support")
    page = client.get(sheet_url(web)).data.decode()
    assert f"/appraisal/line/{web.line_id('A', '2.1')}/support" not in page
    before_a, before_b = web.snapshot("A"), web.snapshot("B")
    refused = post(client, support_url(web, "2.1"), value="3", comment="x")
    assert refused.status_code == 403
    assert vietnamese(refused.json["error"])
    # Unit B: no assignment there, so the line is not even visible to this account.
    hidden = post(client, support_url(web, "1.1", unit="B"), value="3")
    assert hidden.status_code == 404
    for forged in ("/appraisal/line/999999999/support", "/appraisal/line/0/appraise"):
        assert post(client, forged, value="1").status_code == 404
    assert client.get(sheet_url(web, "B")).status_code == 404
    assert web.snapshot("A") == before_a and web.snapshot("B") == before_b


def test_bad_input_and_stale_versions_keep_the_saved_value(web):
    web.staff()
    client = web.client("support")
    assert post(client, support_url(web, "1.1"), value="3", version=1).status_code == 200
    bad = post(client, support_url(web, "1.1"), value="7,3", comment="", version=2)
    assert bad.status_code == 422 and bad.json["error"]
    stale = post(client, support_url(web, "1.1"), value="2", version=1)
    assert stale.status_code == 409
    assert "3" in stale.json["error"] and stale.json["points"] == "3"
    assert stale.json["version"] == 2
    junk = client.post(support_url(web, "1.1"), data="[1,", content_type="application/json")
    assert junk.status_code in (403, 422)
    assert web.fresh(web.line("A", "1.1")).support_points == 3


def test_appraiser_accepts_in_one_click_or_adjusts_with_a_comment(web):
    web.staff()
    web.score(("1.1", "2.2"))
    client = web.client("appraiser")
    page = client.get(sheet_url(web)).data.decode()
    assert "accept-score" in page and "approve-line" not in page
    url = f"/appraisal/line/{web.line_id('A', '1.1')}/appraise"
    before = web.snapshot()
    silent = post(client, url, value="2", comment="")
    assert silent.status_code == 422 and vietnamese(silent.json["error"])
    assert web.snapshot() == before
    adjusted = post(client, url, value="2", comment="Thiếu quyết định")
    assert adjusted.status_code == 200 and adjusted.json["points"] == "2"
    accepted = post(client, f"/appraisal/line/{web.line_id('A', '2.2')}/appraise", accept=True)
    assert accepted.status_code == 200 and accepted.json["points"] == "2"
    assert web.state("A", "1.1") == web.state("A", "2.2") == "appraised"
    # The support member can no longer re-score what the appraiser reviewed.
    again = post(web.client("support"), support_url(web, "1.1"), value="1")
    assert again.status_code == 403 and vietnamese(again.json["error"])


def test_leader_approves_per_line_per_field_and_returns_with_a_comment(web):
    web.staff()
    web.score()
    web.appraise()
    leader = web.client("leader")
    page = leader.get(sheet_url(web)).data.decode()
    assert "approve-field" in page and "approve-unit" in page
    one = post(leader, f"/appraisal/line/{web.line_id('A', '1.1')}/approve")
    assert one.status_code == 200 and one.json["state"] == "approved"
    back = f"/appraisal/line/{web.line_id('A', '2.1')}/return"
    before = web.snapshot()
    assert post(leader, back, comment=" ").status_code == 422
    assert web.snapshot() == before
    returned = post(leader, back, comment="Đề nghị chấm lại")
    assert returned.status_code == 200 and web.state("A", "2.1") == "returned"
    field = web.world.crit["1"]
    done = post(leader, f"{sheet_url(web)}/approve-field", criterion_id=field.id)
    assert done.status_code == 200 and done.json["approved"] == 3
    assert {web.state("A", c) for c in ("1.1", "1.2", "1.3.1", "1.3.2")} == {"approved"}
    unit = post(leader, f"{sheet_url(web)}/approve-unit")
    # 2.1 was returned and 2.2 is the only one left: approved; the returned one is reported.
    assert unit.status_code == 200 and unit.json["approved"] == 1
    assert any("2.1" in reason for reason in unit.json["skipped"])
    # Approved is frozen: the appraiser's page has no input left on those lines.
    appraiser_page = web.client("appraiser").get(sheet_url(web)).data.decode()
    assert f"/appraisal/line/{web.line_id('A', '1.1')}/appraise" not in appraiser_page


def test_nobody_but_the_leader_approves_and_the_council_reads_only(web):
    web.staff()
    web.score()
    web.appraise()
    before = web.snapshot()
    line_id = web.line_id("A", "1.1")
    for key in ("support", "appraiser", "council", "leader2"):
        client = web.client(key)
        answer = post(client, f"/appraisal/line/{line_id}/approve")
        assert answer.status_code in (403, 404), key
        if answer.status_code == 403:
            assert vietnamese(answer.json["error"]), key
        bulk = post(client, f"{sheet_url(web)}/approve-unit")
        assert bulk.status_code in (403, 404, 422), key
    council_page = web.client("council").get(sheet_url(web))
    assert council_page.status_code == 200
    assert "score-input" not in council_page.data.decode()
    assert web.snapshot() == before


def test_the_line_panel_shows_the_timeline_and_opens_evidence_in_the_page(web, app):
    web.staff()
    web.score(("1.1",))
    line = web.line("A", "1.1")
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    sha = store_bytes(app.config["UPLOAD_DIR"], pdf)
    evidence = Evidence(score_line_id=line.id, kind="file", original_name="Kế hoạch.pdf",
                        sha256=sha, size=len(pdf), mime_type="application/pdf")  # fmt: skip
    fake = Evidence(score_line_id=line.id, kind="file", original_name="ảnh.png", sha256=sha,
                    size=len(pdf), mime_type="image/png")  # fmt: skip
    web.world.s.add_all([evidence, fake])
    web.world.s.commit()
    client = web.client("appraiser")
    panel = client.get(f"{sheet_url(web)}?line={line.id}")
    assert panel.status_code == 200
    text = text_of(panel)
    assert "Kế hoạch.pdf" in text and format_points(line.support_points) in text
    assert f"/evidence/{evidence.id}/download?inline=1" in panel.data.decode()
    shown = client.get(f"/evidence/{evidence.id}/download?inline=1")
    assert shown.status_code == 200 and shown.mimetype == "application/pdf"
    assert shown.headers["Content-Disposition"].startswith("inline")
    assert shown.headers["X-Frame-Options"] == "SAMEORIGIN"
    # Bytes that are not what the record says are never shown inline.
    other = client.get(f"/evidence/{fake.id}/download?inline=1")
    assert other.headers["Content-Disposition"].startswith("attachment")
    assert other.headers["X-Frame-Options"] == "DENY"
    # An account outside the unit's work cannot open it at all.
    assert web.client("support2").get(f"/evidence/{evidence.id}/download?inline=1").status_code in (
        302, 403, 404,
    )  # fmt: skip
    timeline = client.get(f"/appraisal/line/{line.id}/timeline", headers=JSON).json
    assert [e["kind"] for e in timeline["entries"]][-1] == "support"
    web.world.s.query(Evidence).filter(Evidence.id.in_([evidence.id, fake.id])).delete()
    web.world.s.commit()


def test_the_timeline_names_states_and_request_statuses(web):
    """A return, a supplement request and its closing log state codes ("approved",
    "answered"): the line's timeline names them as the lists do."""
    from app.domain import approval

    web.approved_unit("A")
    web.request("1.1")
    set_windows(web.world, "supplement")
    web.score(("1.1",))
    web.appraise(("1.1",))
    s, leader = web.world.s, web.world.users["leader"]
    approval.return_line(s, web.line("A", "1.1"), leader, "Xem lại quyết định")
    s.commit()
    web.score(("1.1",))
    web.appraise(("1.1",))
    web.approve(("1.1",))
    client = web.client("leader")
    url = f"/appraisal/line/{web.line_id('A', '1.1')}/timeline"
    entries = {e["kind"]: (e["old"], e["value"]) for e in client.get(url, headers=JSON).json[
        "entries"]}  # fmt: skip
    assert entries["supplement_request"] == (vi("Approved"), vi(WAITING))
    assert entries["return"] == (vi("Appraised"), vi("Returned"))
    assert entries["supplement_close"] == (vi("Waiting for the unit"), vi("Closed"))
    panel = text_of(client.get(f"/appraisal/{web.world.assessments['A'].id}?line="
                               f"{web.line_id('A', '1.1')}"))  # fmt: skip
    assert f"{vi('Approved')} → {vi(WAITING)}" in panel
    assert "pending" not in panel and "closed" not in panel


def test_my_work_lists_the_units_and_lines_of_each_member(web):
    web.staff(("A", "B"))
    web.score(("1.1",))
    support = text_of(web.client("support").get("/appraisal/"))
    assert "Xã Thử A" in support and "Xã Thử B" in support
    assert "1/6" in support and "0/6" in support
    leader = text_of(web.client("leader").get("/appraisal/"))
    assert "0/6" in leader
    assert "Xã Thử A" not in text_of(web.client("support2").get("/appraisal/"))


def test_filters_keep_only_my_lines_or_what_is_to_do(web):
    from tests.unit.appraisal_world import assign

    assign(web.world, "1", "support", "support")
    client = web.client("support")
    mine = client.get(f"{sheet_url(web)}?show=mine").data.decode()
    todo = client.get(f"{sheet_url(web)}?show=todo").data.decode()
    for body in (mine, todo):
        assert f'id="line-{web.line_id("A", "1.1")}" class="line-row"' in body
        assert f'id="line-{web.line_id("A", "2.1")}" class="line-row hidden"' in body


def test_the_sheet_costs_the_same_queries_for_few_or_many_lines(web, app, session, client_as):
    web.staff()
    small = count_queries(app, web.client("leader"), sheet_url(web))
    # The demo leader leads a team in every demo round: the communes' sheet has 97 lines
    # (140 rows) and no assignment, the departments' has assignments and scores.
    totruong = client_as("totruong")
    urls = []
    for round_filter in (Round.name.contains(" cấp xã "), Round.name.startswith("Xác định")):
        round_ = session.query(Round).filter(round_filter).order_by(Round.year.desc()).first()
        unit = session.query(Unit).filter_by(code="XA001" if "xã" in round_.name else "SXD").one()
        assessment = session.query(Assessment).filter_by(round_id=round_.id, unit_id=unit.id).one()
        urls.append(f"/appraisal/{assessment.id}")
    counts = [count_queries(app, totruong, url) for url in urls]
    communes, departments = counts
    # 7 assigned lines cost what 36 assigned lines cost; 97 lines without any assignment skip
    # the queries of the assignees' people and teams, never more.
    assert small == departments and communes <= small, (small, counts)


def test_a_member_holding_many_lines_costs_what_one_holding_few_costs(web, app, session, client_as):
    # Each held line asks whether its holder is still on the team: once per team, not per line.
    web.staff()
    few = count_queries(app, web.client("support"), sheet_url(web))
    round_ = session.query(Round).filter(Round.name.startswith("Xác định")).one()
    unit = session.query(Unit).filter_by(code="SXD").one()
    assessment = session.query(Assessment).filter_by(round_id=round_.id, unit_id=unit.id).one()
    many = count_queries(app, client_as("giupviec"), f"/appraisal/{assessment.id}")
    assert many == few, (few, many)


def test_accounts_without_the_screen_are_sent_away(client_as):
    for user in ("canbo.xa", "xem"):
        response = client_as(user).get("/appraisal/")
        assert response.status_code in (302, 403), user


CLOSED = "The %(window)s closed at %(end)s: nothing can be changed any more."


def test_every_post_route_of_the_sheet_is_refused_outside_its_window(web):
    web.approved_unit("A")
    web.staff(("B",))
    web.score(unit="B")
    web.appraise(["1.1"], unit="B")
    web.request("1.2", "A")  # A's 1.2 goes back to the supplement cycle
    set_windows(web.world, "closed")
    before_a, before_b = web.snapshot("A"), web.snapshot("B")
    appraisal, supplement = vi("appraisal window"), vi("supplement window")
    end = format_local(web.fresh(web.world.round).appraisal_end)
    closed = vi(CLOSED, window=appraisal, end=end)
    b11, b12 = web.line_id("B", "1.1"), web.line_id("B", "1.2")
    for who, url, body in (
        ("support", f"/appraisal/line/{b12}/support", {"value": "co", "comment": "Muộn"}),
        ("appraiser", f"/appraisal/line/{b12}/appraise", {"accept": True}),
        ("leader", f"/appraisal/line/{b11}/approve", {}),
        ("leader", f"/appraisal/line/{b12}/return", {"comment": "Xem lại"}),
    ):
        refused = post(web.client(who), url, **body)
        assert refused.status_code == 403, url
        assert refused.json["error"] == closed and vietnamese(closed), url
    leader, sheet_b = web.client("leader"), sheet_url(web, "B")
    for url, body in (
        (f"{sheet_b}/approve-field", {"criterion_id": web.world.crit["1"].id}),
        (f"{sheet_b}/approve-unit", {}),
    ):
        refused = post(leader, url, **body)
        assert refused.status_code == 422 and refused.json["skipped"], url
        assert all(reason.endswith(f": {closed}") for reason in refused.json["skipped"]), url
    # The requested line belongs to the supplement window: refused after it and before it.
    a12 = f"/appraisal/line/{web.line_id('A', '1.2')}/support"
    late = post(web.client("support"), a12, value="co", comment="Bổ sung")
    end = format_local(web.fresh(web.world.round).supplement_end)
    assert late.status_code == 403
    assert late.json["error"] == vi(CLOSED, window=supplement, end=end)
    set_windows(web.world, "appraisal")  # the supplement window has not opened yet
    early = post(web.client("support"), a12, value="co", comment="Bổ sung")
    start = format_local(web.fresh(web.world.round).supplement_start)
    assert early.status_code == 403 and vietnamese(early.json["error"])
    assert early.json["error"] == vi("The %(window)s opens at %(start)s.", window=supplement,
                                     start=start)  # fmt: skip
    assert web.snapshot("A") == before_a and web.snapshot("B") == before_b
