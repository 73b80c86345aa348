"""Verification, finalisation and reopening by the council, and the whole appraisal cycle on a
small round, from assignment to a logged reopen. Domain level, no HTTP."""

from decimal import Decimal

import pytest

from app.domain import appraisal as ap
from app.domain import approval as apr
from app.domain import assignment as asg
from app.domain import evidence as ev
from app.domain import self_assessment as sa
from app.domain import supplement as sup
from app.domain import verification as ver
from app.domain.errors import DomainError
from app.domain.timeline import timeline
from app.models import AuditEvent, Evidence
from tests.unit.appraisal_world import (
    DURING_APPRAISAL,
    DURING_SUPPLEMENT,
    GOOD_INPUT,
    SCORED,
    SELF,
    assign,
    vietnamese,
)
from tests.unit.test_supplement import approve_everything

NOW = DURING_APPRAISAL
FINALISED = (
    "The round has been finalised by the council: nothing can be changed until it is reopened."
)


def _refused(call, *args, **kwargs):
    with pytest.raises(DomainError) as refused:
        call(*args, **kwargs)
    vietnamese(refused.value.message)
    return refused.value


def test_verification_lists_what_is_missing_per_unit(world):
    approve_everything(world, "A")
    sup.request_supplement(world.s, world.line("A", "2.2"), "Thiếu", world.users["council"],
                           now=NOW)  # fmt: skip
    world.s.commit()
    refused = _refused(ver.verify_round, world.s, world.round, world.users["council"])
    assert refused.message == "The round cannot be verified yet."
    assert refused.errors == [
        "Xã Thử A: 1 lines not approved yet (2.2).",
        "Xã Thử B: 6 lines not approved yet (1.1, 1.2, 1.3.1, 1.3.2, 2.1, 2.2).",
        "Xã Thử A: 1 supplement requests not closed (2.2).",
    ]
    for message in refused.errors:
        vietnamese(message)
    assert world.fresh(world.round).phase == "supplement"


@pytest.mark.parametrize("who", ["leader", "organiser", "admin", "council_outsider"])
def test_only_the_rounds_council_verifies(world, who):
    message = _refused(ver.verify_round, world.s, world.round, world.users[who]).message
    assert message == "Only a member of the round's appraisal council may do this."


def test_not_applicable_lines_need_no_approval(world):
    approve_everything(world, "A")
    line = world.line("B", "2.1")
    line.not_applicable = True
    world.s.commit()
    problems = ver.verification_problems(world.s, world.round)
    assert problems == ["Xã Thử B: 5 lines not approved yet (1.1, 1.2, 1.3.1, 1.3.2, 2.2)."]


def test_finalise_needs_verification_and_then_everything_is_refused(world, tmp_path):
    approve_everything(world, "A")
    approve_everything(world, "B")
    council = world.users["council"]
    assert "Verify the round" in _refused(ver.finalise_round, world.s, world.round, council).message
    ver.verify_round(world.s, world.round, council, now=NOW)
    world.s.commit()
    assert world.fresh(world.round).phase == "verification"
    assert (
        "already been verified" in _refused(ver.verify_round, world.s, world.round, council).message
    )
    ver.finalise_round(world.s, world.round, council, now=NOW)
    world.s.commit()
    round_ = world.fresh(world.round)
    assert round_.phase == "finalised" and round_.finalised_by_id == council.id
    line, leader = world.line("A", "1.1"), world.users["unit_leader"]
    # Even with the self-assessment reopened by hand, nothing changes on a finalised round.
    world.assessments["A"].status = "draft"
    world.s.commit()
    in_self = SELF[0]
    refusals = [
        _refused(sa.save_self_score, world.s, line, "1", leader, now=in_self),
        _refused(sa.save_explanation, world.s, line, "x", leader, now=in_self),
        _refused(ev.add_link, world.s, line, "https://x.vn/a", leader, now=in_self),
        _refused(sa.submit, world.s, world.assessments["A"], leader, now=in_self),
        _refused(ap.save_support_score, world.s, line, "1", None, world.users["support"], now=NOW),
        _refused(ap.appraise, world.s, line, world.users["appraiser"], now=NOW),
        _refused(apr.return_line, world.s, line, world.users["leader"], "x", now=NOW),
        _refused(sup.request_supplement, world.s, line, "x", council, now=NOW),
        _refused(asg.apply_assignment, world.s, world.round, world.team, [world.a.id],
                 world.crit["1"], world.users["support"], "support", world.users["leader"]),
    ]  # fmt: skip
    assert [r.message for r in refusals[:-1]] == [FINALISED] * 8
    assert FINALISED in refusals[-1].errors
    evidence = Evidence(score_line=line, kind="link", phase="initial", url="https://x.vn/b")
    world.s.add(evidence)
    world.s.flush()
    assert _refused(ev.delete_evidence, world.s, evidence, leader, now=in_self).message == FINALISED


