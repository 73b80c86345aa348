"""The score sheet page: reading, autosave, assignment, windows, submit, CSRF, query count.

Writes happen on a small sheet built here (its own framework and round for unit XA001, removed
at the end), so the demo sheets the other tests use stay as they are. The demo 2026 sheet of
XA001 is only read (what the staff sees, and the query count with ~100 lines)."""

import datetime
import re
from contextlib import contextmanager
from decimal import Decimal
from unittest import mock

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.domain.clock import format_local, utcnow
from app.domain.criteria_tree import code_sort_key
from app.extensions import db
from app.models import (
    AppUser,
    Assessment,
    AuditEvent,
    Criterion,
    CriterionOption,
    CriterionTier,
    Framework,
    Round,
    ScoreLine,
    Unit,
)
from app.models.rounds import PHASE_SELF
from app.security import permission_cache
from tests.conftest import DEMO_PASSWORD, make_app
from tests.helpers import page_text

SMALL_CODE = "TEST-SHEET-SMALL"
# code, title, max, rule, extra columns (leaves only; headings have children)
SMALL_TREE = [
    ("1", "Lĩnh vực thử nghiệm một", "15", None, {}),
    ("1.1", "Tiêu chí chấm bằng số", "10", "number", {"step": "0.5", "evidence_required": True}),
    ("1.2", "Tiêu chí chọn phương án", "5", "choice", {}),
    ("2", "Lĩnh vực thử nghiệm hai", "6", None, {}),
    ("2.1", "Tiêu chí có thể không áp dụng", "2", "number", {"allow_not_applicable": True}),
    ("2.2", "Tiêu chí theo tỷ lệ phần trăm", "2", "tiers", {}),
    ("2.3", "Tiêu chí trừ điểm theo số lần", "1", "deduction", {"per_occurrence": "0.25"}),
    ("2.4", "Tiêu chí chấm qua điều tra xã hội học", "1", "survey", {}),
]


def build_small_sheet(s, year=2000):
    """A 6-line sheet for unit XA001 with its self-assessment window open now; returns ids."""
    unit = s.query(Unit).filter_by(code="XA001").one()
    organiser = s.query(Unit).filter_by(code="SNV").one()
    framework = Framework(
        code=SMALL_CODE, name="Bộ tiêu chí thử phiếu chấm điểm", year=year,
        unit_type_id=unit.unit_type_id, max_points=Decimal("21"), frozen=True,
    )  # fmt: skip
    s.add(framework)
    by_code = {}
    for code, title, top, rule, extra in SMALL_TREE:
        parent = by_code.get(code.rsplit(".", 1)[0]) if "." in code else None
        criterion = Criterion(
            framework=framework, parent=parent, code=code, sort_key=code_sort_key(code),
            title=title, max_points=Decimal(top), rule=rule or "number",
            **{k: Decimal(v) if isinstance(v, str) else v for k, v in extra.items()},
        )  # fmt: skip
        by_code[code] = criterion
        s.add(criterion)
    by_code["1.2"].options = [
        CriterionOption(key="co", label="Có thực hiện", points=Decimal("5"), position=0),
        CriterionOption(key="khong", label="Không thực hiện", points=Decimal("0"), position=1),
    ]
    by_code["2.2"].tiers = [
        CriterionTier(min_percent=Decimal("90"), points=Decimal("2")),
        CriterionTier(min_percent=Decimal("50"), points=Decimal("1")),
        CriterionTier(min_percent=Decimal("0"), points=Decimal("0")),
    ]
    now = utcnow()
    round_ = Round(
        name="Vòng thử nghiệm phiếu chấm điểm", year=year, framework=framework,
        organiser_unit=organiser, units=[unit], phase=PHASE_SELF,
        self_start=now - datetime.timedelta(days=1), self_end=now + datetime.timedelta(days=10),
    )  # fmt: skip
    s.add(round_)
    s.flush()
    assessment = Assessment(round_id=round_.id, unit_id=unit.id)
    s.add(assessment)
    s.flush()
    lines = {}
    for code, _title, _top, rule, _extra in SMALL_TREE:
        if rule is not None:
            line = ScoreLine(assessment_id=assessment.id, criterion_id=by_code[code].id)
            s.add(line)
            lines[code] = line
    s.commit()
    return {
        "assessment": assessment.id,
        "round": round_.id,
        "framework": framework.id,
        "lines": {code: line.id for code, line in lines.items()},
        "criteria": {code: c.id for code, c in by_code.items()},
    }


