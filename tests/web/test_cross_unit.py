"""No path reads or writes another unit's self-assessment, and none writes after the deadline.

Cross-unit: canbo.xa2 (unit XA002) tries every URL on XA001's 2026 assessment. Locked window:
the 2026 round's self-assessment deadline is moved into the past and canbo.xa tries every write
path on a line assigned to them. Both end by checking that the database did not change.
"""

import datetime
import hashlib
import io
import json

import pytest
from openpyxl import Workbook

from app.domain.clock import format_local, utcnow
from app.models import AppUser, Assessment, AuditEvent, Criterion, Evidence, Round, ScoreLine, Unit
from tests.api.test_catalogue_api import token
from tests.helpers import one, page_text
from tests.web.test_scoring_views import alerts, vi

REFUSED = (302, 403, 404)
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"  # noqa: E501


def _round_2026(session):
    return session.query(Round).filter(Round.name.contains("2026")).one()


def _assessment(session, unit_code):
    unit = one(session, Unit, code=unit_code)
    return one(session, Assessment, round_id=_round_2026(session).id, unit_id=unit.id)


def _line(session, assessment, code):
    return (
        session.query(ScoreLine)
        .join(Criterion, ScoreLine.criterion_id == Criterion.id)
        .filter(ScoreLine.assessment_id == assessment.id, Criterion.code == code)
        .one()
    )


def _snapshot(session, assessment_id):
    """Everything a write could change on one assessment, comparable with ==."""
    session.expire_all()
    lines = session.query(ScoreLine).filter_by(assessment_id=assessment_id).order_by(ScoreLine.id)
    line_ids = [line.id for line in lines]
    assessment = session.get(Assessment, assessment_id)
    return {
        "assessment": (assessment.status, assessment.submitted_at, assessment.submitted_by_id),
        "lines": [
            (
                ln.id,
                ln.self_input,
                ln.self_points,
                ln.explanation,
                ln.not_applicable,
                ln.not_applicable_reason,
                ln.preparer_id,
                ln.version,
            )
            for ln in lines
        ],  # fmt: skip
        "evidence": sorted(
            (e.id, e.score_line_id, e.url, e.original_name)
            for e in session.query(Evidence).filter(Evidence.score_line_id.in_(line_ids))
        ),
        "audit": session.query(AuditEvent).count(),
    }


def _said(response, message):
    """True when the page, flash or JSON answer carries `message`."""
    if response.is_json:
        return message in json.dumps(response.get_json(), ensure_ascii=False)
    return message in " ".join(page_text(response).split()) or message in alerts(response)


def _workbook(line, value):
    """A filled score sheet as the import reads it (English headers are accepted too)."""
    book = Workbook()
    sheet = book.active
    sheet.append(["code", "title", "max_points", "help", "self_input", "not_applicable",
                  "not_applicable_reason", "explanation", "line_id"])  # fmt: skip
    sheet.append([line.criterion.code, "", "", "", value, "", "", "Giải trình từ Excel", line.id])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.fixture()
def foreign_evidence(session):
    """A file evidence on one of XA001's 2026 lines (the stored file itself is not needed)."""
    line = _line(session, _assessment(session, "XA001"), "1.1.1")
    evidence = Evidence(
        score_line_id=line.id, kind="file", original_name="Kế hoạch CCHC 2026.pdf",
        sha256=hashlib.sha256(PDF).hexdigest(), size=len(PDF), mime_type="application/pdf",
        uploaded_at=utcnow(),
    )  # fmt: skip
    session.add(evidence)
    session.commit()
    yield evidence.id
    session.query(Evidence).filter_by(id=evidence.id).delete()
    session.commit()


# --- cross-unit -----------------------------------------------------------------------------------