def test_reopen_needs_a_written_reason_and_the_right_person(world):
    approve_everything(world, "A")
    approve_everything(world, "B")
    council = world.users["council"]
    ver.verify_round(world.s, world.round, council, now=NOW)
    ver.finalise_round(world.s, world.round, council, now=NOW)
    world.s.commit()
    assert "Write why" in _refused(ver.reopen_round, world.s, world.round, world.users["organiser"],
                                   " ").message  # fmt: skip
    for who in ("leader", "admin", "unit_leader", "council_outsider"):
        message = _refused(
            ver.reopen_round, world.s, world.round, world.users[who], "Lý do"
        ).message
        assert message == "Only the round's organiser or its appraisal council may reopen it."
    ver.reopen_round(world.s, world.round, world.users["organiser"], "Khiếu nại của xã A")
    world.s.commit()
    round_ = world.fresh(world.round)
    assert (round_.phase, round_.finalised_at, round_.verified_at) == ("appraisal", None, None)
    event = world.events("reopen", "round", round_.id)[-1]
    assert (event.old_value, event.new_value, event.reason) == (
        "finalised", "appraisal", "Khiếu nại của xã A",
    )  # fmt: skip
    # Approved lines stay frozen; changes go through the council's requests again.
    sup.request_supplement(world.s, world.line("A", "1.1"), "Xem lại", council, now=NOW)
    world.s.commit()
    assert world.fresh(world.round).phase == "supplement"


def test_a_published_round_is_not_reopened(world):
    world.round.phase = "published"
    world.s.commit()
    message = _refused(ver.reopen_round, world.s, world.round, world.users["council"], "x").message
    assert "published" in message