def remove_small_sheet(s, ids):
    """Delete everything build_small_sheet made, and the change log about it."""
    line_ids = list(ids["lines"].values())
    s.query(AuditEvent).filter(
        ((AuditEvent.entity == "score_line") & AuditEvent.entity_id.in_(line_ids))
        | ((AuditEvent.entity == "assessment") & (AuditEvent.entity_id == ids["assessment"]))
    ).delete(synchronize_session=False)
    from app.models import Evidence

    s.query(Evidence).filter(Evidence.score_line_id.in_(line_ids)).delete(synchronize_session=False)
    s.query(ScoreLine).filter(ScoreLine.id.in_(line_ids)).delete(synchronize_session=False)
    s.query(Assessment).filter_by(id=ids["assessment"]).delete(synchronize_session=False)
    round_ = s.get(Round, ids["round"])
    round_.units = []
    s.flush()
    s.delete(round_)
    s.flush()
    criteria = list(ids["criteria"].values())
    s.query(CriterionOption).filter(CriterionOption.criterion_id.in_(criteria)).delete()
    s.query(CriterionTier).filter(CriterionTier.criterion_id.in_(criteria)).delete()
    # Children before parents (the tree's foreign key).
    for depth in (2, 1, 0):
        codes = [code for code in ids["criteria"] if code.count(".") == depth]
        s.query(Criterion).filter(Criterion.id.in_([ids["criteria"][c] for c in codes])).delete()
    s.query(Framework).filter_by(id=ids["framework"]).delete()
    s.commit()


@pytest.fixture(scope="module")
def small(test_engine):
    with Session(test_engine) as s:
        ids = build_small_sheet(s)
    yield ids
    with Session(test_engine) as s:
        remove_small_sheet(s, ids)


@pytest.fixture()
def fresh_small(small, session):
    """The small sheet back to its first state after each test (no scores, no one assigned)."""
    yield small
    session.expire_all()
    for line in session.query(ScoreLine).filter(ScoreLine.id.in_(small["lines"].values())):
        line.self_input = line.self_points = line.explanation = line.preparer_id = None
        line.not_applicable, line.not_applicable_reason = False, None
    assessment = session.get(Assessment, small["assessment"])
    assessment.status, assessment.submitted_at, assessment.submitted_by_id = "draft", None, None
    session.commit()


def demo_assessment(session, unit_code):
    round_ = session.query(Round).filter(Round.name.contains("2026")).one()
    unit = session.query(Unit).filter_by(code=unit_code).one()
    return session.query(Assessment).filter_by(round_id=round_.id, unit_id=unit.id).one()


def line_of(session, ids, code):
    session.expire_all()
    return session.get(ScoreLine, ids["lines"][code])


def autosave(client, line_id, value, version=None):
    body = {"value": value}
    if version is not None:
        body["version"] = version
    return client.post(f"/sheet/line/{line_id}/score", json=body)


# --- reading ------------------------------------------------------------------------------------


def test_staff_sees_the_sheet_of_their_unit(staff_client, session):
    assessment = demo_assessment(session, "XA001")
    listing = staff_client.get("/sheet/")
    assert listing.status_code == 200
    assert f"/sheet/{assessment.id}" in listing.text and "Phường Hưng Lam" not in listing.text
    page = staff_client.get(f"/sheet/{assessment.id}")
    assert page.status_code == 200
    text = page_text(page)
    assert "Phường Lam Giang" in text and "Ban hành Kế hoạch CCHC năm của UBND cấp xã" in text
    assert re.search(r"\d\d/\d\d/\d{4} \d\d:\d\d", text)  # the deadline, local time
    # Nothing is assigned to the staff member yet: every line is read-only, with the reason.
    assert 'class="form-control score-input"' not in page.text
    assert "phân công" in text or "assigned" in text
    assert '<meta name="csrf-token"' in page.text


