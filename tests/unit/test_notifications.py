"""E-mail notifications against a local SMTP server started by the test (tests/smtp_server.py):
who receives what, in Vietnamese (subject and body decoded), with the right link; nothing for
a refused or rolled-back operation; a dead server never breaks the save; reminders 24 hours
before a window closes, once, only to people with open lines.

The Vietnamese is the catalogue's plus the pending translations (tests/vietnamese.py), so
these tests read what users will read once translations/pending/ is merged.
"""

import datetime
import socket

import pytest

from app.domain import appraisal as ap
from app.domain import supplement as sup
from app.domain.errors import DomainError
from app.models import Assignment, AuditEvent, WindowGrant
from app.notifications import links, pending, reminders
from tests.smtp_server import SmtpServer
from tests.unit.appraisal_world import (
    APPRAISAL,
    DURING_APPRAISAL,
    DURING_SUPPLEMENT,
    GOOD_INPUT,
    SELF,
    SUPPLEMENT,
    assign,
    staff_everything,
)
from tests.unit.test_supplement import approve_everything
from tests.vietnamese import install as install_vietnamese

BASE = "https://cchc.songlam.gov.vn"
HOUR = datetime.timedelta(hours=1)
MINUTE = datetime.timedelta(minutes=1)


@pytest.fixture()
def vietnamese(monkeypatch):
    install_vietnamese(monkeypatch)


def _configure(app, monkeypatch, port):
    settings = {
        "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": port, "MAIL_USE_TLS": False,
        "MAIL_USERNAME": "", "MAIL_SUPPRESS_SEND": False, "MAIL_TIMEOUT": 5,
        "MAIL_DEFAULT_SENDER": "cchc@songlam.gov.vn", "APP_BASE_URL": BASE + "/",
    }  # fmt: skip
    for key, value in settings.items():
        monkeypatch.setitem(app.config, key, value)


@pytest.fixture()
def mail_events(world):
    """The mail records of the world's people, removed afterwards (the world's own cleanup
    only knows the events its people made, and ids of rounds can come again in SQLite)."""
    user_ids = [u.id for u in world.users.values()]

    def events(action):
        return (
            world.s.query(AuditEvent)
            .filter(AuditEvent.action == action, AuditEvent.entity_id.in_(user_ids))
            .order_by(AuditEvent.id)
            .all()
        )

    yield events
    world.s.rollback()
    world.s.query(AuditEvent).filter(
        AuditEvent.action.in_(["mail_failed", "reminder_sent"]),
        AuditEvent.entity == "user",
        AuditEvent.entity_id.in_(user_ids),
    ).delete(synchronize_session=False)
    world.s.commit()


@pytest.fixture()
def smtp(app, monkeypatch, vietnamese, mail_events):
    with SmtpServer() as server:
        _configure(app, monkeypatch, server.port)
        with app.app_context():
            yield server


def _closed_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _text(message):
    return message.get_body(preferencelist=("plain",)).get_content().replace("\r\n", "\n")


def _html(message):
    return message.get_body(preferencelist=("html",)).get_content()


def _to(message):
    return [address.addr_spec for address in message["To"].addresses]


def _sheet(world, unit):
    return f"{BASE}/sheet/{world.assessments[unit].id}"


def _appraisal(world, unit):
    """The unit's appraisal sheet (the score sheet until the appraisal screens exist)."""
    assessment_id = world.assessments[unit].id
    url = links.url(links.APPRAISAL, {"assessment_id": assessment_id})
    assert url.startswith(BASE + "/") and url.endswith(f"/{assessment_id}")
    return url


# --- on assignment ------------------------------------------------------------------------------


