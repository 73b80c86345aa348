"""Generated screens of the self-assessment: lists, the score-line form, submit/withdraw, grants.

The tests work on a small round of their own (`practice_round`), so they can score, submit and
close windows without touching the demo rounds other tests read.
"""

import datetime
import html
import re
from contextlib import contextmanager
from decimal import Decimal
from types import SimpleNamespace

import pytest
from babel.messages.pofile import read_po

from app.domain.clock import format_local, utcnow
from app.models import (
    AppUser,
    Assessment,
    AuditEvent,
    Criterion,
    CriterionOption,
    Evidence,
    Framework,
    Round,
    ScoreLine,
    Unit,
    WindowGrant,
)
from app.models.criteria import RULE_CHOICE, RULE_NUMBER, RULE_SURVEY
from tests.conftest import ROOT
from tests.helpers import one, page_text

# code, title, max, rule, step, may be not applicable, evidence required
PRACTICE_CRITERIA = (
    ("1.1", "Ban hành kế hoạch kiểm thử", "10", RULE_NUMBER, "0.5", False, False),
    ("1.2", "Báo cáo đúng hạn", "1", RULE_CHOICE, None, False, False),
    ("1.3", "Mức độ hài lòng (điều tra)", "5", RULE_SURVEY, None, False, False),
    ("1.4", "Thủ tục đặc thù", "2", RULE_NUMBER, "0.25", True, True),
)
PRACTICE_OPTIONS = (("dung_han", "Đúng hạn", "1"), ("cham", "Chậm", "0.5"))


# --- helpers shared with tests/api/test_scoring_api.py and tests/web/test_cross_unit.py -------


def vi(msgid, **values):
    """`msgid` as the Vietnamese catalogue writes it (the msgid itself until it is merged)."""
    if not hasattr(vi, "catalogue"):
        with open(f"{ROOT}/translations/vi/LC_MESSAGES/messages.po", "rb") as handle:
            vi.catalogue = read_po(handle)
    message = vi.catalogue.get(msgid)
    text = message.string if message is not None and message.string else msgid
    return text % values if values else text


def text_of(response):
    return " ".join(page_text(response).split())


def alerts(response):
    """The flashed messages of an HTML page."""
    found = re.findall(r'<div class="alert[^"]*"[^>]*>(.*?)</div>', response.data.decode(), re.S)
    return [" ".join(html.unescape(re.sub(r"<[^>]+>", " ", a)).replace("×", " ").split())
            for a in found]  # fmt: skip


def local(moment):
    """A UTC moment as typed in the forms: dd/mm/yyyy hh:mm local time."""
    return format_local(moment)


def _criteria(framework):
    field = Criterion(code="1", sort_key="0001", title="Lĩnh vực kiểm thử", max_points=18,
                      rule=RULE_NUMBER, framework=framework)  # fmt: skip
    rows = [field]
    for code, title, top, rule, step, na, ev in PRACTICE_CRITERIA:
        criterion = Criterion(
            code=code, sort_key=f"0001.{code[2:]:0>4}", title=title, max_points=Decimal(top),
            rule=rule, step=Decimal(step) if step else None, allow_not_applicable=na,
            evidence_required=ev, framework=framework, parent=field,
        )  # fmt: skip
        if rule == RULE_CHOICE:
            criterion.options = [
                CriterionOption(key=k, label=label, points=Decimal(p), position=i)
                for i, (k, label, p) in enumerate(PRACTICE_OPTIONS)
            ]
        rows.append(criterion)
    return rows