def test_other_units_sheet_and_lines_are_out_of_reach(staff_client, session):
    other = demo_assessment(session, "XA002")
    assert staff_client.get(f"/sheet/{other.id}").status_code == 404
    line = session.query(ScoreLine).filter_by(assessment_id=other.id).first()
    before = (line.self_points, line.self_input, line.version, line.explanation)
    forged = autosave(staff_client, line.id, "0,5")
    assert forged.status_code == 404 and forged.json["ok"] is False
    assert staff_client.post(f"/sheet/line/{line.id}", json={"explanation": "x"}).status_code == 404
    assert staff_client.get(f"/sheet/line/{line.id}/history").status_code == 404
    assert staff_client.post(f"/sheet/{other.id}/submit").status_code == 404
    session.expire_all()
    line = session.get(ScoreLine, line.id)
    assert (line.self_points, line.self_input, line.version, line.explanation) == before


def test_anonymous_autosave_is_refused(anon_client, small):
    assert autosave(anon_client, small["lines"]["1.1"], "1").status_code == 401


# --- autosave -----------------------------------------------------------------------------------


def test_autosave_reads_a_vietnamese_decimal_and_returns_the_totals(
    leader_client, session, fresh_small
):
    line = line_of(session, fresh_small, "1.1")
    answer = autosave(leader_client, line.id, "8,5", line.version)
    assert answer.status_code == 200, answer.json
    data = answer.json
    assert data["ok"] and data["points"] == "8,5" and data["input"] == "8,5"
    assert data["version"] == line.version + 1
    assert data["total"] == "8,5" and data["field"] == "1" and data["field_total"] == "8,5"
    assert data["scored"] == 1 and data["lines_total"] == 5
    saved = line_of(session, fresh_small, "1.1")
    assert saved.self_points == Decimal("8.50") and saved.self_input == "8.5"
    # The choice line takes an option key; totals keep adding up.
    choice = autosave(leader_client, fresh_small["lines"]["1.2"], "co").json
    assert choice["points"] == "5" and choice["total"] == "13,5" and choice["field_total"] == "13,5"


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        ("abc", "không phải là số"),
        ("11", "vượt quá điểm tối đa"),
        ("8,,5", "nhiều hơn một dấu phẩy"),
        ("8,25", "bước điểm"),
        ("-1", "âm"),
    ],
)
def test_bad_scores_are_refused_in_vietnamese_and_change_nothing(
    leader_client, session, fresh_small, raw, words
):
    assert autosave(leader_client, fresh_small["lines"]["1.1"], "7").status_code == 200
    before = line_of(session, fresh_small, "1.1")
    answer = autosave(leader_client, before.id, raw, before.version)
    assert answer.status_code == 422
    assert answer.json["ok"] is False and words in answer.json["error"].lower()
    after = line_of(session, fresh_small, "1.1")
    assert (after.self_points, after.self_input, after.version) == (
        Decimal("7.00"), "7", before.version,
    )  # fmt: skip


def test_an_option_not_in_the_list_is_refused_and_keeps_the_saved_one(
    leader_client, session, fresh_small
):
    line_id = fresh_small["lines"]["1.2"]
    assert autosave(leader_client, line_id, "co").status_code == 200
    answer = autosave(leader_client, line_id, "co-mot-phan")
    assert answer.status_code == 422 and answer.json["ok"] is False
    # The message names the choices the rule has (Vietnamese labels).
    assert "Có thực hiện" in answer.json["error"] and "Không thực hiện" in answer.json["error"]
    after = line_of(session, fresh_small, "1.2")
    assert (after.self_input, after.self_points) == ("co", Decimal("5.00"))