def test_assignment_sends_the_member_one_message_listing_units_and_criteria(world, smtp):
    assign(world, "1", "support", "support", units=("A", "B"))
    assert len(smtp.received) == 1  # two units, eight lines: one message
    envelope, message = smtp.received[0], smtp.messages()[0]
    assert envelope.recipients == ["t4.support@songlam.gov.vn"]
    assert message["To"].addresses[0].display_name == "Thử Support"
    assert message["Subject"] == "Phân công thẩm định: Đợt thử thẩm định 2031"
    assert message["From"].addresses[0].addr_spec == "cchc@songlam.gov.vn"
    assert message.get_body(("plain",)).get_content_charset() == "utf-8"
    text = _text(message)
    assert text.startswith("Kính gửi Thử Support,")
    assert (
        "Thử Leader, Tổ trưởng T4 Tổ thẩm định 1, đã phân công cho anh/chị các nội dung sau "
        "trong Đợt thử thẩm định 2031:" in text
    )
    assert "- Xã Thử A: 1 Lĩnh vực một\n  Nhiệm vụ: chấm điểm (Tổ giúp việc), 4 tiêu chí" in text
    assert "- Xã Thử B: 1 Lĩnh vực một" in text
    assert _appraisal(world, "A") in text and _appraisal(world, "B") in text
    assert "Thời gian thẩm định: từ 16/10/2031 08:00 đến 27/10/2031 17:00." in text
    assert f"Công việc thẩm định của anh/chị: {links.url(links.WORK)}" in text
    html = _html(message)
    assert f'href="{_appraisal(world, "A")}"' in html and "Xã Thử A: 1 Lĩnh vực một" in html

    # The same assignment again changes nothing and sends nothing; the appraiser gets theirs.
    assign(world, "1", "support", "support", units=("A", "B"))
    assign(world, "2", "appraiser", "appraiser", units=("A",))
    assert [m["To"].addresses[0].username for m in smtp.messages()] == [
        "t4.support",
        "t4.appraiser",
    ]
    assert "Nhiệm vụ: thẩm định, 2 tiêu chí thành phần" in _text(smtp.messages()[1])


def _begin_real_transaction(session):
    # The test engine autocommits (tests/conftest.py): a rollback there would undo nothing and
    # PostgreSQL refuses savepoints outside a transaction block.
    session.connection(execution_options={"isolation_level": "SERIALIZABLE"})


def test_a_refused_or_rolled_back_assignment_sends_nothing(world, smtp):
    # Refused: support_a works for unit A (conflict of interest).
    with pytest.raises(DomainError):
        assign(world, "1", "support", "support_a", units=("A",))
    world.s.rollback()
    # Applied, then the caller rolls back instead of committing.
    from app.domain.assignment import apply_assignment

    def apply(code, member, kind="support"):
        apply_assignment(
            world.s, world.round, world.team, [world.a.id], world.crit[code],
            world.users[member], kind, world.users["leader"], now=DURING_APPRAISAL,
        )  # fmt: skip

    _begin_real_transaction(world.s)
    apply("2", "support")
    assert len(pending(world.s)) == 1
    world.s.rollback()
    assert pending(world.s) == []
    # Applied inside a savepoint that is rolled back; what the outer transaction queued
    # before and after it is sent when it commits.
    _begin_real_transaction(world.s)
    assert world.s.query(Assignment).filter_by(round_id=world.round.id).count() == 0
    apply("2", "appraiser", "appraiser")
    savepoint = world.s.begin_nested()
    apply("1", "support")
    assert len(pending(world.s)) == 2
    savepoint.rollback()
    assert len(pending(world.s)) == 1
    world.s.commit()
    assert [r.recipients for r in smtp.received] == [["t4.appraiser@songlam.gov.vn"]]


def test_a_dead_smtp_server_never_breaks_the_save(
    app, world, monkeypatch, vietnamese, mail_events, caplog
):
    _configure(app, monkeypatch, _closed_port())
    with app.app_context():
        assign(world, "1", "support", "support", units=("A",))
    assert world.s.query(Assignment).filter_by(round_id=world.round.id).count() == 1
    failed = mail_events("mail_failed")
    assert [(e.entity, e.entity_id) for e in failed] == [("user", world.users["support"].id)]
    assert failed[0].new_value == "Phân công thẩm định: Đợt thử thẩm định 2031"
    assert failed[0].reason.startswith("t4.support@songlam.gov.vn: ConnectionRefusedError")
    assert "Mail to t4.support@songlam.gov.vn failed" in caplog.text


def test_a_refused_recipient_is_recorded_and_the_others_still_get_theirs(world, smtp, mail_events):
    smtp.reject.add("t4.unit_staff@songlam.gov.vn")
    approve_everything(world)
    smtp.received.clear()
    line = world.line("A", "1.1")
    line.preparer_id = world.users["unit_staff"].id
    sup.request_supplement(world.s, line, "Thiếu quyết định", world.users["council"],
                           now=DURING_APPRAISAL)  # fmt: skip
    world.s.commit()
    assert [r.recipients for r in smtp.received] == [["t4.unit_leader@songlam.gov.vn"]]
    assert [e.entity_id for e in mail_events("mail_failed")] == [world.users["unit_staff"].id]


