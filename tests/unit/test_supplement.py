"""The council's supplement requests and the unit's supplement: evidence and answers on the
requested lines only, inside the supplement window; steps 2 to 4 again on those lines only."""

import datetime
from decimal import Decimal

import pytest

from app.domain import appraisal as ap
from app.domain import approval as apr
from app.domain import evidence as ev
from app.domain import policy
from app.domain import supplement as sup
from app.domain.errors import DomainError
from app.models import Evidence, SupplementRequest, WindowGrant
from app.models.rounds import PHASE_FINALISED
from tests.unit.appraisal_world import (
    DURING_APPRAISAL,
    DURING_SUPPLEMENT,
    GOOD_INPUT,
    SCORED,
    SUPPLEMENT,
    staff_everything,
    vietnamese,
)
from tests.unit.test_evidence_files import make_pdf

MINUTE = datetime.timedelta(minutes=1)


def approve_everything(world, unit="A"):
    """Team 1 scores, appraises and approves every line of the unit in the appraisal window."""
    staff_everything(world, units=(unit,))
    for code in SCORED:
        line = world.line(unit, code)
        ap.save_support_score(world.s, line, GOOD_INPUT[code], None, world.users["support"],
                              now=DURING_APPRAISAL)  # fmt: skip
        ap.appraise(world.s, line, world.users["appraiser"], now=DURING_APPRAISAL)
    apr.approve_unit(world.s, world.assessments[unit], world.users["leader"], now=DURING_APPRAISAL)
    world.s.commit()


def _request(world, code, reason="Thiếu văn bản chứng minh", who="council", now=DURING_APPRAISAL):
    request = sup.request_supplement(world.s, world.line("A", code), reason, world.users[who],
                                     now=now)  # fmt: skip
    world.s.commit()
    return request


def _refused(call, *args, **kwargs):
    with pytest.raises(DomainError) as refused:
        call(*args, **kwargs)
    vietnamese(refused.value.message)
    return refused.value.message


def test_council_request_puts_the_line_in_the_supplement_cycle_keeping_its_values(world):
    approve_everything(world)
    request = _request(world, "1.1")
    line = world.fresh(world.line("A", "1.1"))
    assert request.status == "open" and request.requested_by_id == world.users["council"].id
    assert (line.appraisal_cycle, line.appraisal_state) == (2, "pending")
    assert line.approved_points == line.support_points == Decimal("3.50")  # kept until replaced
    assert world.fresh(world.round).phase == "supplement"
    event = world.events("supplement_request", entity_id=line.id)[-1]
    assert (event.old_value, event.reason) == ("approved", "Thiếu văn bản chứng minh")


@pytest.mark.parametrize("who", ["leader", "organiser", "admin", "council_outsider"])
def test_only_the_rounds_council_requests_supplements(world, who):
    approve_everything(world)
    message = _refused(_request, world, "1.1", who=who)
    assert message == "Only a member of the round's appraisal council may request a supplement."
    assert world.s.query(SupplementRequest).filter_by(round_id=world.round.id).count() == 0


def test_bad_requests_are_refused_and_nothing_changes(world):
    approve_everything(world)
    assert "Write what the unit must supplement" in _refused(_request, world, "1.1", reason=" ")
    assert "Survey lines" in _refused(_request, world, "2.3")
    _request(world, "1.1")
    assert "already has a supplement request" in _refused(_request, world, "1.1")
    staff_everything(world, units=("B",))
    line_b = world.line("B", "1.1")
    with pytest.raises(DomainError, match="Only approved lines"):
        sup.request_supplement(world.s, line_b, "x", world.users["council"], now=DURING_APPRAISAL)
    assert world.s.query(SupplementRequest).filter_by(round_id=world.round.id).count() == 1