@contextmanager
def practice_round(session, tag, unit_codes=("XA001", "XA002")):
    """A round of our own with 4 lines per unit, its self-assessment window open now.

    Yields a namespace: round_id, assessment[unit code] -> id, line[(unit code, criterion
    code)] -> id. Lines of XA001 are assigned to canbo.xa, lines of XA002 to canbo.xa2. Every
    row is deleted afterwards."""
    now = utcnow()
    units = [one(session, Unit, code=code) for code in unit_codes]
    staff = {u.unit_id: u for u in session.query(AppUser).filter(
        AppUser.username.in_(["canbo.xa", "canbo.xa2"]))}  # fmt: skip
    framework = Framework(
        code=f"KT-{tag}", name=f"Bộ tiêu chí kiểm thử {tag}", year=2031,
        unit_type_id=units[0].unit_type_id, max_points=18, frozen=True, frozen_at=now,
    )  # fmt: skip
    criteria = _criteria(framework)
    round_ = Round(
        name=f"Đợt kiểm thử {tag}", year=2031, framework=framework, units=units,
        organiser_unit=one(session, Unit, code="SNV"), phase="self_assessment",
        self_start=now - datetime.timedelta(days=1), self_end=now + datetime.timedelta(days=10),
        appraisal_start=now + datetime.timedelta(days=11),
        appraisal_end=now + datetime.timedelta(days=20), opened_at=now,
    )  # fmt: skip
    session.add_all([framework, *criteria, round_])
    session.flush()
    found = SimpleNamespace(round_id=round_.id, assessment={}, line={})
    for unit in units:
        assessment = Assessment(round_id=round_.id, unit_id=unit.id)
        session.add(assessment)
        session.flush()
        found.assessment[unit.code] = assessment.id
        preparer = staff.get(unit.id)
        for criterion in criteria[1:]:
            line = ScoreLine(assessment_id=assessment.id, criterion_id=criterion.id,
                             preparer_id=preparer.id if preparer else None)  # fmt: skip
            session.add(line)
            session.flush()
            found.line[(unit.code, criterion.code)] = line.id
    session.commit()
    try:
        yield found
    finally:
        session.rollback()
        line_ids = list(found.line.values())
        session.query(Evidence).filter(Evidence.score_line_id.in_(line_ids)).delete()
        session.query(ScoreLine).filter(ScoreLine.id.in_(line_ids)).delete()
        session.query(Assessment).filter(Assessment.round_id == found.round_id).delete()
        session.query(WindowGrant).filter(WindowGrant.round_id == found.round_id).delete()
        round_ = session.get(Round, found.round_id)
        round_.units = []
        session.delete(round_)
        session.flush()
        framework = session.query(Framework).filter_by(code=f"KT-{tag}").one()
        ids = [c.id for c in framework.criteria]
        session.query(CriterionOption).filter(CriterionOption.criterion_id.in_(ids)).delete()
        session.query(Criterion).filter(Criterion.id.in_(ids)).update({"parent_id": None})
        session.query(Criterion).filter(Criterion.id.in_(ids)).delete()
        session.expunge_all()
        session.query(Framework).filter_by(code=f"KT-{tag}").delete()
        session.commit()


def set_self_window(session, round_id, start, end):
    round_ = session.get(Round, round_id)
    round_.self_start, round_.self_end = start, end
    session.commit()


def line_state(session, line_id):
    session.expire_all()
    line = session.get(ScoreLine, line_id)
    return (line.self_input, line.self_points, line.explanation, line.not_applicable,
            line.not_applicable_reason, line.version)  # fmt: skip


def audit_count(session, **filters):
    return session.query(AuditEvent).filter_by(**filters).count()


@pytest.fixture(scope="module")
def practice(test_engine):
    from sqlalchemy.orm import Session

    with Session(test_engine) as setup, practice_round(setup, "VIEWS") as found:
        yield found


# --- lists --------------------------------------------------------------------------------------


def test_lists_render_in_vietnamese_for_staff(practice, staff_client):
    page = staff_client.get("/assessmentview/list/")
    assert page.status_code == 200
    text = text_of(page)
    assert vi("Self-assessments") in text
    assert "Phường Lam Giang" in text and "Đợt kiểm thử VIEWS" in text
    assert "Phường Hưng Lam" not in text  # another unit's assessment
    assert vi("Draft") in text and vi("Assessment round") in text
    assert f'/sheet/{practice.assessment["XA001"]}"' in page.data.decode()
    assert 'href="/assessmentview/add"' not in page.data.decode()

    lines = staff_client.get(
        f"/scorelineview/list/?_flt_0_assessment={practice.assessment['XA001']}"
    )
    assert lines.status_code == 200
    text = text_of(lines)
    assert vi("Score lines") in text and "1.1 Ban hành kế hoạch kiểm thử" in text
    assert "Phạm Thị Mai" in text  # the preparer, by name
    foreign = staff_client.get(
        f"/scorelineview/list/?_flt_0_assessment={practice.assessment['XA002']}"
    )
    assert "Hưng Lam" not in text_of(foreign)


