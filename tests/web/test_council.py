"""The council's work over HTTP: approved results per unit and field, supplement requests on
chosen lines with a reason, verification (with the list of what is missing), finalisation and
the logged reopen; the organiser's window extensions; every appraisal write path of the
screens refused outside its window, nothing changed."""

import datetime
import io

from app.domain.clock import format_local, utcnow
from app.models import AuditEvent, WindowGrant
from tests.unit.test_evidence_files import make_pdf
from tests.web.appraisal_web import action, alerts, said, set_windows, text_of
from tests.web.test_scoring_views import vi

ROUNDS = "councilroundview"
LINES = "appraisallineview"
REQUESTS = "supplementrequestview"
HOUR = datetime.timedelta(hours=1)


def first_part(msgid):
    """The translated message up to its first placeholder (a date, a count)."""
    return vi(msgid).split("%(")[0]


def _unit_page(web, unit="A"):
    unit_id = web.world.units[f"T4-XA-{unit}"].id
    return f"/council/{web.world.round.id}/unit/{unit_id}"


def _phase(web):
    return web.fresh(web.world.round).phase


def test_results_per_unit_add_up_the_approved_lines(web):
    web.approved_unit("A")
    page = web.client("council").get(f"/council/{web.world.round.id}")
    assert page.status_code == 200
    text = text_of(page)
    # Unit A: field 1 = 3,5 + 2 + 2 + (2 - 0,5 for one breach) = 9 of 10; field 2 = 3 + 2 of
    # 6 (the survey line 2.3 counts in the maximum, its points come from the survey).
    row_a = text.split("Xã Thử A")[1].split("Xã Thử B")[0]
    assert "9 / 10" in row_a and "5 / 6" in row_a and "14 / 16" in row_a and "6/6" in row_a
    row_b = text.split("Xã Thử B")[1]
    assert "0 / 10" in row_b and "0/6" in row_b
    # Lines of one unit, for the council to choose from.
    lines = web.client("council").get(_unit_page(web))
    assert "1.1" in text_of(lines) and 'name="line"' in lines.data.decode()
    # Another round's unit page answers as missing; units outside the round too.
    missing = web.client("council").get(f"/council/{web.world.round.id}/unit/999999")
    assert missing.status_code == 404


def test_the_council_requests_supplements_on_chosen_lines_with_a_reason(web, session):
    web.approved_unit("A")
    council = web.client("council")
    url = _unit_page(web) + "/request"
    chosen = [web.line_id("A", "1.1"), web.line_id("A", "1.2")]
    empty = council.post(url, data={"line": chosen, "text": " "})
    assert empty.status_code == 422
    assert vi("Write what the unit must supplement.").rstrip(".") in text_of(empty)
    assert f'value="{chosen[0]}" id="choose-{chosen[0]}" aria-label' in empty.data.decode()
    assert "checked" in empty.data.decode()  # the boxes stay ticked
    # A line of unit B posted on unit A's page is not used (it is not on the page).
    forged = web.line_id("B", "1.1")
    none = council.post(url, data={"line": [forged], "text": "Bổ sung"})
    assert none.status_code == 422 and web.requests() == []
    # The organiser may open the page but is not a council member: refused, reason kept.
    organiser = web.client("organiser").post(url, data={"line": chosen, "text": "Bổ sung QĐ"})
    assert organiser.status_code == 422 and "Bổ sung QĐ</textarea>" in organiser.data.decode()
    assert vi("Only a member of the round's appraisal council may request a supplement."
              ).rstrip(".") in text_of(organiser)  # fmt: skip
    done = council.post(url, data={"line": chosen + [forged], "text": "Bổ sung QĐ ban hành"},
                        follow_redirects=True)  # fmt: skip
    assert said(done, "%(count)s supplement requests sent", count=2)
    assert [(r.score_line_id, r.reason) for r in web.requests()] == [
        (chosen[0], "Bổ sung QĐ ban hành"), (chosen[1], "Bổ sung QĐ ban hành")]  # fmt: skip
    assert _phase(web) == "supplement"
    again = council.post(url, data={"line": chosen[:1], "text": "Lần nữa"})
    assert vi("This line already has a supplement request that is not closed."
              ).rstrip(".") in text_of(again)  # fmt: skip