def test_a_bad_version_or_a_survey_line_is_refused(leader_client, session, fresh_small):
    answer = leader_client.post(
        f"/sheet/line/{fresh_small['lines']['1.1']}/score", json={"value": "1", "version": "x"}
    )
    assert answer.status_code == 422
    survey = autosave(leader_client, fresh_small["lines"]["2.4"], "1")
    assert survey.status_code == 422 and "điều tra xã hội học" in survey.json["error"]
    assert line_of(session, fresh_small, "2.4").self_points is None


def test_a_stale_version_is_a_conflict_that_keeps_the_other_save(
    leader_client, session, fresh_small
):
    line = line_of(session, fresh_small, "1.1")
    loaded = line.version
    assert autosave(leader_client, line.id, "6", loaded).status_code == 200
    late = autosave(leader_client, line.id, "4", loaded)
    assert late.status_code == 409
    assert late.json["current"] == "6" and late.json["version"] == loaded + 1
    assert line_of(session, fresh_small, "1.1").self_points == Decimal("6.00")


def test_staff_may_not_write_a_line_assigned_to_nobody(staff_client, session, fresh_small):
    answer = autosave(staff_client, fresh_small["lines"]["2.1"], "1")
    assert answer.status_code == 403
    assert "phân công" in answer.json["error"] or "assigned" in answer.json["error"]
    assert line_of(session, fresh_small, "2.1").self_points is None


def test_leader_assigns_a_field_then_staff_scores_its_lines(
    leader_client, staff_client, session, fresh_small
):
    staff = session.query(AppUser).filter_by(username="canbo.xa").one()
    assigned = leader_client.post(
        f"/sheet/{fresh_small['assessment']}/assign",
        data={"criterion_id": fresh_small["criteria"]["2"], "user_id": staff.id},
    )
    assert assigned.status_code == 302
    session.expire_all()
    for code in ("2.1", "2.2", "2.3"):
        assert line_of(session, fresh_small, code).preparer_id == staff.id
    assert line_of(session, fresh_small, "1.1").preparer_id is None
    saved = autosave(staff_client, fresh_small["lines"]["2.1"], "1,5")
    assert saved.status_code == 200 and saved.json["field_total"] == "1,5"
    tiers = autosave(staff_client, fresh_small["lines"]["2.2"], "95%")
    assert tiers.status_code == 200 and tiers.json["points"] == "2"
    deduction = autosave(staff_client, fresh_small["lines"]["2.3"], "2")
    assert deduction.status_code == 200 and deduction.json["points"] == "0,5"
    assert autosave(staff_client, fresh_small["lines"]["1.1"], "1").status_code == 403
    page = staff_client.get(f"/sheet/{fresh_small['assessment']}?show=mine")
    assert page.status_code == 200 and page.text.count('class="form-control score-input"') == 3
    # Staff cannot assign.
    refused = staff_client.post(
        f"/sheet/{fresh_small['assessment']}/assign",
        data={"criterion_id": fresh_small["criteria"]["1"], "user_id": staff.id},
    )
    assert refused.status_code == 302
    assert line_of(session, fresh_small, "1.1").preparer_id is None


def test_assigning_to_someone_of_another_unit_is_refused(leader_client, session, fresh_small):
    outsider = session.query(AppUser).filter_by(username="canbo.xa2").one()
    answer = leader_client.post(
        f"/sheet/{fresh_small['assessment']}/assign",
        data={"criterion_id": fresh_small["criteria"]["2"], "user_id": outsider.id},
        follow_redirects=True,
    )
    assert answer.status_code == 200
    assert line_of(session, fresh_small, "2.1").preparer_id is None


@contextmanager
def window_closed(session, round_id):
    round_ = session.get(Round, round_id)
    start, end = round_.self_start, round_.self_end
    round_.self_start = utcnow() - datetime.timedelta(days=5)
    round_.self_end = utcnow() - datetime.timedelta(minutes=1)
    session.commit()
    try:
        yield
    finally:
        round_ = session.get(Round, round_id)
        round_.self_start, round_.self_end = start, end
        session.commit()