def test_lists_render_for_the_organiser_with_every_unit(practice, organiser_client):
    text = text_of(organiser_client.get(f"/assessmentview/list/?_flt_0_round={practice.round_id}"))
    assert "Phường Lam Giang" in text and "Phường Hưng Lam" in text
    search = organiser_client.get(
        f"/scorelineview/list/?_flt_0_criterion=1.2&_flt_0_assessment={practice.assessment['XA001']}"
    )
    assert search.status_code == 200
    assert "1.2 Báo cáo đúng hạn" in text_of(search) and "1.1 Ban hành" not in text_of(search)
    by_name = organiser_client.get(
        f"/scorelineview/list/?_flt_0_preparer_id=Hoàng&_flt_0_assessment="
        f"{practice.assessment['XA002']}"
    )
    assert "Phường Hưng Lam" in text_of(by_name)
    assert organiser_client.get("/windowgrantview/list/").status_code == 200


# --- the score line form ------------------------------------------------------------------------


def test_staff_saves_8_5_through_the_generated_form(practice, session, staff_client):
    line_id = practice.line[("XA001", "1.1")]
    form = staff_client.get(f"/scorelineview/edit/{line_id}")
    assert form.status_code == 200
    assert "tối đa" in text_of(form) or "maximum" in text_of(form)
    version = line_state(session, line_id)[-1]
    before = audit_count(session, entity="score_line", entity_id=line_id, action="score")
    response = staff_client.post(
        f"/scorelineview/edit/{line_id}",
        data={"self_input": "8,5", "explanation": "Đã ban hành đúng hạn", "version": version},
    )
    assert response.status_code == 302
    self_input, points, explanation, *_rest = line_state(session, line_id)
    assert points == Decimal("8.50") and self_input == "8.5"
    assert explanation == "Đã ban hành đúng hạn"
    assert (
        audit_count(session, entity="score_line", entity_id=line_id, action="score") == before + 1
    )
    event = (
        session.query(AuditEvent)
        .filter_by(entity="score_line", entity_id=line_id, action="score")
        .order_by(AuditEvent.id.desc())
        .first()
    )
    assert event.new_value == "8,5"
    assert event.user_id == one(session, AppUser, username="canbo.xa").id
    show = text_of(staff_client.get(f"/scorelineview/show/{line_id}"))
    assert "8,5" in show


def test_abc_keeps_what_was_typed_and_changes_nothing(practice, session, staff_client):
    line_id = practice.line[("XA001", "1.1")]
    before = line_state(session, line_id)
    response = staff_client.post(
        f"/scorelineview/edit/{line_id}",
        data={"self_input": "abc", "explanation": "Giải trình mới", "version": before[-1]},
    )
    assert response.status_code == 200
    body = response.data.decode()
    assert re.search(r'id="self_input"[^>]*value="abc"', body)
    assert "Giải trình mới" in body  # the explanation typed is kept too
    assert vi("“%(value)s” is not a number. Write it like 8 or 8,5.", value="abc") in text_of(
        response
    )
    assert line_state(session, line_id) == before


def test_a_line_assigned_to_someone_else_is_refused(practice, session, client_as):
    line_id = practice.line[("XA001", "1.2")]
    session.get(ScoreLine, line_id).preparer_id = None
    session.commit()
    before = line_state(session, line_id)
    response = client_as("canbo.xa").post(
        f"/scorelineview/edit/{line_id}", data={"self_input": "dung_han"}
    )
    assert response.status_code == 200
    assert vi("This line is assigned to someone else in your unit; ask your leader.") in alerts(
        response
    )
    assert line_state(session, line_id) == before
    # The leader edits every line of the unit, and an option is typed by its key.
    leader = client_as("lanhdao.xa")
    assert (
        leader.post(f"/scorelineview/edit/{line_id}", data={"self_input": "dung_han"}).status_code
        == 302
    )
    assert line_state(session, line_id)[1] == Decimal("1.00")