def test_verification_lists_what_is_missing_then_verifies_and_finalises(web):
    web.approved_unit("A")
    council = web.client("council")
    round_id = web.world.round.id
    refused = action(council, ROUNDS, "verify", [round_id])
    text = text_of(refused)
    assert vi("The round cannot be verified yet").rstrip(".") in text
    assert vi("%(unit)s: %(count)s lines not approved yet (%(codes)s).", unit="Xã Thử B",
              count=6, codes="1.1, 1.2, 1.3.1, 1.3.2, 2.1, 2.2") in text  # fmt: skip
    assert "Xã Thử A:" not in text and _phase(web) == "appraisal"
    early = action(council, ROUNDS, "finalise", [round_id])
    assert said(early, "Verify the round before finalising it.")
    web.approved_unit("B")
    outsider = action(web.client("council_outsider"), ROUNDS, "verify", [round_id])
    assert said(outsider, "Only a member of the round's appraisal council may do this.")
    verified = action(council, ROUNDS, "verify", [round_id])
    assert said(verified, "%(count)s rounds verified", count=1)
    assert _phase(web) == "verification"
    finalised = action(council, ROUNDS, "finalise", [round_id])
    assert said(finalised, "%(count)s rounds finalised", count=1)
    assert _phase(web) == "finalised"
    # Finalised: a supplement request, an approval or a return is refused, nothing changes.
    before = web.snapshot()
    frozen = "The round has been finalised by the council: nothing can be changed until it is " \
             "reopened."  # fmt: skip
    page = council.post(_unit_page(web) + "/request",
                        data={"line": [web.line_id("A", "1.1")], "text": "Bổ sung"})  # fmt: skip
    assert vi(frozen).rstrip(".") in text_of(page)
    listed = action(council, LINES, "request_supplement", [web.line_id("A", "1.1")],
                    step="apply", text="Bổ sung")  # fmt: skip
    assert vi(frozen).rstrip(".") in text_of(listed)
    assert web.snapshot() == before and web.requests() == []


def test_reopen_needs_a_written_reason_and_is_logged(web):
    web.approved_unit("A")
    web.approved_unit("B")
    council = web.client("council")
    round_id = web.world.round.id
    action(council, ROUNDS, "verify", [round_id])
    action(council, ROUNDS, "finalise", [round_id])
    form = action(council, ROUNDS, "reopen", [round_id])
    assert vi("Why the round is reopened") in text_of(form)
    empty = action(council, ROUNDS, "reopen", [round_id], step="apply", text="  ")
    assert vi("Write why the round is reopened.").rstrip(".") in text_of(empty)
    assert _phase(web) == "finalised"
    action(web.client("leader"), ROUNDS, "reopen", [round_id], step="apply", text="Sai sót")
    assert _phase(web) == "finalised"  # a team leader has no verification screen
    reason = "Hội đồng phát hiện sai sót tại xã Thử B"
    done = action(council, ROUNDS, "reopen", [round_id], step="apply", text=reason)
    assert said(done, "%(count)s rounds reopened", count=1)
    assert _phase(web) == "appraisal"
    s = web.world.s
    s.expire_all()
    event = (
        s.query(AuditEvent)
        .filter_by(entity="round", entity_id=round_id, action="reopen")
        .order_by(AuditEvent.id.desc())
        .first()
    )
    assert (event.old_value, event.new_value, event.reason) == ("finalised", "appraisal", reason)
    # Approved lines stay approved: a change goes through a supplement request.
    assert web.state("A", "1.1") == "approved"


