"""The appraisal's generated lists: appraisal results (approve, return, request a supplement,
lock), assignments (take back), supplement requests (the unit's answer) and the unit's score
sheet during the supplement. Each action is allowed for the right account on the right rows
and refused otherwise, forged row ids included, with the domain's Vietnamese reason and
nothing changed. The round is tests/unit/appraisal_world.py's, its windows around now."""

import io

from sqlalchemy import event

from app.extensions import db
from app.models import Assignment, Evidence
from tests.unit.test_evidence_files import make_pdf
from tests.web.appraisal_web import action, alerts, said, set_windows, text_of
from tests.web.test_scoring_views import vi

LINES = "appraisallineview"
ASSIGNMENTS = "assignmentview"
REQUESTS = "supplementrequestview"
UNSEEN = "You may not see this record."


def _list(client, view, query=""):
    response = client.get(f"/{view}/list/?{query}")
    assert response.status_code == 200
    return response


def _codes_in_order(page, unit_name):
    text = text_of(page)
    return [part.split()[0] for part in text.split(unit_name + " ")[1:]]


# --- the appraisal results list -----------------------------------------------------------------


def test_results_list_shows_every_value_by_unit_then_code_scoped_to_the_account(web):
    web.staff()
    web.score()
    web.appraise(["1.1"])
    round_filter = f"_flt_0_round={web.world.round.id}"
    page = _list(web.client("leader"), LINES, round_filter)  # leads a team: the whole round
    assert _codes_in_order(page, "Xã Thử A") == ["1.1", "1.2", "1.3.1", "1.3.2", "2.1", "2.2",
                                                 "2.3"]  # fmt: skip
    assert "Xã Thử B" in text_of(page)
    assert text_of(page).index("Xã Thử A") < text_of(page).index("Xã Thử B")
    text = text_of(page)
    assert "3,5" in text and "Support" in text and "Appraiser" in text  # values and who
    assert vi("Appraised") in text and vi("Scored by the support team") in text
    # The support member holds unit A only: unit B is not listed; team 2's member sees nothing.
    mine = text_of(_list(web.client("support"), LINES, round_filter))
    assert "Xã Thử A" in mine and "Xã Thử B" not in mine
    nothing = text_of(_list(web.client("support2"), LINES, round_filter))
    assert "Xã Thử A" not in nothing and "Xã Thử B" not in nothing
    # Unit accounts have no appraisal results screen at all.
    refused = web.client("unit_leader").get(f"/{LINES}/list/", follow_redirects=True)
    assert "Xã Thử A · " not in text_of(refused) and "1.3.1 Tỷ lệ" not in text_of(refused)


def test_results_list_filters_by_round_unit_code_state_and_assignee(web):
    web.staff()
    web.score(["1.1", "1.2", "2.1"])
    leader = web.client("leader")
    base = f"_flt_0_round={web.world.round.id}"
    by_unit = text_of(_list(leader, LINES, f"{base}&_flt_0_unit={web.world.b.id}"))
    assert "Xã Thử B" in by_unit and "Xã Thử A" not in by_unit
    by_code = text_of(_list(leader, LINES, f"{base}&_flt_0_criterion=1.3"))
    assert "1.3.1" in by_code and "1.3.2" in by_code and "1.1 Ban" not in by_code
    scored = text_of(_list(leader, LINES, f"{base}&_flt_0_appraisal_state=scored"))
    assert "1.1 Ban" in scored and "2.1 Thủ" in scored and "1.3.1" not in scored
    support_id = web.world.users["support"].id
    held = text_of(_list(leader, LINES, f"{base}&_flt_0_assignee={support_id}"))
    assert "Xã Thử A" in held and "Xã Thử B" not in held
    # A more specific assignment wins: 2.1 given to another support member leaves "support".
    from tests.unit.appraisal_world import assign

    assign(web.world, "2", "support", "support", units=("B",))
    assign(web.world, "2.1", "support", "support_a", units=("B",))
    held = text_of(_list(leader, LINES, f"{base}&_flt_0_assignee={support_id}&_flt_0_unit="
                                        f"{web.world.b.id}"))  # fmt: skip
    assert "2.2 Tiếp" in held and "2.1 Thủ" not in held
    forged = text_of(_list(leader, LINES, f"{base}&_flt_0_unit=abc"))
    assert "Xã Thử A" not in forged and "Xã Thử B" not in forged