def test_not_applicable_with_a_reason_goes_through_the_domain(practice, session, staff_client):
    line_id = practice.line[("XA001", "1.4")]
    refused = staff_client.post(
        f"/scorelineview/edit/{line_id}", data={"self_input": "", "not_applicable": "y"}
    )
    assert refused.status_code == 200
    assert vi("Write why this criterion does not apply to your unit.") in text_of(refused)
    assert line_state(session, line_id)[3] is False
    done = staff_client.post(
        f"/scorelineview/edit/{line_id}",
        data={"not_applicable": "y", "not_applicable_reason": "Phường không có thủ tục này"},
    )
    assert done.status_code == 302
    assert line_state(session, line_id)[3:5] == (True, "Phường không có thủ tục này")
    assert (
        audit_count(session, entity="score_line", entity_id=line_id, action="not_applicable") == 1
    )


# --- submit and withdraw ------------------------------------------------------------------------


def _status(session, assessment_id):
    session.expire_all()
    return session.get(Assessment, assessment_id).status


def test_submit_and_withdraw_by_the_leader_only(practice, session, client_as):
    assessment_id = practice.assessment["XA001"]
    staff, leader = client_as("canbo.xa"), client_as("lanhdao.xa")
    post = {"action": "submit", "rowid": [assessment_id]}
    refused = staff.post("/assessmentview/action_post", data=post, follow_redirects=True)
    assert vi("Only the unit's leader may do this.") in alerts(refused)
    assert _status(session, assessment_id) == "draft"

    # Lines 1.1 and 1.2 are scored by the tests above; 1.4 is marked not applicable.
    for code in ("1.1", "1.2", "1.4"):
        line = session.get(ScoreLine, practice.line[("XA001", code)])
        line.self_input = line.self_points = None
        line.not_applicable, line.not_applicable_reason = False, None
    session.commit()
    missing = leader.post("/assessmentview/action_post", data=post, follow_redirects=True)
    shown = " ".join(alerts(missing))
    assert vi("%(count)s lines still need work before submitting.", count=3) in shown
    assert "1.1: " + vi("not scored yet") in shown
    assert _status(session, assessment_id) == "draft"

    for code, points in (("1.1", "8.50"), ("1.2", "1.00"), ("1.4", "2.00")):
        line = session.get(ScoreLine, practice.line[("XA001", code)])
        line.self_input, line.self_points = points, Decimal(points)
    session.get(ScoreLine, practice.line[("XA001", "1.4")]).explanation = "Có quyết định kèm theo"
    session.commit()
    submitted = leader.post("/assessmentview/action_post", data=post, follow_redirects=True)
    assert _status(session, assessment_id) == "submitted", alerts(submitted)
    assert audit_count(session, entity="assessment", entity_id=assessment_id, action="submit") == 1
    # Submitted: the staff's form is refused with the domain's reason.
    line_id = practice.line[("XA001", "1.1")]
    locked = staff.post(f"/scorelineview/edit/{line_id}", data={"self_input": "9"})
    assert vi("The self-assessment has been submitted; the leader must withdraw it first.") in (
        alerts(locked)
    )
    assert staff.post("/assessmentview/action_post", data={
        "action": "withdraw", "rowid": [assessment_id]}).status_code == 302  # fmt: skip
    assert _status(session, assessment_id) == "submitted"
    leader.post(
        "/assessmentview/action_post", data={"action": "withdraw", "rowid": [assessment_id]}
    )
    assert _status(session, assessment_id) == "draft"
    assert (
        audit_count(session, entity="assessment", entity_id=assessment_id, action="withdraw") == 1
    )


# --- extensions and reopenings ------------------------------------------------------------------


def _grant_form(practice, session, unit_code, until, reason):
    unit = one(session, Unit, code=unit_code) if unit_code else None
    return {
        "round": practice.round_id, "unit": unit.id if unit else "", "window": "self",
        "until": local(until), "reason": reason,
    }  # fmt: skip