def test_the_organiser_extends_the_appraisal_window_for_one_unit(web):
    web.staff(("A", "B"))
    web.score(unit="A")
    web.score(unit="B")
    web.appraise(unit="A")
    web.appraise(unit="B")
    set_windows(web.world, "closed")
    leader = web.client("leader")
    ids = [web.line_id("A", "1.1"), web.line_id("B", "1.1")]
    closed = action(leader, LINES, "approve", ids)
    assert any(vi("appraisal window") in message for message in alerts(closed))
    assert [web.state("A", "1.1"), web.state("B", "1.1")] == ["appraised", "appraised"]
    until = utcnow() + 2 * HOUR
    form = {
        "round": str(web.world.round.id), "unit": str(web.world.a.id), "window": "appraisal",
        "until": format_local(until), "reason": "Mất điện tại xã Thử A ngày cuối",
    }  # fmt: skip
    added = web.client("organiser").post("/windowgrantview/add", data=form, follow_redirects=True)
    assert added.status_code == 200
    s = web.world.s
    s.expire_all()
    grant = s.query(WindowGrant).filter_by(round_id=web.world.round.id).one()
    assert (grant.window, grant.unit_id) == ("appraisal", web.world.a.id)
    done = action(leader, LINES, "approve", ids)
    assert said(done, "%(count)s lines approved", count=1)
    assert [web.state("A", "1.1"), web.state("B", "1.1")] == ["approved", "appraised"]
    # The supplement window is over: the council cannot ask, the organiser reopens it for all.
    asked = action(web.client("council"), LINES, "request_supplement", ids[:1], step="apply",
                   text="Bổ sung biên bản")  # fmt: skip
    assert first_part("The supplement window closed at %(end)s for this unit: ask the organiser "
                      "to extend it before requesting a supplement.") in text_of(asked)  # fmt: skip
    form.update(unit="", window="supplement", reason="Gia hạn bổ sung cho tất cả các xã")
    web.client("organiser").post("/windowgrantview/add", data=form, follow_redirects=True)
    asked = action(web.client("council"), LINES, "request_supplement", ids[:1], step="apply",
                   text="Bổ sung biên bản")  # fmt: skip
    assert said(asked, "%(count)s supplement requests sent", count=1)
    answer = action(web.client("unit_leader"), REQUESTS, "respond",
                    [web.requests()[0].id], step="apply", text="Đã bổ sung")  # fmt: skip
    assert said(answer, "%(count)s requests answered", count=1)
    # Only the organiser grants extensions.
    refused = web.client("council").post("/windowgrantview/add", data=form)
    s.expire_all()
    assert s.query(WindowGrant).filter_by(round_id=web.world.round.id).count() == 2
    assert refused.status_code == 403


def test_every_appraisal_write_path_of_the_screens_is_refused_outside_its_window(web):
    web.approved_unit("A")
    web.staff(("B",))
    web.score(unit="B")
    web.appraise(["1.1"], unit="B")
    request = web.request("1.2", "A")
    set_windows(web.world, "closed")
    before_a, before_b = web.snapshot("A"), web.snapshot("B")
    leader, council = web.client("leader"), web.client("council")
    b11, b12 = web.line_id("B", "1.1"), web.line_id("B", "1.2")
    window = vi("appraisal window")
    approved = action(leader, LINES, "approve", [b11])
    assert any(window in message for message in alerts(approved))
    returned = action(leader, LINES, "return_line", [b12], step="apply", text="Xem lại")
    assert window in text_of(returned)
    closed = vi("supplement window")
    asked = action(council, LINES, "request_supplement", [web.line_id("A", "1.1")],
                   step="apply", text="Bổ sung")  # fmt: skip
    assert first_part("The supplement window closed at %(end)s for this unit: ask the organiser "
                      "to extend it before requesting a supplement.") in text_of(asked)  # fmt: skip
    unit = web.client("unit_leader")
    answered = action(unit, REQUESTS, "respond", [request.id], step="apply", text="Trả lời")
    assert closed in text_of(answered)
    line_id = web.line_id("A", "1.2")
    upload = unit.post(f"/evidence/line/{line_id}/upload", headers={"Accept": "application/json"},
                       data={"file": (io.BytesIO(make_pdf()), "Bổ sung.pdf")})  # fmt: skip
    assert upload.status_code == 403 and closed in upload.json["error"]
    assert web.snapshot("A") == before_a and web.snapshot("B") == before_b
    assert [r.response for r in web.requests()] == [None]


