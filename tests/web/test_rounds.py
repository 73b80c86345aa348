"""Rounds: windows in local time, opening, phase locks, bad windows."""

from unittest import mock

import pytest

from app.models import Assessment, Framework, Round, ScoreLine, Unit
from tests.helpers import one, page_text


def _round_form(framework, organiser, **windows):
    data = {
        "name": "Đợt thử nghiệm",
        "year": "2030",
        "framework": framework.id,
        "organiser_unit": organiser.id,
    }
    data.update(windows)
    return data


def test_window_ending_before_it_starts_is_refused_and_typed_values_kept(session, organiser_client):
    fw = session.query(Framework).first()
    snv = one(session, Unit, code="SNV")
    before = session.query(Round).count()
    response = organiser_client.post(
        "/roundview/add",
        data=_round_form(fw, snv, self_start="20/10/2030 08:00", self_end="10/10/2030 17:00"),
    )
    assert response.status_code == 200
    body = response.data.decode()
    assert "20/10/2030 08:00" in body
    assert "trước khi" in page_text(response) or "kết thúc" in page_text(response)
    assert session.query(Round).count() == before


def test_overlapping_windows_are_refused(session, organiser_client):
    fw = session.query(Framework).first()
    snv = one(session, Unit, code="SNV")
    response = organiser_client.post(
        "/roundview/add",
        data=_round_form(
            fw, snv,
            self_start="01/10/2030 08:00", self_end="20/10/2030 17:00",
            appraisal_start="15/10/2030 08:00", appraisal_end="30/10/2030 17:00",
        ),
    )  # fmt: skip
    assert response.status_code == 200
    assert "chồng" in page_text(response).lower() or "trùng" in page_text(response).lower()


def test_windows_are_typed_in_local_time_and_stored_in_utc(session, organiser_client):
    fw = session.query(Framework).first()
    snv = one(session, Unit, code="SNV")
    data = _round_form(fw, snv, self_start="16/10/2030 08:00", self_end="27/10/2030 17:00")
    data["name"] = "Đợt giờ địa phương"
    assert organiser_client.post("/roundview/add", data=data).status_code == 302
    round_ = one(session, Round, name="Đợt giờ địa phương")
    assert round_.self_start.strftime("%d/%m/%Y %H:%M") == "16/10/2030 01:00"
    show = page_text(organiser_client.get(f"/roundview/show/{round_.id}"))
    assert "27/10/2030 17:00" in show


def test_open_round_creates_assessments_and_lines(session, organiser_client):
    fw = session.query(Framework).filter(Framework.year == 2026).first()
    communes = (
        session.query(Unit)
        .filter(Unit.unit_type_id == fw.unit_type_id, Unit.active.is_(True))
        .limit(3)
        .all()
    )
    snv = one(session, Unit, code="SNV")
    data = _round_form(fw, snv, self_start="01/12/2030 08:00", self_end="20/12/2030 17:00")
    data["name"] = "Đợt mở thử"
    data["units"] = [u.id for u in communes]
    assert organiser_client.post("/roundview/add", data=data).status_code == 302
    round_ = one(session, Round, name="Đợt mở thử")
    organiser_client.post(
        "/roundview/action_post", data={"action": "open_round", "rowid": [round_.id]}
    )
    session.expire_all()
    round_ = session.get(Round, round_.id)
    assert round_.phase == "self_assessment"
    assessments = session.query(Assessment).filter_by(round_id=round_.id).all()
    assert len(assessments) == 3
    leaves = [c for c in fw.criteria if not c.children]
    lines = (
        session.query(ScoreLine)
        .filter(ScoreLine.assessment_id.in_([a.id for a in assessments]))
        .count()
    )
    assert lines == 3 * len(leaves)
    # Opening twice is refused and changes nothing.
    organiser_client.post(
        "/roundview/action_post", data={"action": "open_round", "rowid": [round_.id]}
    )
    assert session.query(Assessment).filter_by(round_id=round_.id).count() == 3


def test_lock_and_unlock_the_current_phase(session, organiser_client):
    open_phases = ("draft", "finalised", "published")  # a frozen round is refused (below)
    round_ = (
        session.query(Round)
        .filter(Round.phase.not_in(open_phases), Round.locked.is_(False))
        .first()
    )
    if round_ is None:
        pytest.skip("the demo has no opened, unfrozen round")
    organiser_client.post(
        "/roundview/action_post", data={"action": "lock_phase", "rowid": [round_.id]}
    )
    session.expire_all()
    assert session.get(Round, round_.id).locked is True
    organiser_client.post(
        "/roundview/action_post", data={"action": "unlock_phase", "rowid": [round_.id]}
    )
    session.expire_all()
    assert session.get(Round, round_.id).locked is False


def test_unit_leader_cannot_run_round_actions_with_a_forged_id(session, leader_client):
    round_ = session.query(Round).filter(Round.phase != "draft").first()
    locked = round_.locked
    leader_client.post(
        "/roundview/action_post", data={"action": "lock_phase", "rowid": [round_.id]}
    )
    session.expire_all()
    assert session.get(Round, round_.id).locked == locked


def test_destructive_actions_ask_for_confirmation(session, organiser_client):
    body = organiser_client.get("/roundview/list/").data.decode()
    assert "open_round" in body and "lock_phase" in body
    assert "confirm" in body.lower()


def test_a_year_typed_as_words_is_refused_in_vietnamese(session, organiser_client):
    # WTForms' own message, translated from the app's catalogue (app/form_translations.py).
    fw = session.query(Framework).first()
    snv = one(session, Unit, code="SNV")
    before = session.query(Round).count()
    data = {**_round_form(fw, snv), "year": "hai nghìn"}
    response = organiser_client.post("/roundview/add", data=data)
    assert response.status_code == 200
    text = page_text(response)
    assert "Giá trị không phải là số nguyên hợp lệ." in text
    assert "Not a valid" not in text
    assert session.query(Round).count() == before


def test_a_team_role_that_is_not_on_the_list_is_refused_in_vietnamese(organiser_client):
    response = organiser_client.post("/teammemberview/add", data={"role": "boss"})
    assert response.status_code == 200
    text = page_text(response)
    assert "Lựa chọn không hợp lệ." in text
    assert "Not a valid" not in text


def test_the_window_help_names_the_configured_time_zone(app, organiser_client):
    assert "Giờ địa phương (Asia/Ho_Chi_Minh)" in page_text(organiser_client.get("/roundview/add"))
    with mock.patch.dict(app.config, TIMEZONE="Asia/Bangkok"):
        text = page_text(organiser_client.get("/roundview/add"))
    assert "(Asia/Bangkok), dd/mm/yyyy hh:mm" in text and "Ho_Chi_Minh" not in text