# --- on a supplement request ------------------------------------------------------------------


def test_supplement_request_tells_the_units_leader_and_the_lines_preparer(world, smtp):
    approve_everything(world)
    smtp.received.clear()
    staff = world.users["unit_staff"]
    first, second = world.line("A", "1.1"), world.line("A", "1.2")
    first.preparer_id = staff.id
    council = world.users["council"]
    sup.request_supplement(world.s, first, "Thiếu quyết định ban hành kế hoạch", council,
                           now=DURING_APPRAISAL)  # fmt: skip
    sup.request_supplement(world.s, second, "Báo cáo chưa có dấu\nđề nghị gửi bản ký số", council,
                           now=DURING_APPRAISAL)  # fmt: skip
    world.s.commit()
    by_address = {m["To"].addresses[0].addr_spec: m for m in smtp.messages()}
    assert sorted(by_address) == ["t4.unit_leader@songlam.gov.vn", "t4.unit_staff@songlam.gov.vn"]
    leader = by_address["t4.unit_leader@songlam.gov.vn"]
    assert leader["Subject"] == (
        "Yêu cầu bổ sung của Hội đồng thẩm định: Xã Thử A, Đợt thử thẩm định 2031"
    )
    text = _text(leader)
    assert text.startswith("Kính gửi Thử Unit Leader,")
    assert "Hội đồng thẩm định Đợt thử thẩm định 2031 đề nghị Xã Thử A bổ sung" in text
    assert "- 1.1 Ban hành kế hoạch\n  Lý do: Thiếu quyết định ban hành kế hoạch" in text
    assert "- 1.2 Báo cáo đúng hạn\n  Lý do: Báo cáo chưa có dấu\n  đề nghị gửi bản ký số" in text
    assert "Thời gian bổ sung: từ 12/11/2031 08:00 đến 19/11/2031 17:00." in text
    assert f"Mở phiếu chấm điểm: {_sheet(world, 'A')}" in text
    # The preparer hears about their own line only; nobody else of the unit or of unit B.
    staff_text = _text(by_address["t4.unit_staff@songlam.gov.vn"])
    assert "1.1 Ban hành kế hoạch" in staff_text and "1.2" not in staff_text


def test_a_refused_supplement_request_sends_nothing(world, smtp):
    approve_everything(world)
    smtp.received.clear()
    with pytest.raises(DomainError):
        sup.request_supplement(world.s, world.line("A", "1.1"), "Thiếu", world.users["leader"],
                               now=DURING_APPRAISAL)  # fmt: skip
    world.s.rollback()
    with pytest.raises(DomainError):  # a survey line is never sent back
        sup.request_supplement(world.s, world.line("A", "2.3"), "Thiếu", world.users["council"],
                               now=DURING_APPRAISAL)  # fmt: skip
    world.s.commit()
    assert smtp.received == []


# --- 24 hours before a window closes ----------------------------------------------------------


def _run(world, now):
    summary = reminders.send_reminders(world.s, now)
    world.s.commit()
    return summary


def test_self_assessment_reminder_once_24_hours_before_the_end(world, smtp, mail_events):
    end = SELF[1]
    # Unit A submitted; unit B did not, and two of its lines have no self score.
    for code in ("1.1", "2.2"):
        world.line("B", code).self_points = None
    world.s.commit()
    assert _run(world, end - 24 * HOUR - MINUTE).due == 0
    summary = _run(world, end - 24 * HOUR)
    assert (summary.due, summary.sent, summary.failed) == (1, 1, 0)
    message = smtp.messages()[0]
    assert _to(message) == ["t4.unit_b_leader@songlam.gov.vn"]
    assert message["Subject"] == (
        "Còn 24 giờ: thời gian tự đánh giá của Đợt thử thẩm định 2031 kết thúc lúc 10/10/2031 17:00"
    )
    text = _text(message)
    assert "Hạn chót thời gian tự đánh giá của Đợt thử thẩm định 2031 là 10/10/2031 17:00" in text
    assert f"- Xã Thử B: 2 tiêu chí thành phần chưa tự chấm điểm\n  {_sheet(world, 'B')}" in text
    # Sent once: the next runs (every 15 minutes) find it in the change log.
    assert _run(world, end - 23 * HOUR).due == 0
    assert _run(world, end - MINUTE).due == 0
    assert len(smtp.received) == 1
    sent = mail_events("reminder_sent")
    assert [e.entity_id for e in sent] == [world.users["unit_b_leader"].id]
    assert sent[0].new_value == f"round {world.round.id} · self · 10/10/2031 17:00"