def test_results_list_query_count_does_not_grow_with_its_rows(web, app):
    web.staff()
    web.score()
    leader = web.client("leader")
    with app.app_context():
        engine = db.engine
    counted = []

    def count(*_args):
        counted.append(1)

    def statements(size):
        counted.clear()
        query = f"_flt_0_round={web.world.round.id}&psize_AppraisalLineView={size}"
        event.listen(engine, "before_cursor_execute", count)
        try:
            _list(leader, LINES, query)
        finally:
            event.remove(engine, "before_cursor_execute", count)
        return len(counted)

    few, many = statements(3), statements(14)
    print(f"\nappraisal results list: {few} statements for 3 rows, {many} for 14")
    assert many <= few + 1


def test_approve_reports_what_was_approved_and_why_the_rest_was_not(web):
    web.staff()
    web.score()
    web.appraise(["1.1", "1.2"])
    ids = [web.line_id("A", c) for c in ("1.1", "1.2", "1.3.1", "2.3")]
    page = action(web.client("leader"), LINES, "approve", ids)
    assert said(page, "%(count)s lines approved", count=2)
    assert said(page, "The appraiser has not reviewed this line yet: it cannot be approved.")
    assert said(page, "Survey lines get their points from the sociological survey, not the team.")
    assert any("Xã Thử A · 1.3.1" in message for message in alerts(page))
    assert [web.state("A", c) for c in ("1.1", "1.2", "1.3.1")] == ["approved", "approved",
                                                                     "scored"]  # fmt: skip
    again = action(web.client("leader"), LINES, "approve", [web.line_id("A", "1.1")])
    assert said(again, "This line has already been approved.")


def test_approving_a_line_not_scored_yet_says_so(web):
    web.staff()
    before = web.snapshot()
    page = action(web.client("leader"), LINES, "approve", [web.line_id("A", "1.1")])
    assert said(page, "This line has not been scored yet: it cannot be approved.")
    assert web.snapshot() == before


def test_forged_row_ids_are_refused_and_change_nothing(web, session):
    web.staff()
    web.score()
    web.appraise()
    before = web.snapshot()
    ids = [web.line_id("A", c) for c in ("1.1", "1.2")]
    # Team 2's support member does not see unit A: the ids are refused as unknown.
    for name in ("approve", "return_line", "request_supplement", "lock_phase"):
        page = action(web.client("support2"), LINES, name, ids, step="apply", text="Sai điểm")
        assert said(page, UNSEEN), name
    # Team 2's leader sees the round (he leads a team) but decides only on team 2's lines.
    page = action(web.client("leader2"), LINES, "approve", ids)
    assert said(page, "Only the leader of %(team)s decides on this line.", team="T4 Tổ thẩm định 1")
    page = action(web.client("leader2"), LINES, "return_line", ids, step="apply", text="Sai")
    assert vi("Only the leader of %(team)s decides on this line.",
              team="T4 Tổ thẩm định 1").rstrip(".") in text_of(page)  # fmt: skip
    # A line of another round (the demo province) is not the team leader's to see at all.
    from app.models import ScoreLine

    foreign = session.query(ScoreLine.id).filter(
        ScoreLine.assessment_id.notin_([a.id for a in web.world.assessments.values()])
    ).first()[0]  # fmt: skip
    page = action(web.client("leader"), LINES, "approve", [foreign])
    assert said(page, UNSEEN)
    # The appraiser may write the screen, but only the council requests supplements.
    page = action(web.client("appraiser"), LINES, "request_supplement", ids, step="apply",
                  text="Bổ sung văn bản")  # fmt: skip
    assert vi("Only a member of the round's appraisal council may request a supplement."
              ).rstrip(".") in text_of(page)  # fmt: skip
    assert "Bổ sung văn bản" in page.data.decode()  # the reason typed is kept
    assert web.snapshot() == before and web.requests() == []