def test_the_sheet_shows_the_deadline_and_the_time_left(leader_client, session, fresh_small):
    round_ = session.get(Round, fresh_small["round"])
    end = round_.self_end
    # Half an hour over 3 days 5 hours: the page still reads "5 hours" however slow the run.
    round_.self_end = utcnow().replace(second=0, microsecond=0) + datetime.timedelta(
        days=3, hours=5, minutes=30
    )
    session.commit()
    try:
        with leader_client.application.app_context():
            shown = format_local(round_.self_end)
        text = page_text(leader_client.get(f"/sheet/{fresh_small['assessment']}"))
    finally:
        round_.self_end = end
        session.commit()
    assert re.fullmatch(r"\d\d/\d\d/\d{4} \d\d:\d\d", shown)
    assert shown in text
    assert re.search(r"còn 3 ngày 5 giờ|3 days 5 hours left", text)


def test_after_the_deadline_the_sheet_is_read_only(leader_client, session, fresh_small):
    with window_closed(session, fresh_small["round"]):
        answer = autosave(leader_client, fresh_small["lines"]["1.1"], "5")
        assert answer.status_code == 403
        assert re.search(r"kết thúc|closed", answer.json["error"])
        explanation = leader_client.post(
            f"/sheet/line/{fresh_small['lines']['1.1']}", json={"explanation": "muộn"}
        )
        assert explanation.status_code == 403
        page = leader_client.get(f"/sheet/{fresh_small['assessment']}")
        assert page.status_code == 200 and 'class="form-control score-input"' not in page.text
        assert re.search(r"kết thúc|closed", page_text(page))
    line = line_of(session, fresh_small, "1.1")
    assert line.self_points is None and line.explanation is None


# --- explanation, not applicable, history -------------------------------------------------------


def test_explanation_and_not_applicable_marks(leader_client, session, fresh_small):
    url = f"/sheet/line/{fresh_small['lines']['2.1']}"
    saved = leader_client.post(url, json={"explanation": "  Đã rà soát văn bản.  "})
    assert saved.status_code == 200 and saved.json["ok"]
    assert line_of(session, fresh_small, "2.1").explanation == "Đã rà soát văn bản."
    no_reason = leader_client.post(url, json={"not_applicable": True, "reason": ""})
    assert no_reason.status_code == 422 and not line_of(session, fresh_small, "2.1").not_applicable
    marked = leader_client.post(url, json={"not_applicable": True, "reason": "Không ban hành"})
    assert marked.status_code == 200 and marked.json["max"] == "19"
    assert line_of(session, fresh_small, "2.1").not_applicable_reason == "Không ban hành"
    assert autosave(leader_client, fresh_small["lines"]["2.1"], "1").status_code == 422
    # 1.1 applies to every unit.
    refused = leader_client.post(
        f"/sheet/line/{fresh_small['lines']['1.1']}", json={"not_applicable": True, "reason": "x"}
    )
    assert refused.status_code == 422 and not line_of(session, fresh_small, "1.1").not_applicable
    cleared = leader_client.post(url, data={"not_applicable": "false"})  # a plain form
    assert cleared.status_code == 302 and not line_of(session, fresh_small, "2.1").not_applicable


def test_each_line_shows_its_history(leader_client, session, fresh_small):
    line_id = fresh_small["lines"]["1.1"]
    autosave(leader_client, line_id, "4")
    autosave(leader_client, line_id, "4,5")
    fragment = leader_client.get(f"/sheet/line/{line_id}/history")
    assert fragment.status_code == 200
    text = page_text(fragment)
    assert "Nguyễn Văn Hùng" in text and re.search(r"\d\d/\d\d/\d{4} \d\d:\d\d", text)
    assert "4,5" in text
    events = leader_client.get(
        f"/sheet/line/{line_id}/history", headers={"Accept": "application/json"}
    ).json["events"]
    assert events[0]["old"] == "4" and events[0]["new"] == "4,5"