def test_appraisal_reminders_go_to_the_members_with_open_lines_only(world, smtp):
    staff_everything(world, units=("A",))
    support, appraiser = world.users["support"], world.users["appraiser"]
    for code in ("1.1", "1.2"):  # scored; 1.1 also appraised
        ap.save_support_score(world.s, world.line("A", code), GOOD_INPUT[code], None, support,
                              now=DURING_APPRAISAL)  # fmt: skip
    ap.appraise(world.s, world.line("A", "1.1"), appraiser, now=DURING_APPRAISAL)
    world.s.commit()
    smtp.received.clear()
    assert _run(world, APPRAISAL[1] - 24 * HOUR).sent == 3
    texts = {_to(m)[0].split("@")[0]: _text(m) for m in smtp.messages()}
    # Six team lines in unit A; unit B has nobody assigned; team 2 and the council have none.
    assert sorted(texts) == ["t4.appraiser", "t4.leader", "t4.support"]
    assert "Xã Thử A: 4 tiêu chí thành phần chưa chấm điểm" in texts["t4.support"]
    assert "Xã Thử A: 5 tiêu chí thành phần chưa thẩm định" in texts["t4.appraiser"]
    assert "Xã Thử A: 6 tiêu chí thành phần chưa phê duyệt" in texts["t4.leader"]
    assert "Xã Thử B" not in "".join(texts.values())
    assert (
        "thời gian thẩm định của Đợt thử thẩm định 2031 là 27/10/2031 17:00" in texts["t4.leader"]
    )
    assert _run(world, APPRAISAL[1] - 2 * HOUR).due == 0

    # The organiser extends the window for unit A: a reminder before the new deadline.
    world.s.add(WindowGrant(round_id=world.round.id, unit_id=world.a.id, window="appraisal",
                            until=APPRAISAL[1] + 48 * HOUR, reason="Gia hạn"))  # fmt: skip
    world.s.commit()
    smtp.received.clear()
    assert _run(world, APPRAISAL[1]).due == 0  # 48 hours left
    assert _run(world, APPRAISAL[1] + 24 * HOUR).sent == 3
    assert all("29/10/2031 17:00" in m["Subject"] for m in smtp.messages())


def test_a_reminder_that_failed_is_tried_again(app, world, smtp, monkeypatch, mail_events):
    for code in ("1.1",):
        world.line("B", code).self_points = None
    world.s.commit()
    server_port = app.config["MAIL_PORT"]
    monkeypatch.setitem(app.config, "MAIL_PORT", _closed_port())
    summary = _run(world, SELF[1] - 20 * HOUR)
    assert (summary.due, summary.sent, summary.failed) == (1, 0, 1)
    assert mail_events("reminder_sent") == [] and len(mail_events("mail_failed")) == 1
    monkeypatch.setitem(app.config, "MAIL_PORT", server_port)
    assert _run(world, SELF[1] - 19 * HOUR).sent == 1
    assert _to(smtp.messages()[0]) == ["t4.unit_b_leader@songlam.gov.vn"]


def test_no_reminders_when_the_round_is_locked_or_mail_is_suppressed(app, world, smtp, monkeypatch):
    world.line("B", "1.1").self_points = None
    world.round.locked = True
    world.s.commit()
    assert _run(world, SELF[1] - HOUR).due == 0
    world.round.locked = False
    world.s.commit()
    monkeypatch.setitem(app.config, "MAIL_SUPPRESS_SEND", True)
    summary = _run(world, SELF[1] - HOUR)
    assert (summary.due, summary.sent) == (1, 0)
    monkeypatch.setitem(app.config, "MAIL_SUPPRESS_SEND", False)
    assert _run(world, SELF[1] - HOUR).sent == 1  # nothing was recorded while suppressed
    assert len(smtp.received) == 1