def test_return_asks_for_a_comment_keeps_it_on_refusal_and_returns_the_lines(web):
    web.staff()
    web.score()
    web.appraise(["1.1"])
    leader = web.client("leader")
    ids = [web.line_id("A", "1.1"), web.line_id("A", "1.2")]
    form = action(leader, LINES, "return_line", ids)
    assert vi("Why the lines are returned") in text_of(form)
    assert "Xã Thử A · 1.1 Ban hành kế hoạch" in text_of(form)
    empty = action(leader, LINES, "return_line", ids, step="apply", text="  ")
    assert vi("Write why the line is returned.").rstrip(".") in text_of(empty)
    assert web.state("A", "1.1") == "appraised"
    # Lines not scored yet are refused: the comment stays in the form.
    pending = [web.line_id("A", "2.3")]
    kept = action(leader, LINES, "return_line", pending, step="apply", text="Thiếu minh chứng")
    assert "Thiếu minh chứng</textarea>" in kept.data.decode()
    done = action(leader, LINES, "return_line", ids, step="apply", text="Điểm chưa khớp minh chứng")
    assert said(done, "%(count)s lines returned", count=2)
    line = web.fresh(web.line("A", "1.1"))
    assert (line.appraisal_state, line.approval_comment) == (
        "returned",
        "Điểm chưa khớp minh chứng",
    )
    assert web.events("return") == 2


def test_council_requests_supplements_from_the_list(web):
    web.approved_unit("A")
    council = web.client("council")
    ids = [web.line_id("A", "1.1"), web.line_id("A", "1.2"), web.line_id("B", "1.1")]
    form = action(council, LINES, "request_supplement", ids)
    assert vi("What the unit must supplement") in text_of(form)
    empty = action(council, LINES, "request_supplement", ids, step="apply", text="")
    assert vi("Write what the unit must supplement.").rstrip(".") in text_of(empty)
    reason = "Bổ sung quyết định ban hành kế hoạch"
    page = action(council, LINES, "request_supplement", ids, step="apply", text=reason)
    assert said(page, "%(count)s supplement requests sent", count=2)
    assert said(page, "Only approved lines can be sent back for a supplement.")
    requests = web.requests()
    assert [(r.score_line_id, r.reason, r.status) for r in requests] == [
        (ids[0], reason, "open"), (ids[1], reason, "open")]  # fmt: skip
    line = web.fresh(web.line("A", "1.1"))
    assert (line.appraisal_cycle, line.appraisal_state) == (2, "pending")
    assert line.approved_points is not None  # kept until replaced
    listed = text_of(_list(council, LINES, f"_flt_0_round={web.world.round.id}"))
    assert reason in listed


def test_lock_from_the_results_list_is_the_organisers(web):
    web.staff()
    web.score()
    web.appraise(["1.1"])
    ids = [web.line_id("A", "1.1")]
    refused = action(web.client("leader"), LINES, "lock_phase", ids)
    assert said(refused, "Only the organiser (Department of Home Affairs) may change this.")
    assert web.fresh(web.world.round).locked is False
    done = action(web.client("organiser"), LINES, "lock_phase", ids)
    assert said(done, "%(count)s rounds locked", count=1)
    assert web.fresh(web.world.round).locked is True
    blocked = action(web.client("leader"), LINES, "approve", ids)
    assert said(blocked, "The round's current phase is locked by the organiser.")
    assert web.state("A", "1.1") == "appraised"


# --- assignments --------------------------------------------------------------------------------