def test_staff_of_another_unit_can_neither_read_nor_write(
    session, client_as, app, foreign_evidence
):
    assessment = _assessment(session, "XA001")
    line = _line(session, assessment, "1.1.1")
    aid, lid, eid = assessment.id, line.id, foreign_evidence
    before = _snapshot(session, aid)
    intruder = client_as("canbo.xa2")

    # The score sheet, its line history and its Excel export: nothing of XA001 is shown.
    for url in (f"/sheet/{aid}", f"/sheet/line/{lid}/history", f"/sheet-excel/{aid}/export",
                f"/sheet-excel/{aid}/import"):  # fmt: skip
        response = intruder.get(url)
        assert response.status_code in REFUSED, url
        assert "Phường Lam Giang" not in response.data.decode(), url
        assert "spreadsheetml" not in response.headers.get("Content-Type", ""), url

    # Autosave and the line's other fields.
    autosave = intruder.post(f"/sheet/line/{lid}/score", json={"value": "1"})
    assert autosave.status_code in (403, 404)
    save_line = intruder.post(f"/sheet/line/{lid}", json={"explanation": "xâm nhập"})
    assert save_line.status_code in REFUSED
    for url in (f"/sheet/{aid}/submit", f"/sheet/{aid}/withdraw", f"/sheet/{aid}/assign"):
        assert intruder.post(url, data={}).status_code in REFUSED, url

    # The generated screens.
    assert intruder.get(f"/scorelineview/edit/{lid}").status_code == 404
    assert intruder.post(f"/scorelineview/edit/{lid}", data={"self_input": "1"}).status_code == 404
    assert intruder.get(f"/scorelineview/show/{lid}").status_code == 404
    assert intruder.get(f"/assessmentview/show/{aid}").status_code == 404
    listed = page_text(intruder.get(f"/scorelineview/list/?_flt_0_assessment={aid}"))
    assert "Phường Lam Giang" not in listed

    # FAB actions with a forged id (FAB loads action rows without the list's filters).
    for name in ("submit", "withdraw"):
        forged = intruder.post("/assessmentview/action_post", data={"action": name, "rowid": aid},
                               follow_redirects=True)  # fmt: skip
        assert vi("You may not see this record.") in alerts(forged)
        assert intruder.get(f"/assessmentview/action/{name}/{aid}").status_code in REFUSED

    # The REST API answers like for a missing row.
    headers = token(app.test_client(), "canbo.xa2")
    api = app.test_client()
    assert api.get(f"/api/v1/score_line/{lid}", headers=headers).status_code == 404
    assert api.put(f"/api/v1/score_line/{lid}", json={"self_input": "1"},
                   headers=headers).status_code == 404  # fmt: skip
    assert api.get(f"/api/v1/assessment/{aid}", headers=headers).status_code == 404
    assert api.get(f"/api/v1/evidence/{eid}", headers=headers).status_code == 404
    listed = api.get(f"/api/v1/score_line/?q=(filters:!((col:assessment,opr:rel_o_m,value:{aid})))",
                     headers=headers)  # fmt: skip
    assert listed.status_code in (200, 400) and not (listed.json or {}).get("result")

    # Evidence: download, upload onto the line, delete.
    download = intruder.get(f"/evidence/{eid}/download")
    assert download.status_code in REFUSED
    assert not download.headers.get("Content-Disposition")
    upload = intruder.post(
        f"/evidence/line/{lid}/upload", data={"file": (io.BytesIO(PDF), "chen.pdf")},
        content_type="multipart/form-data", headers={"Accept": "application/json"},
    )  # fmt: skip
    assert upload.status_code in (403, 404)
    deleted = intruder.post(f"/evidence/{eid}/delete", headers={"Accept": "application/json"})
    assert deleted.status_code in (403, 404)

    assert _snapshot(session, aid) == before


def test_a_leader_cannot_act_on_another_units_assessment(session, client_as):
    """The leader holds the submit permission: a forged id must still be refused."""
    other = _assessment(session, "XA002")
    before = _snapshot(session, other.id)
    leader = client_as("lanhdao.xa")
    post = {"action": "submit", "rowid": other.id}
    forged = leader.post("/assessmentview/action_post", data=post, follow_redirects=True)
    assert vi("You may not see this record.") in alerts(forged)
    assert leader.post(f"/sheet/{other.id}/submit", data={}).status_code in REFUSED
    assert _snapshot(session, other.id) == before