def test_marking_a_scored_line_not_applicable_logs_the_score_it_drops(
    leader_client, session, fresh_small
):
    line_id = fresh_small["lines"]["2.1"]
    assert autosave(leader_client, line_id, "1,5").status_code == 200
    marked = leader_client.post(
        f"/sheet/line/{line_id}", json={"not_applicable": True, "reason": "Không phát sinh"}
    )
    assert marked.status_code == 200 and line_of(session, fresh_small, "2.1").self_points is None
    events = leader_client.get(
        f"/sheet/line/{line_id}/history", headers={"Accept": "application/json"}
    ).json["events"]
    assert (events[0]["old"], events[0]["new"], events[0]["reason"]) == (
        "1,5", "", "Không phát sinh",
    )  # fmt: skip
    assert (events[1]["old"], events[1]["new"]) == ("", "1,5")


# --- submit and withdraw ------------------------------------------------------------------------


def test_submit_lists_what_is_missing(leader_client, session, fresh_small):
    answer = leader_client.post(f"/sheet/{fresh_small['assessment']}/submit")
    assert answer.status_code == 422
    text = page_text(answer)
    for code in ("1.1", "1.2", "2.1", "2.2", "2.3"):
        assert f"{code}:" in text
    assert "2.4:" not in text  # the survey line is not self-scored
    session.expire_all()
    assert session.get(Assessment, fresh_small["assessment"]).status == "draft"


def test_submit_then_withdraw(leader_client, staff_client, session, fresh_small):
    lines = fresh_small["lines"]
    for code, value in (("1.1", "9"), ("1.2", "co"), ("2.1", "2"), ("2.2", "60"), ("2.3", "0")):
        assert autosave(leader_client, lines[code], value).status_code == 200
    # 1.1 requires evidence: an explanation will do.
    leader_client.post(f"/sheet/line/{lines['1.1']}", json={"explanation": "Xem báo cáo số 12."})
    submitted = leader_client.post(f"/sheet/{fresh_small['assessment']}/submit")
    assert submitted.status_code == 302
    session.expire_all()
    assert session.get(Assessment, fresh_small["assessment"]).status == "submitted"
    locked = autosave(leader_client, lines["1.1"], "8")
    assert locked.status_code == 403
    assert staff_client.post(f"/sheet/{fresh_small['assessment']}/withdraw").status_code == 302
    session.expire_all()
    assert session.get(Assessment, fresh_small["assessment"]).status == "submitted"
    withdrawn = leader_client.post(f"/sheet/{fresh_small['assessment']}/withdraw")
    assert withdrawn.status_code == 302
    session.expire_all()
    assert session.get(Assessment, fresh_small["assessment"]).status == "draft"
    actions = {
        a
        for (a,) in session.query(AuditEvent.action).filter_by(
            entity="assessment", entity_id=fresh_small["assessment"]
        )
    }
    assert {"submit", "withdraw"} <= actions


# --- CSRF and query count -----------------------------------------------------------------------


def test_autosave_without_the_csrf_token_is_refused(app, database_url, session, fresh_small):
    guarded = make_app(database_url, WTF_CSRF_ENABLED=True)
    client = guarded.test_client()
    form = client.get("/login/").text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form) or re.search(
        r'id="csrf_token" name="csrf_token" type="hidden" value="([^"]+)"', form
    )
    logged_in = client.post(
        "/login/",
        data={"username": "lanhdao.xa", "password": DEMO_PASSWORD, "csrf_token": token.group(1)},
    )
    assert logged_in.status_code == 302
    line_id = fresh_small["lines"]["1.1"]
    refused = client.post(f"/sheet/line/{line_id}/score", json={"value": "3"})
    assert refused.status_code == 400
    assert line_of(session, fresh_small, "1.1").self_points is None
    page = client.get(f"/sheet/{fresh_small['assessment']}").text
    meta = re.search(r'<meta name="csrf-token" content="([^"]+)"', page).group(1)
    accepted = client.post(
        f"/sheet/line/{line_id}/score", json={"value": "3"}, headers={"X-CSRFToken": meta}
    )
    assert accepted.status_code == 200
    with guarded.app_context():
        db.engine.dispose()