def test_assignments_list_is_ordered_links_to_the_assignment_screen_and_takes_back(web):
    web.staff(("A", "B"))
    leader = web.client("leader")
    page = _list(leader, ASSIGNMENTS, f"_flt_0_round={web.world.round.id}")
    text = text_of(page)
    assert text.index("Xã Thử A 1 Lĩnh vực một") < text.index("Xã Thử A 2 Lĩnh vực hai")
    assert text.index("Xã Thử A 2 Lĩnh vực hai") < text.index("Xã Thử B 1 Lĩnh vực một")
    assert 'href="/appraisal/assign/"' in page.data.decode()
    kinds = text_of(_list(leader, ASSIGNMENTS, f"_flt_0_round={web.world.round.id}"
                                              "&_flt_0_kind=support"))  # fmt: skip
    assert vi("Scoring (support team)") in kinds and "Appraiser" not in kinds
    s = web.world.s
    rows = s.query(Assignment).filter_by(round_id=web.world.round.id, unit_id=web.world.b.id)
    ids = [row.id for row in rows]
    # Team 2's leader does not see team 1's assignments: forged ids are refused.
    forged = action(web.client("leader2"), ASSIGNMENTS, "unassign", ids)
    assert said(forged, UNSEEN)
    # The support member reads the list but may not write it (FAB refuses the action).
    action(web.client("support"), ASSIGNMENTS, "unassign", ids)
    s.expire_all()
    assert s.query(Assignment).filter(Assignment.id.in_(ids)).count() == 4
    done = action(leader, ASSIGNMENTS, "unassign", ids[:2])
    assert said(done, "%(count)s assignments taken back", count=2)
    s.expire_all()
    assert s.query(Assignment).filter(Assignment.id.in_(ids)).count() == 2
    assert web.events("unassign", entity="assignment") >= 2
    # Unit accounts see no assignment.
    unit = web.client("unit_leader").get(f"/{ASSIGNMENTS}/list/", follow_redirects=True)
    assert "Lĩnh vực một" not in text_of(unit)


# --- supplement requests: the unit's answer --------------------------------------------------


def _two_requests(web):
    web.approved_unit("A")
    web.approved_unit("B")
    first, second = web.request("1.1", "A"), web.request("1.1", "B")
    return first.id, second.id


def test_supplement_requests_list_is_scoped_per_unit(web):
    a_id, b_id = _two_requests(web)
    for key, seen, unseen in (("unit_leader", "Xã Thử A", "Xã Thử B"),
                              ("unit_b_leader", "Xã Thử B", "Xã Thử A")):  # fmt: skip
        text = text_of(_list(web.client(key), REQUESTS))
        assert seen in text and unseen not in text, key
        assert "Thiếu quyết định ban hành kế hoạch" in text
    council = text_of(_list(web.client("council"), REQUESTS))
    assert "Xã Thử A" in council and "Xã Thử B" in council
    assert vi("Waiting for the unit") in council


def test_the_unit_answers_inside_the_supplement_window_only(web):
    a_id, b_id = _two_requests(web)
    leader = web.client("unit_leader")
    early = action(leader, REQUESTS, "respond", [a_id], step="apply", text="Đã bổ sung QĐ 12")
    assert "Đã bổ sung QĐ 12</textarea>" in early.data.decode()  # kept, refused: not open yet
    assert vi("supplement window") in text_of(early)
    set_windows(web.world, "supplement")
    form = action(leader, REQUESTS, "respond", [a_id])
    assert vi("The unit's answer") in text_of(form)
    done = action(leader, REQUESTS, "respond", [a_id], step="apply", text="Đã bổ sung QĐ 12")
    assert said(done, "%(count)s requests answered", count=1)
    answered = [r for r in web.requests() if r.id == a_id][0]
    assert (answered.status, answered.response) == ("answered", "Đã bổ sung QĐ 12")
    # Unit B's leader cannot answer unit A's request, even by its id.
    forged = action(web.client("unit_b_leader"), REQUESTS, "respond", [a_id], step="apply",
                    text="Giả mạo")  # fmt: skip
    assert said(forged, UNSEEN)
    # A member of unit A who does not prepare the line is sent to the leader.
    staff = action(web.client("unit_staff"), REQUESTS, "respond", [a_id], step="apply",
                   text="Trả lời")  # fmt: skip
    assert vi("This line is assigned to someone else in your unit; ask your leader."
              ).rstrip(".") in text_of(staff)  # fmt: skip
    assert [r for r in web.requests() if r.id == a_id][0].response == "Đã bổ sung QĐ 12"
    set_windows(web.world, "closed")
    late = action(leader, REQUESTS, "respond", [a_id], step="apply", text="Trả lời muộn")
    assert "Trả lời muộn</textarea>" in late.data.decode()
    assert [r for r in web.requests() if r.id == a_id][0].response == "Đã bổ sung QĐ 12"