def test_a_supplement_request_on_a_finalised_round_is_refused(world):
    approve_everything(world)
    world.round.phase = PHASE_FINALISED
    world.s.commit()
    message = _refused(_request, world, "1.1")
    assert message == (
        "The round has been finalised by the council: nothing can be changed until it is reopened."
    )
    line = world.fresh(world.line("A", "1.1"))
    assert (line.appraisal_state, line.appraisal_cycle) == ("approved", 1)


def test_no_request_once_the_supplement_window_is_over_for_the_unit(world):
    approve_everything(world)
    message = _refused(_request, world, "1.1", now=SUPPLEMENT[1])
    assert "The supplement window closed at 19/11/2031 17:00 for this unit" in message


def test_the_unit_answers_and_adds_evidence_on_requested_lines_only(world, tmp_path):
    approve_everything(world)
    request = _request(world, "1.1")
    leader, staff = world.users["unit_leader"], world.users["unit_staff"]
    line, other = world.line("A", "1.1"), world.line("A", "1.2")
    sup.respond(world.s, request, "Đã bổ sung Quyết định số 12/QĐ-UBND", leader,
                now=DURING_SUPPLEMENT)  # fmt: skip
    link = ev.add_link(world.s, line, "https://xathua.gov.vn/qd-12", leader, now=DURING_SUPPLEMENT)
    pdf = ev.add_file(world.s, line, "Quyết định 12.pdf", make_pdf(), leader,
                      now=DURING_SUPPLEMENT, upload_dir=str(tmp_path))  # fmt: skip
    world.s.commit()
    assert (link.phase, pdf.phase) == ("supplement", "supplement")
    assert world.fresh(request).status == "answered"
    # Any other line stays as submitted: no evidence, no policy grant.
    message = _refused(ev.add_link, world.s, other, "https://x.vn/a", leader, now=DURING_SUPPLEMENT)
    assert "only lines with a supplement request" in message
    assert not policy.check(leader, policy.ATTACH, other)
    # A staff member who does not prepare the line, and another unit, are refused.
    assert "assigned to someone else" in _refused(
        sup.respond, world.s, request, "x", staff, now=DURING_SUPPLEMENT
    )
    assert "another unit" in _refused(
        sup.respond, world.s, request, "x", world.users["unit_b_leader"], now=DURING_SUPPLEMENT
    )
    line.preparer_id = staff.id
    world.s.commit()
    sup.respond(world.s, request, "Bổ sung thêm báo cáo", staff, now=DURING_SUPPLEMENT)
    world.s.commit()
    events = world.events("supplement_response", entity_id=line.id)
    assert [e.new_value for e in events][-1] == "Bổ sung thêm báo cáo"


def test_evidence_of_the_self_assessment_stays_only_supplement_evidence_can_go(world):
    approve_everything(world)
    line = world.line("A", "1.1")
    old = Evidence(score_line=line, kind="link", phase="initial", url="https://x.vn/cu")
    world.s.add(old)
    world.s.commit()
    _request(world, "1.1")
    leader = world.users["unit_leader"]
    assert "stays" in _refused(ev.delete_evidence, world.s, old, leader, now=DURING_SUPPLEMENT)
    new = ev.add_link(world.s, line, "https://x.vn/moi", leader, now=DURING_SUPPLEMENT)
    world.s.commit()
    ev.delete_evidence(world.s, new, leader, now=DURING_SUPPLEMENT)
    world.s.commit()
    assert [e.url for e in world.s.query(Evidence).filter_by(score_line_id=line.id)] == [old.url]


def test_the_unit_works_inside_the_supplement_window_to_the_minute(world):
    approve_everything(world)
    request = _request(world, "1.1")
    leader = world.users["unit_leader"]
    start, end = SUPPLEMENT
    assert "opens at 12/11/2031 08:00" in _refused(
        sup.respond, world.s, request, "Sớm", leader, now=start - MINUTE
    )
    sup.respond(world.s, request, "Đúng giờ", leader, now=start)
    sup.respond(world.s, request, "Phút cuối", leader, now=end - MINUTE)
    assert "closed at 19/11/2031 17:00" in _refused(
        sup.respond, world.s, request, "Muộn", leader, now=end
    )
    assert "closed" in _refused(ev.add_link, world.s, world.line("A", "1.1"), "https://x.vn/m",
                                leader, now=end)  # fmt: skip
    world.s.add(WindowGrant(round_id=world.round.id, unit_id=world.a.id, window="supplement",
                            until=end + datetime.timedelta(hours=4), reason="Gia hạn"))  # fmt: skip
    world.s.commit()
    sup.respond(world.s, request, "Được gia hạn", leader, now=end + MINUTE)