def test_extension_for_one_unit_after_the_deadline(practice, session, client_as):
    now = utcnow()
    set_self_window(session, practice.round_id, now - datetime.timedelta(days=3),
                    now - datetime.timedelta(hours=1))  # fmt: skip
    mine, theirs = practice.line[("XA001", "1.1")], practice.line[("XA002", "1.1")]
    staff, staff2 = client_as("canbo.xa"), client_as("canbo.xa2")
    try:
        closed = staff.post(f"/scorelineview/edit/{mine}", data={"self_input": "7"})
        assert closed.status_code == 200
        assert "closed" in " ".join(alerts(closed)) or "hết" in " ".join(alerts(closed))
        reason = "Phường mất điện diện rộng trong hai ngày cuối"
        response = client_as("tochuc").post(
            "/windowgrantview/add",
            data=_grant_form(practice, session, "XA001", now + datetime.timedelta(hours=2), reason),
        )
        assert response.status_code == 302, alerts(response)
        grant = one(session, WindowGrant, round_id=practice.round_id)
        assert grant.unit_id == one(session, Unit, code="XA001").id and grant.reason == reason
        assert grant.granted_by_id == one(session, AppUser, username="tochuc").id
        assert grant.granted_at is not None
        assert (
            audit_count(session, entity="round", entity_id=practice.round_id, action="grant") == 1
        )
        listed = text_of(client_as("tochuc").get("/windowgrantview/list/"))
        assert "Phường Lam Giang" in listed and vi("Self-assessment") in listed

        assert (
            staff.post(f"/scorelineview/edit/{mine}", data={"self_input": "7"}).status_code == 302
        )
        assert line_state(session, mine)[1] == Decimal("7.00")
        before = line_state(session, theirs)
        other = staff2.post(f"/scorelineview/edit/{theirs}", data={"self_input": "7"})
        assert other.status_code == 200 and line_state(session, theirs) == before
        closed_message = vi("The %(window)s closed at %(end)s: nothing can be changed any more.",
                            window=vi("self-assessment window"),
                            end=local(session.get(Round, practice.round_id).self_end))  # fmt: skip
        assert closed_message in alerts(other)
    finally:
        session.query(WindowGrant).filter_by(round_id=practice.round_id).delete()
        set_self_window(session, practice.round_id, now - datetime.timedelta(days=1),
                        now + datetime.timedelta(days=10))  # fmt: skip


def test_reopen_needs_a_written_reason_and_a_future_time(practice, session, organiser_client):
    now = utcnow()
    later = now + datetime.timedelta(days=1)
    cases = [
        (
            _grant_form(practice, session, None, later, ""),
            "Write the reason (at least %(count)s characters).",
            {"count": 10},
        ),  # noqa: E501
        (
            _grant_form(practice, session, None, later, "ngắn"),
            "Write the reason (at least %(count)s characters).",
            {"count": 10},
        ),  # noqa: E501
        (
            _grant_form(
                practice,
                session,
                None,
                now - datetime.timedelta(hours=1),
                "Lý do đầy đủ cho việc mở lại",
            ),
            "The new deadline must be in the future.",
            {},
        ),  # noqa: E501
    ]
    for data, msgid, values in cases:
        response = organiser_client.post("/windowgrantview/add", data=data)
        assert response.status_code == 200
        assert vi(msgid, **values) in text_of(response)
        assert data["until"] in response.data.decode()  # what was typed stays in the form
    assert session.query(WindowGrant).filter_by(round_id=practice.round_id).count() == 0


def test_reopen_for_every_unit_is_logged(practice, session, client_as):
    now = utcnow()
    set_self_window(session, practice.round_id, now - datetime.timedelta(days=3),
                    now - datetime.timedelta(hours=1))  # fmt: skip
    try:
        data = _grant_form(practice, session, None, now + datetime.timedelta(hours=3),
                           "Hệ thống gặp sự cố, mở lại cho mọi đơn vị")  # fmt: skip
        assert client_as("tochuc").post("/windowgrantview/add", data=data).status_code == 302
        assert one(session, WindowGrant, round_id=practice.round_id).unit_id is None
        assert (
            audit_count(session, entity="round", entity_id=practice.round_id, action="reopen") == 1
        )
        theirs = practice.line[("XA002", "1.1")]
        assert client_as("canbo.xa2").post(
            f"/scorelineview/edit/{theirs}", data={"self_input": "5"}
        ).status_code == 302  # fmt: skip
        assert line_state(session, theirs)[1] == Decimal("5.00")
        # Staff and leaders have no grant screen at all.
        assert client_as("lanhdao.xa").post("/windowgrantview/add", data=data).status_code in (
            302,
            403,
        )
        assert session.query(WindowGrant).filter_by(round_id=practice.round_id).count() == 1
    finally:
        session.query(WindowGrant).filter_by(round_id=practice.round_id).delete()
        set_self_window(session, practice.round_id, now - datetime.timedelta(days=1),
                        now + datetime.timedelta(days=10))  # fmt: skip