def test_the_units_sheet_highlights_requested_lines_and_takes_evidence_there_only(web):
    web.approved_unit("A")
    request = web.request("1.1", "A", reason="Thiếu biên bản kiểm tra")
    set_windows(web.world, "supplement")
    leader = web.client("unit_leader")
    assessment_id = web.world.assessments["A"].id
    page = leader.get(f"/sheet/{assessment_id}")
    body = page.data.decode()
    line_id, other_id = web.line_id("A", "1.1"), web.line_id("A", "1.2")
    row = body.split(f'<tr id="line-{line_id}"')[1].split("</tr>")[0]
    assert "supplement-requested" in row.split(">")[0] and "Thiếu biên bản kiểm tra" in row
    other = body.split(f'<tr id="line-{other_id}"')[1].split(">")[0]
    assert "supplement-requested" not in other
    assert vi("Supplement requests") in text_of(page)  # the alert links to the unit's list
    panel = leader.get(f"/sheet/{assessment_id}?line={line_id}").data.decode()
    assert "upload-evidence" in panel and "respond-form" in panel
    other_panel = leader.get(f"/sheet/{assessment_id}?line={other_id}").data.decode()
    assert "upload-evidence" not in other_panel
    pdf = make_pdf()
    ok = leader.post(f"/evidence/line/{line_id}/upload", headers={"Accept": "application/json"},
                     data={"file": (io.BytesIO(pdf), "Biên bản kiểm tra.pdf")})  # fmt: skip
    assert ok.status_code == 201, ok.data
    refused = leader.post(f"/evidence/line/{other_id}/upload",
                          headers={"Accept": "application/json"},
                          data={"file": (io.BytesIO(pdf), "Khác.pdf")})  # fmt: skip
    assert refused.status_code == 403
    s = web.world.s
    s.expire_all()
    phases = [e.phase for e in s.query(Evidence).filter(Evidence.score_line_id.in_(
        [line_id, other_id]))]  # fmt: skip
    assert phases == ["supplement"]
    # The answer from the line's panel comes back to the sheet.
    back = f"/sheet/{assessment_id}#line-{line_id}"
    answer = leader.post(f"/{REQUESTS}/action_post", data={
        "action": "respond", "rowid": str(request.id), "step": "apply",
        "text": "Đã tải lên biên bản", "next": back})  # fmt: skip
    assert answer.status_code == 302 and f"/sheet/{assessment_id}" in answer.headers["Location"]
    assert web.requests()[0].response == "Đã tải lên biên bản"
    # Unit B sees nothing of it.
    assert web.client("unit_b_leader").get(f"/sheet/{assessment_id}").status_code == 404
    set_windows(web.world, "closed")
    late = leader.post(f"/evidence/line/{line_id}/upload", headers={"Accept": "application/json"},
                       data={"file": (io.BytesIO(pdf), "Muộn.pdf")})  # fmt: skip
    assert late.status_code == 403
    assert vi("supplement window") in late.json["error"]


def test_results_list_exports_the_rows_the_account_sees(web):
    web.staff()
    web.score(["1.1"])
    query = f"_flt_0_round={web.world.round.id}"
    support = web.client("support").get(f"/{LINES}/export/csv?{query}")
    assert support.status_code == 200
    text = support.data.decode("utf-8-sig")
    assert "Xã Thử A" in text and "Xã Thử B" not in text
    assert "3,5" in text or "3.5" in text
    assert vi("Scored by the support team") in text