def test_steps_two_to_four_run_again_on_the_requested_lines_in_the_supplement_window(world):
    approve_everything(world)
    request = _request(world, "1.1")
    line = world.line("A", "1.1")
    support, appraiser, leader = (world.users[k] for k in ("support", "appraiser", "leader"))
    # Still in the appraisal window: a supplement line waits for the supplement window.
    with pytest.raises(DomainError, match="supplement window opens"):
        ap.save_support_score(world.s, line, "4", None, support, now=DURING_APPRAISAL)
    ap.save_support_score(world.s, line, "4", "Có QĐ bổ sung", support, now=DURING_SUPPLEMENT)
    ap.appraise(world.s, line, appraiser, now=DURING_SUPPLEMENT)
    # The other lines stay frozen.
    for code in ("1.2", "2.2"):
        with pytest.raises(DomainError, match="frozen"):
            ap.save_support_score(world.s, world.line("A", code), GOOD_INPUT[code], None, support,
                                  now=DURING_SUPPLEMENT)  # fmt: skip
    apr.approve_line(world.s, line, leader, now=DURING_SUPPLEMENT)
    world.s.commit()
    line, request = world.fresh(line), world.fresh(request)
    assert (line.approved_points, line.appraisal_state) == (Decimal("4.00"), "approved")
    assert request.status == "closed" and request.closed_at == DURING_SUPPLEMENT
    # Every replaced approval is in the change log.
    assert [e.new_value for e in world.events("approve", entity_id=line.id)] == ["3,5", "4"]
    assert world.events("supplement_close", entity_id=line.id)
    # A closed request takes no more answers.
    with pytest.raises(DomainError):
        sup.respond(world.s, request, "x", world.users["unit_leader"], now=DURING_SUPPLEMENT)


def test_requests_are_listed_per_unit_and_status(world):
    approve_everything(world)
    _request(world, "1.1")
    _request(world, "2.2")
    listed = sup.requests_of(world.s, world.round, unit_id=world.a.id, status="open")
    assert [r.score_line.criterion.code for r in listed] == ["1.1", "2.2"]
    assert sup.requests_of(world.s, world.round, unit_id=world.b.id) == []


def test_the_supplement_cycle_of_steps_two_to_four_ends_with_its_window_to_the_minute(world):
    approve_everything(world)
    _request(world, "1.1")
    _request(world, "2.2")
    support, appraiser, leader = (world.users[k] for k in ("support", "appraiser", "leader"))
    start, end = SUPPLEMENT
    first, second = world.line("A", "1.1"), world.line("A", "2.2")
    assert "opens at 12/11/2031 08:00" in _refused(
        ap.save_support_score, world.s, first, "4", None, support, now=start - MINUTE
    )
    ap.save_support_score(world.s, first, "4", None, support, now=start)
    ap.save_support_score(world.s, second, "1", "Thiếu sổ theo dõi", support, now=end - MINUTE)
    ap.appraise(world.s, first, appraiser, now=end - MINUTE)
    apr.approve_line(world.s, first, leader, now=end - MINUTE)
    world.s.commit()
    assert "closed at 19/11/2031 17:00" in _refused(
        ap.appraise, world.s, second, appraiser, now=end
    )
    assert "closed" in _refused(apr.return_line, world.s, second, leader, "Chưa đủ", now=end)
    assert world.fresh(first).appraisal_state == "approved"
    assert world.fresh(second).appraisal_state == "scored"