def _finalise(web):
    from app.domain import verification

    web.approved_unit("A")
    web.approved_unit("B")
    s, council = web.world.s, web.world.users["council"]
    verification.verify_round(s, web.world.round, council)
    verification.finalise_round(s, web.world.round, council)
    s.commit()


def _membership(web):
    from app.models import AppraisalTeam, CouncilMember

    s, round_id = web.world.s, web.world.round.id
    s.expire_all()
    teams = s.query(AppraisalTeam).filter_by(round_id=round_id).order_by(AppraisalTeam.id)
    return (
        [(t.id, t.name) for t in teams],
        sorted((m.id, m.team_id, m.user_id, m.role) for t in teams for m in t.members),
        sorted(
            (c.id, c.user_id, c.position)
            for c in s.query(CouncilMember).filter_by(round_id=round_id)
        ),  # fmt: skip
    )


def test_teams_and_council_cannot_change_once_the_round_is_finalised(web, app):
    """The minutes' signers are read from the membership: frozen until a logged reopen."""
    from app.models import CouncilMember
    from tests.api.test_catalogue_api import token

    _finalise(web)
    before = _membership(web)
    frozen = vi("The round has been finalised by the council: nothing can be changed until it "
                "is reopened.")  # fmt: skip
    organiser, team = web.client("organiser"), web.world.team
    member = next(m for m in team.members if m.role == "support")
    council = web.world.s.query(CouncilMember).filter_by(round_id=web.world.round.id).one()
    pages = [
        organiser.post(f"/teammemberview/edit/{member.id}",
                       data={"team": team.id, "user": member.user_id, "role": "appraiser"}),
        organiser.post("/teammemberview/add", data={"team": team.id, "role": "support",
                       "user": web.world.users["support2"].id}),
        organiser.post(f"/teammemberview/delete/{member.id}", follow_redirects=True),
        organiser.post(f"/councilmemberview/edit/{council.id}",
                       data={"round": web.world.round.id, "user": council.user_id,
                             "position": "Chủ tịch"}),
        organiser.post(f"/councilmemberview/delete/{council.id}", follow_redirects=True),
        organiser.post(f"/appraisalteamview/edit/{team.id}",
                       data={"round": web.world.round.id, "name": "Tổ đổi tên"}),
    ]  # fmt: skip
    for page in pages:
        assert page.status_code == 200 and frozen.rstrip(".") in text_of(page)
    client = app.test_client()
    headers = token(client, web.world.users["organiser"].username)
    for method, url, body in (
        ("put", f"team_member/{member.id}", {"role": "appraiser"}),
        ("delete", f"team_member/{member.id}", None),
        ("post", "team_member/", {"team": team.id, "user": web.world.users["support2"].id,
                                  "role": "support"}),
        ("delete", f"council_member/{council.id}", None),
        ("put", f"appraisal_team/{team.id}", {"name": "Tổ đổi tên"}),
    ):  # fmt: skip
        answer = getattr(client, method)(f"/api/v1/{url}", headers=headers, json=body)
        assert answer.status_code in (403, 422) and frozen in answer.json["message"], url
    assert _membership(web) == before


def _round_form(round_, **changes):
    from app.domain.rounds import WINDOWS

    data = {
        "name": round_.name, "year": str(round_.year), "framework": round_.framework_id,
        "organiser_unit": round_.organiser_unit_id, "note": round_.note or "",
    }  # fmt: skip
    for start, end, _label in WINDOWS:
        for attr in (start, end):
            value = getattr(round_, attr)
            data[attr] = format_local(value) if value is not None else ""
    data.update(changes)
    return data


def _round_row(web):
    from app.models import Round

    s = web.world.s
    s.expire_all()
    round_ = s.get(Round, web.world.round.id)
    grants = s.query(WindowGrant).filter_by(round_id=round_.id).count()
    return (round_.name, round_.supplement_end, round_.locked, round_.phase, grants)