# --- locked window ------------------------------------------------------------------------------


@pytest.fixture()
def locked_2026(session):
    """The 2026 round's self-assessment window closed two minutes ago; XA001's line 1.2.2
    assigned to canbo.xa and carrying one link evidence. Everything is restored afterwards."""
    round_ = _round_2026(session)
    window = (round_.self_start, round_.self_end)
    line = _line(session, _assessment(session, "XA001"), "1.2.2")
    preparer = line.preparer_id
    line.preparer_id = one(session, AppUser, username="canbo.xa").id
    evidence = Evidence(score_line_id=line.id, kind="link", url="https://baochi.example.vn/bai-viet",
                        uploaded_at=utcnow())  # fmt: skip
    session.add(evidence)
    round_.self_end = (utcnow() - datetime.timedelta(minutes=2)).replace(second=0, microsecond=0)
    session.commit()
    try:
        yield round_.self_end, line.id, evidence.id
    finally:
        round_ = session.get(Round, round_.id)
        round_.self_start, round_.self_end = window
        session.query(Evidence).filter_by(id=evidence.id).delete()
        session.get(ScoreLine, line.id).preparer_id = preparer
        session.commit()


def test_every_write_path_is_refused_after_the_deadline(session, client_as, app, locked_2026):
    end, lid, eid = locked_2026
    line = session.get(ScoreLine, lid)
    aid = line.assessment_id
    closed = vi("The %(window)s closed at %(end)s: nothing can be changed any more.",
                window=vi("self-assessment window"), end=format_local(end))  # fmt: skip
    before = _snapshot(session, aid)
    staff, as_json = client_as("canbo.xa"), {"Accept": "application/json"}

    form = staff.post(f"/scorelineview/edit/{lid}", data={"self_input": "0,25"})
    assert form.status_code == 200 and _said(form, closed)
    # The form warns before anything is typed.
    assert _said(staff.get(f"/scorelineview/edit/{lid}"), closed)

    api = app.test_client()
    put = api.put(f"/api/v1/score_line/{lid}", json={"self_input": "0,25"},
                  headers=token(api, "canbo.xa"))  # fmt: skip
    assert put.status_code == 403 and put.json["message"] == closed

    autosave = staff.post(f"/sheet/line/{lid}/score", json={"value": "0,25"})
    assert autosave.status_code == 403 and _said(autosave, closed)
    explanation = staff.post(f"/sheet/line/{lid}", json={"explanation": "muộn"}, headers=as_json)
    assert explanation.status_code == 403 and _said(explanation, closed)

    upload = staff.post(
        f"/evidence/line/{lid}/upload", data={"file": (io.BytesIO(PDF), "Quyết định.pdf")},
        content_type="multipart/form-data", headers=as_json,
    )  # fmt: skip
    assert upload.status_code == 403 and _said(upload, closed)
    link = staff.post(f"/evidence/line/{lid}/upload", data={"url": "https://vtv.example.vn/a"},
                      headers=as_json)  # fmt: skip
    assert link.status_code == 403 and _said(link, closed)
    removed = staff.post(f"/evidence/{eid}/delete", headers=as_json)
    assert removed.status_code == 403 and _said(removed, closed)

    excel = staff.post(
        f"/sheet-excel/{aid}/import",
        data={"file": (io.BytesIO(_workbook(line, "0,25")), "tu-cham.xlsx")},
        content_type="multipart/form-data",
    )  # fmt: skip
    assert excel.status_code in (200, 302, 403) and _said(excel, closed)

    leader = client_as("lanhdao.xa")
    submit = leader.post("/assessmentview/action_post", data={"action": "submit", "rowid": aid},
                         follow_redirects=True)  # fmt: skip
    assert closed in alerts(submit)

    assert _snapshot(session, aid) == before