def count_queries(app, client, url):
    """The SQL statements of one GET of `url`, the roles' permissions already in the cache
    (they expire after PERMISSIONS_CACHE_SECONDS: a slow run would count their reload)."""
    with app.app_context():
        engine = db.engine
    statements = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    permission_cache.forget()
    with mock.patch.dict(app.config, PERMISSIONS_CACHE_SECONDS=3600):
        assert client.get(url).status_code == 200
        event.listen(engine, "before_cursor_execute", count)
        try:
            response = client.get(url)
        finally:
            event.remove(engine, "before_cursor_execute", count)
            permission_cache.forget()  # no entry outlives the usual time
    assert response.status_code == 200
    return len(statements)


def test_the_page_costs_the_same_queries_for_few_or_many_lines(app, staff_client, session, small):
    many = demo_assessment(session, "XA001")
    assert session.query(ScoreLine).filter_by(assessment_id=many.id).count() > 80
    few_url, many_url = f"/sheet/{small['assessment']}", f"/sheet/{many.id}"
    staff_client.get(few_url), staff_client.get(many_url)  # warm FAB's caches
    few_count = count_queries(app, staff_client, few_url)
    many_count = count_queries(app, staff_client, many_url)
    assert few_count == many_count, (few_count, many_count)
    # About a dozen are the sheet's own; the rest are FAB's (user, roles, one per menu entry).
    assert many_count < 40


def test_a_lines_panel_and_the_sheet_state(leader_client, staff_client, session, fresh_small):
    assessment, line_id = fresh_small["assessment"], fresh_small["lines"]["2.1"]
    leader_client.post(f"/sheet/line/{line_id}", json={"explanation": "Có <b>văn bản</b> số 5"})
    panel = leader_client.get(f"/sheet/{assessment}?line={line_id}")
    assert panel.status_code == 200
    assert f'id="explanation-{line_id}"' in panel.text and "&lt;b&gt;văn bản" in panel.text
    assert f"/evidence/line/{line_id}/upload" in panel.text  # the leader may add evidence
    assert "na-reason-input" in panel.text  # 2.1 may be marked not applicable
    read_only = staff_client.get(f"/sheet/{assessment}?line={line_id}")
    assert read_only.status_code == 200 and "upload-evidence" not in read_only.text
    demo = demo_assessment(session, "XA001")
    assert leader_client.get(f"/sheet/{demo.id}?line={line_id}").status_code == 404
    state = leader_client.get(f"/sheet/{assessment}", headers={"Accept": "application/json"})
    data = state.json
    assert data["ok"] and data["lines_total"] == 5 and data["fields"]["2"]["max"] == "6"
    assert set(data["missing_lines"]) == {
        str(i) for c, i in fresh_small["lines"].items() if c != "2.4"
    }


def test_the_organiser_reads_any_sheet_but_writes_none(organiser_client, session, fresh_small):
    other = demo_assessment(session, "XA002")
    assert organiser_client.get("/sheet/?q=XA002").status_code == 200
    page = organiser_client.get(f"/sheet/{other.id}")
    assert page.status_code == 200 and 'class="form-control score-input"' not in page.text
    assert "leader-panel" not in page.text
    refused = autosave(organiser_client, fresh_small["lines"]["1.1"], "1")
    assert refused.status_code == 403  # no write permission on the screen at all


def test_accounts_without_the_screen_are_sent_away(viewer_client, small):
    assert viewer_client.get(f"/sheet/{small['assessment']}").status_code in (302, 403)
    assert autosave(viewer_client, small["lines"]["1.1"], "1").status_code == 403


@pytest.mark.parametrize("body", [[1, 2], {"value": {"a": 1}}, {"value": [1]}, "8,5", None])
def test_strange_bodies_get_an_answer_not_a_crash(leader_client, session, fresh_small, body):
    url = f"/sheet/line/{fresh_small['lines']['1.1']}/score"
    answer = leader_client.post(url, json=body) if body is not None else leader_client.post(url)
    assert answer.status_code in (200, 422)
    assert line_of(session, fresh_small, "1.1").self_points is None
