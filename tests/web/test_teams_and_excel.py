"""Teams and council screens; criteria framework Excel import and export through the web."""

import io

import openpyxl

from app.models import (
    AppraisalTeam,
    AppUser,
    CouncilMember,
    Criterion,
    Framework,
    GradeBand,
    Round,
    TeamMember,
)
from tests.helpers import one, page_text
from tests.web.appraisal_web import said


def _open_round(session):
    """A demo round still being worked on: a finalised or published round's membership is
    frozen (app/domain/rounds.membership_decision)."""
    return (
        session.query(Round)
        .filter(Round.phase.notin_(("draft", "finalised", "published")))
        .order_by(Round.id)
        .first()
    )


def test_team_member_twice_is_refused(session, organiser_client):
    team = session.query(AppraisalTeam).filter_by(round_id=_open_round(session).id).first()
    member = team.members[0]
    response = organiser_client.post(
        "/teammemberview/add", data={"team": team.id, "user": member.user_id, "role": "support"}
    )
    assert response.status_code == 200
    assert "đã là thành viên" in page_text(response)
    assert session.query(TeamMember).filter_by(team_id=team.id, user_id=member.user_id).count() == 1


def test_organiser_adds_a_council_member(session, organiser_client):
    round_ = _open_round(session)
    viewer = one(session, AppUser, username="xem")
    response = organiser_client.post(
        "/councilmemberview/add",
        data={"round": round_.id, "user": viewer.id, "position": "Ủy viên"},
    )
    assert response.status_code == 302
    assert "Ủy viên" in page_text(organiser_client.get("/councilmemberview/list/"))
    # The demo round stays as the other tests know it.
    session.query(CouncilMember).filter_by(round_id=round_.id, user_id=viewer.id).delete()
    session.commit()


def test_grade_band_over_100_refused(session, organiser_client):
    fw = session.query(Framework).filter_by(frozen=False).first()
    response = organiser_client.post(
        "/gradebandview/add", data={"framework": fw.id, "name": "Thử", "min_index": "120"}
    )
    assert response.status_code == 200
    assert session.query(GradeBand).filter_by(framework_id=fw.id, name="Thử").count() == 0


def test_export_then_import_the_same_workbook(session, organiser_client):
    fw = session.query(Framework).filter_by(frozen=False).first()
    before = sorted(c.code for c in fw.criteria)
    exported = organiser_client.get(f"/framework-excel/export/{fw.id}")
    assert exported.status_code == 200
    assert "attachment" in exported.headers["Content-Disposition"]
    workbook = openpyxl.load_workbook(io.BytesIO(exported.data))
    assert workbook.active.freeze_panes == "A2"
    response = organiser_client.post(
        f"/framework-excel/import/{fw.id}",
        data={"file": (io.BytesIO(exported.data), "bộ tiêu chí.xlsx")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    session.expire_all()
    assert sorted(c.code for c in session.get(Framework, fw.id).criteria) == before


def test_import_of_a_file_that_is_not_excel_changes_nothing(session, organiser_client):
    fw = session.query(Framework).filter_by(frozen=False).first()
    count = session.query(Criterion).filter_by(framework_id=fw.id).count()
    response = organiser_client.post(
        f"/framework-excel/import/{fw.id}",
        data={"file": (io.BytesIO(b"%PDF-1.4 not a workbook"), "tieu-chi.xlsx")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    assert "không phải" in page_text(response).lower()
    assert session.query(Criterion).filter_by(framework_id=fw.id).count() == count


def test_import_reports_bad_rows_by_line_and_imports_nothing(session, organiser_client):
    fw = session.query(Framework).filter_by(frozen=False).first()
    count = session.query(Criterion).filter_by(framework_id=fw.id).count()
    exported = organiser_client.get(f"/framework-excel/export/{fw.id}").data
    workbook = openpyxl.load_workbook(io.BytesIO(exported))
    sheet = workbook.active
    sheet.cell(row=3, column=3).value = "abc"
    sheet.cell(row=4, column=1).value = sheet.cell(row=2, column=1).value
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = organiser_client.post(
        f"/framework-excel/import/{fw.id}",
        data={"file": (io.BytesIO(buffer.getvalue()), "sai.xlsx")},
        content_type="multipart/form-data",
    )
    text = page_text(response)
    assert response.status_code == 200
    assert "3" in text and "4" in text
    assert session.query(Criterion).filter_by(framework_id=fw.id).count() == count


def test_frozen_framework_import_refused(session, organiser_client):
    fw = session.query(Framework).filter_by(frozen=True).first()
    response = organiser_client.get(f"/framework-excel/import/{fw.id}", follow_redirects=True)
    assert "chốt" in page_text(response)


def test_a_team_name_is_required_and_unique_in_its_round(session, organiser_client):
    round_ = _open_round(session)
    team = session.query(AppraisalTeam).filter_by(round_id=round_.id).first()
    before = session.query(AppraisalTeam).filter_by(round_id=round_.id).count()
    taken = "This round already has a team named %(name)s."
    for name, msgid, values in (
        ("   ", "The team name is required.", {}),
        (team.name, taken, {"name": team.name}),
        (f"  {team.name.upper()} ", taken, {"name": team.name.upper()}),
    ):
        response = organiser_client.post(
            "/appraisalteamview/add", data={"round": round_.id, "name": name}
        )
        assert response.status_code == 200
        assert said(response, msgid, **values), name
    session.expire_all()
    assert session.query(AppraisalTeam).filter_by(round_id=round_.id).count() == before


def test_a_council_member_twice_is_refused_by_name(session, organiser_client):
    round_ = _open_round(session)
    member = session.query(CouncilMember).filter_by(round_id=round_.id).first()
    assert member is not None, "the demo round needs a council"
    response = organiser_client.post(
        "/councilmemberview/add",
        data={"round": round_.id, "user": member.user_id, "position": "Ủy viên trùng"},
    )
    assert response.status_code == 200
    assert "Ủy viên trùng" in response.data.decode()
    assert said(response, "This person is already on the round's council.")
    session.expire_all()
    same = session.query(CouncilMember).filter_by(round_id=round_.id, user_id=member.user_id)
    assert same.count() == 1


def test_two_grade_bands_from_the_same_index_are_refused(session, organiser_client):
    fw = session.query(Framework).filter_by(frozen=False).first()
    band = GradeBand(framework=fw, name="Mốc thử", min_index=77)
    session.add(band)
    session.commit()
    response = organiser_client.post(
        "/gradebandview/add",
        data={"framework": fw.id, "name": "Mốc trùng", "min_index": "77,00", "position": "9"},
    )
    assert response.status_code == 200
    msgid = (
        "Grade %(other)s already starts at index %(index)s: each grade needs its own minimum index."
    )
    assert said(response, msgid, other="Mốc thử", index="77")
    assert "Mốc trùng" in response.data.decode()
    assert session.query(GradeBand).filter_by(framework_id=fw.id, name="Mốc trùng").count() == 0
    session.delete(band)
    session.commit()