def test_the_whole_cycle_on_a_small_round(world, tmp_path):
    s, u = world.s, world.users
    # Step 1: field 1 to the support member for both units, field 2 per unit, appraiser for all.
    plan = asg.plan_assignment(s, world.round, world.team, [world.a.id, world.b.id],
                               world.crit["1"], u["support"], "support", u["leader"])  # fmt: skip
    assert plan.ok and plan.lines == 8
    assign(world, "1", "support", "support", units=("A", "B"))
    assign(world, "2", "support", "support_a", units=("B",))
    assign(world, "2", "support", "support", units=("A",))
    assign(world, "1", "appraiser", "appraiser", units=("A", "B"))
    assign(world, "2", "appraiser", "appraiser", units=("A", "B"))
    assert asg.coverage(s, world.round) == []
    # Steps 2 and 3: support scores; the appraiser accepts, and adjusts 1.2 with a comment.
    for unit, supporter in (("A", "support"), ("B", "support")):
        for code in SCORED:
            who = "support_a" if unit == "B" and code.startswith("2") else supporter
            ap.save_support_score(s, world.line(unit, code), GOOD_INPUT[code], "Theo hồ sơ",
                                  u[who], now=NOW)  # fmt: skip
            if code == "1.2":
                with pytest.raises(DomainError, match="write a comment"):
                    ap.appraise(s, world.line(unit, code), u["appraiser"], raw="tre", now=NOW)
                ap.appraise(s, world.line(unit, code), u["appraiser"], raw="tre",
                            comment="Báo cáo gửi trễ", now=NOW)  # fmt: skip
            else:
                ap.appraise(s, world.line(unit, code), u["appraiser"], now=NOW)
    s.commit()
    # Step 4: per line, per field, per unit; one line returned and reworked first.
    leader = u["leader"]
    apr.return_line(s, world.line("B", "2.2"), leader, "Đối chiếu lại số hồ sơ", now=NOW)
    ap.save_support_score(s, world.line("B", "2.2"), "1", "Chỉ đạt 1 điểm", u["support_a"], now=NOW)
    ap.appraise(s, world.line("B", "2.2"), u["appraiser"], now=NOW)
    apr.approve_line(s, world.line("A", "1.1"), leader, now=NOW)
    report = apr.approve_field(s, world.assessments["A"], world.crit["1"], leader, now=NOW)
    assert len(report.approved) == 3 and report.already == 1
    assert len(apr.approve_unit(s, world.assessments["A"], leader, now=NOW).approved) == 2
    assert len(apr.approve_unit(s, world.assessments["B"], leader, now=NOW).approved) == 6
    s.commit()
    # The council asks for supplements on two lines of unit A.
    council = u["council"]
    asked = [sup.request_supplement(s, world.line("A", code), f"Bổ sung minh chứng {code}",
                                    council, now=NOW) for code in ("1.1", "2.2")]  # fmt: skip
    s.commit()
    # The unit answers and adds evidence there, and only there.
    unit_leader = u["unit_leader"]
    for request in asked:
        sup.respond(s, request, "Đã bổ sung văn bản", unit_leader, now=DURING_SUPPLEMENT)
        ev.add_link(s, request.score_line, "https://xathua.gov.vn/bo-sung", unit_leader,
                    now=DURING_SUPPLEMENT)  # fmt: skip
    with pytest.raises(DomainError):
        ev.add_link(s, world.line("A", "1.2"), "https://xathua.gov.vn/khac", unit_leader,
                    now=DURING_SUPPLEMENT)  # fmt: skip
    s.commit()
    assert _refused(ver.verify_round, s, world.round, council).errors[0].startswith("Xã Thử A")
    # Steps 2 to 4 again on those two lines, in the supplement window.
    for code, raw in (("1.1", "4"), ("2.2", "2")):
        line = world.line("A", code)
        ap.save_support_score(s, line, raw, "Sau bổ sung", u["support"], now=DURING_SUPPLEMENT)
        ap.appraise(s, line, u["appraiser"], now=DURING_SUPPLEMENT)
    report = apr.approve_unit(s, world.assessments["A"], leader, now=DURING_SUPPLEMENT)
    assert [line.criterion.code for line in report.approved] == ["1.1", "2.2"]
    s.commit()
    assert all(world.fresh(r).status == "closed" for r in asked)
    # Verify, finalise; then refused; reopen with a reason.
    ver.verify_round(s, world.round, council, now=DURING_SUPPLEMENT)
    ver.finalise_round(s, world.round, council, now=DURING_SUPPLEMENT)
    s.commit()
    message = _refused(ap.save_support_score, s, world.line("A", "1.1"), "3", None, u["support"],
                       now=DURING_SUPPLEMENT).message  # fmt: skip
    assert message == FINALISED
    ver.reopen_round(s, world.round, council, "Hội đồng xem xét lại kiến nghị")
    s.commit()
    assert world.fresh(world.round).phase == "appraisal"
    events = s.query(AuditEvent).filter_by(entity="round", entity_id=world.round.id)
    phases = [(e.action, e.new_value) for e in events.order_by(AuditEvent.id)]
    assert phases == [
        ("phase", "appraisal"), ("phase", "supplement"), ("verify", "verification"),
        ("finalise", "finalised"), ("reopen", "appraisal"),
    ]  # fmt: skip
    # The timeline of a re-appraised line tells its whole story, oldest first.
    line = world.line("A", "1.1")
    entries = timeline(s, line)
    kinds = [e.kind for e in entries]
    assert kinds == [
        "self", "support", "appraisal", "approval", "supplement_request",
        "supplement_response", "evidence", "support", "appraisal", "approval",
        "supplement_close",
    ]  # fmt: skip
    assert entries[0].logged is False and entries[1].logged
    approvals = [(e.value, e.user_name) for e in entries if e.kind == "approval"]
    assert approvals == [("3,5", "Thử Leader"), ("4", "Thử Leader")]
    request = next(e for e in entries if e.kind == "supplement_request")
    assert (request.user_name, request.comment) == ("Thử Council", "Bổ sung minh chứng 1.1")
    assert next(e for e in entries if e.kind == "supplement_response").value == "Đã bổ sung văn bản"
    assert world.fresh(line).approved_points == Decimal("4.00")