def test_the_send_reminders_command(app, world, smtp):
    world.line("B", "1.1").self_points = None
    world.s.commit()
    runner = app.test_cli_runner()
    dry = runner.invoke(args=["send-reminders", "--dry-run", "--now", "2031-10-10 08:00"])
    assert dry.exit_code == 0, dry.output
    assert "t4.unit_b_leader@songlam.gov.vn\tCòn 24 giờ: thời gian tự đánh giá" in dry.output
    assert smtp.received == []
    done = runner.invoke(args=["send-reminders", "--now", "2031-10-10 08:00"])
    assert done.exit_code == 0, done.output
    assert "Reminders due: 1, sent: 1, failed: 0." in done.output
    again = runner.invoke(args=["send-reminders", "--now", "2031-10-10 08:15"])
    assert "Reminders due: 0, sent: 0, failed: 0." in again.output
    assert len(smtp.received) == 1
    bad = runner.invoke(args=["send-reminders", "--now", "10/10/2031"])
    assert bad.exit_code != 0 and "YYYY-MM-DD HH:MM" in bad.output


def test_supplement_reminder_goes_to_the_units_with_open_requests(world, smtp, mail_events):
    approve_everything(world)
    council = world.users["council"]
    for code in ("1.1", "1.2"):
        sup.request_supplement(world.s, world.line("A", code), "Thiếu văn bản chứng minh",
                               council, now=DURING_APPRAISAL)  # fmt: skip
    world.s.commit()
    # The unit answers 1.2; 1.1 stays open. Unit B has no request at all.
    answered = sup.open_request(world.line("A", "1.2"), world.s)
    sup.respond(world.s, answered, "Đã bổ sung quyết định", world.users["unit_leader"],
                now=DURING_SUPPLEMENT)  # fmt: skip
    world.s.commit()
    smtp.received.clear()
    end = SUPPLEMENT[1]
    assert _run(world, end - 24 * HOUR - MINUTE).due == 0
    _run(world, end - 24 * HOUR)
    by_address = {_to(m)[0].split("@")[0]: m for m in smtp.messages()}
    # The unit's leader for the open request; the team for the two lines being re-scored.
    assert sorted(by_address) == ["t4.appraiser", "t4.leader", "t4.support", "t4.unit_leader"]
    for message in by_address.values():
        # Long enough to be folded into several encoded words: every space must survive.
        assert message["Subject"] == (
            "Còn 24 giờ: thời gian bổ sung của Đợt thử thẩm định 2031 kết thúc lúc 19/11/2031 17:00"
        )
    unit_text = _text(by_address["t4.unit_leader"])
    assert unit_text.startswith("Kính gửi Thử Unit Leader,")
    assert "Hạn chót thời gian bổ sung của Đợt thử thẩm định 2031 là 19/11/2031 17:00" in unit_text
    assert (
        "- Xã Thử A: 1 tiêu chí thành phần có yêu cầu bổ sung chưa được đơn vị trả lời\n"
        f"  {_sheet(world, 'A')}"
    ) in unit_text
    assert "Xã Thử A: 2 tiêu chí thành phần chưa chấm điểm" in _text(by_address["t4.support"])
    assert "Xã Thử B" not in "".join(_text(m) for m in by_address.values())
    # Once: the next run finds it in the change log.
    assert _run(world, end - 2 * HOUR).due == 0
    assert len(smtp.received) == 4


def test_a_long_vietnamese_subject_arrives_exactly_as_sent(app, smtp):
    from app.notifications import mailer
    from app.notifications.messages import Composed, Recipient

    subject = (
        "Còn 24 giờ: thời gian bổ sung của Đợt thẩm định Chỉ số cải cách hành chính năm 2031 "
        "của Sở Nội vụ tỉnh Sông Lam kết thúc lúc 19/11/2031 17:00"
    )
    to = Recipient(None, "Nguyễn Thị Hằng", "hang@songlam.gov.vn")
    composed = Composed("reminder", to, (), subject, "Nội dung", "<p>Nội dung</p>")
    mail = mailer.settings(app.config)
    assert mailer.send([mailer.build(composed, mail)], mail) == [None]
    received = smtp.received[0]
    assert smtp.messages()[0]["Subject"] == subject
    assert all(len(line) <= 78 for line in received.raw.splitlines())  # folded, RFC 5322
    # A line break typed in a name stays in the subject: it never starts a header.
    composed.subject = "Đợt thử\nBcc: ai@example.com"
    assert mailer.send([mailer.build(composed, mail)], mail) == [None]
    injected = smtp.messages()[1]
    assert injected["Subject"] == "Đợt thử Bcc: ai@example.com" and injected["Bcc"] is None
    assert smtp.received[1].recipients == ["hang@songlam.gov.vn"]