def test_a_finalised_round_is_not_edited_locked_nor_extended_until_reopened(web, app):
    """Name, windows, lock and grants of a finalised round wait for the council's reopen."""
    from app.domain import verification
    from tests.api.test_catalogue_api import token

    _finalise(web)
    round_, before = web.world.round, _round_row(web)
    frozen = vi("The round has been finalised by the council: nothing can be changed until it "
                "is reopened.")  # fmt: skip
    organiser = web.client("organiser")
    later = format_local(round_.supplement_end + HOUR)
    grant = {
        "round": str(round_.id), "unit": str(web.world.a.id), "window": "appraisal",
        "until": format_local(utcnow() + 2 * HOUR), "reason": "Mất điện tại xã Thử A",
    }  # fmt: skip
    pages = [
        organiser.post(f"/roundview/edit/{round_.id}", data=_round_form(round_, name="Đổi tên")),
        organiser.post(f"/roundview/edit/{round_.id}",
                       data=_round_form(round_, supplement_end=later)),
        organiser.post("/windowgrantview/add", data=grant),
    ]  # fmt: skip
    for page in pages:
        assert page.status_code == 200 and frozen.rstrip(".") in text_of(page)
    action(organiser, "roundview", "lock_phase", [round_.id])
    client = app.test_client()
    headers = token(client, web.world.users["organiser"].username)
    for method, url, body in (
        ("put", f"round/{round_.id}", {"name": "Đổi tên"}),
        ("put", f"round/{round_.id}", {"supplement_end": "2031-12-31T10:00:00"}),
        ("post", f"round/{round_.id}/lock_phase", {}),
        ("post", f"round/{round_.id}/unlock_phase", {}),
    ):  # fmt: skip
        answer = getattr(client, method)(f"/api/v1/{url}", headers=headers, json=body)
        assert answer.status_code in (403, 422) and frozen in answer.json["message"], url
    assert _round_row(web) == before
    # The council's logged reopen thaws it: the organiser edits and locks again.
    s = web.world.s
    verification.reopen_round(s, s.merge(round_), web.world.users["council"], "Phát hiện sai sót")
    s.commit()
    renamed = client.put(f"/api/v1/round/{round_.id}", headers=headers, json={"name": "Đổi tên"})
    assert renamed.status_code == 200, renamed.json
    locked = client.post(f"/api/v1/round/{round_.id}/lock_phase", headers=headers, json={})
    assert locked.status_code == 200, locked.json
    added = organiser.post("/windowgrantview/add", data=grant, follow_redirects=True)
    assert added.status_code == 200
    name, _end, is_locked, phase, grants = _round_row(web)
    assert (name, is_locked, phase, grants) == ("Đổi tên", True, "appraisal", 1)


def test_the_published_demo_round_is_not_edited_nor_locked(session, organiser_client, app):
    from app.models import Round
    from tests.api.test_catalogue_api import token

    round_ = session.query(Round).filter_by(phase="published").first()
    assert round_ is not None, "the demo has a published round"
    before = (round_.name, round_.supplement_end, round_.locked)
    published = vi("The round's results have been published: nothing can be changed any more.")
    client = app.test_client()
    headers = token(client, _organiser_name(session, round_))
    for method, url, body in (
        ("put", f"round/{round_.id}", {"name": "Đổi tên"}),
        ("post", f"round/{round_.id}/lock_phase", {}),
    ):  # fmt: skip
        answer = getattr(client, method)(f"/api/v1/{url}", headers=headers, json=body)
        assert answer.status_code in (403, 422) and published in answer.json["message"], url
    session.expire_all()
    fresh = session.get(Round, round_.id)
    assert (fresh.name, fresh.supplement_end, fresh.locked) == before


def _organiser_name(session, round_):
    from app.models import AppUser
    from app.security import roles

    for user in session.query(AppUser).filter_by(unit_id=round_.organiser_unit_id):
        if roles.ORGANISER in {r.name for r in user.roles}:
            return user.username
    raise AssertionError("no organiser for the published round")
