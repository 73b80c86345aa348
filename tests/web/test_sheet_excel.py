"""Excel round-trip of a score sheet through the web: export, fill offline, preview, confirm.

Works on the 2026 demo round's assessment of XA001 (lanhdao.xa is its leader, canbo.xa its
staff), on lines of fields 6 and 7; every test opens the self-assessment window itself and puts
back the window, the lines and the assignments it changed."""

import datetime
import io
import os
import re

import openpyxl
import pytest

from app.domain.clock import format_local
from app.models import AppUser, Assessment, AuditEvent, Criterion, Round, ScoreLine, Unit
from app.models.scoring import STATUS_DRAFT
from app.reports.sheet_excel import HEADERS
from tests.helpers import page_text

CODE_COL, VALUE_COL, NA_COL, REASON_COL, EXPL_COL, ID_COL = 1, 5, 6, 7, 8, 9
_SAVED = (
    "self_input", "self_points", "explanation", "not_applicable", "not_applicable_reason",
    "preparer_id",
)  # fmt: skip


def _utcnow():
    return datetime.datetime.now(datetime.UTC).replace(tzinfo=None)


@pytest.fixture()
def xa001(session, app):
    """The XA001 assessment of the 2026 round, window open; everything restored afterwards
    (the uploads a test leaves waiting for confirmation included)."""
    pending = os.path.join(app.config["UPLOAD_DIR"], "tmp")
    waiting = set(os.listdir(pending)) if os.path.isdir(pending) else set()
    round_ = session.query(Round).filter(Round.name.contains("2026")).one()
    unit = session.query(Unit).filter_by(code="XA001").one()
    assessment = session.query(Assessment).filter_by(round_id=round_.id, unit_id=unit.id).one()
    windows = (round_.self_start, round_.self_end, round_.locked)
    status = assessment.status
    lines = session.query(ScoreLine).filter_by(assessment_id=assessment.id).all()
    saved = {line.id: tuple(getattr(line, a) for a in _SAVED) for line in lines}
    now = _utcnow()
    round_.self_start, round_.self_end = (
        now - datetime.timedelta(days=1),
        now + datetime.timedelta(days=1),
    )
    round_.locked = False
    assessment.status = STATUS_DRAFT
    session.commit()
    try:
        yield assessment
    finally:
        session.rollback()
        session.expire_all()
        round_.self_start, round_.self_end, round_.locked = windows
        assessment.status = status
        for line in session.query(ScoreLine).filter_by(assessment_id=assessment.id):
            if tuple(getattr(line, a) for a in _SAVED) != saved[line.id]:
                for name, value in zip(_SAVED, saved[line.id], strict=True):
                    setattr(line, name, value)
        session.commit()
        for name in set(os.listdir(pending)) - waiting if os.path.isdir(pending) else ():
            if name.endswith((".xlsx", ".json")):
                os.remove(os.path.join(pending, name))


def _line(session, assessment, code):
    return (
        session.query(ScoreLine)
        .join(Criterion, ScoreLine.criterion_id == Criterion.id)
        .filter(ScoreLine.assessment_id == assessment.id, Criterion.code == code)
        .one()
    )


def _reset(session, assessment, *codes, preparer=None):
    """Known starting state for the lines the test fills in."""
    for code in codes:
        line = _line(session, assessment, code)
        line.self_input = line.self_points = line.explanation = None
        line.not_applicable, line.not_applicable_reason = False, None
        if preparer is not None:
            line.preparer_id = preparer
    session.commit()


def _export(client, assessment):
    response = client.get(f"/sheet-excel/{assessment.id}/export")
    assert response.status_code == 200, response.status_code
    return openpyxl.load_workbook(io.BytesIO(response.data))


def _row_of(sheet, code):
    for row in range(2, sheet.max_row + 1):
        if sheet.cell(row=row, column=CODE_COL).value == code:
            return row
    raise AssertionError(f"{code} not in the sheet")


def _fill(workbook, code, value=None, explanation=None, column=VALUE_COL):
    sheet = workbook.active
    row = _row_of(sheet, code)
    if value is not None:
        sheet.cell(row=row, column=column).value = value
    if explanation is not None:
        sheet.cell(row=row, column=EXPL_COL).value = explanation
    return row


def _bytes(workbook):
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _upload(client, assessment, data, name="tự chấm điểm.xlsx"):
    return client.post(
        f"/sheet-excel/{assessment.id}/import",
        data={"file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def _token(response):
    match = re.search(r'name="token" value="([^"]+)"', response.data.decode("utf-8"))
    return match.group(1) if match else None


def _error_lines(response):
    return [int(n) for n in re.findall(r'class="import-error" data-line="(\d+)"', response.text)]


def _state(session, assessment, *codes):
    session.expire_all()
    return {
        code: tuple(getattr(_line(session, assessment, code), a) for a in _SAVED) for code in codes
    }


def test_export_has_every_line_with_its_values(session, xa001, leader_client):
    _reset(session, xa001, "7.2.1", "7.2.2", "7.1.1")
    number, choice = _line(session, xa001, "7.2.1"), _line(session, xa001, "7.2.2")
    number.self_input, number.self_points = "0.75", 0.75
    choice.self_input, choice.self_points = "co", 0.5
    choice.explanation = "=Đã có chuyên mục\nCập nhật hằng tháng"
    session.commit()

    workbook = _export(leader_client, xa001)
    sheet = workbook.active
    assert [c.value for c in sheet[1]] == list(HEADERS)
    assert sheet.freeze_panes == "A2"
    assert sheet.protection.sheet
    assert sheet.column_dimensions["I"].hidden
    criteria = (
        session.query(Criterion)
        .filter_by(framework_id=xa001.round.framework_id)
        .order_by(Criterion.sort_key)
        .all()
    )
    codes = [sheet.cell(row=r, column=CODE_COL).value for r in range(2, sheet.max_row + 1)]
    assert codes == [c.code for c in criteria]
    lines = {line.id: line for line in session.query(ScoreLine).filter_by(assessment_id=xa001.id)}
    ids = [sheet.cell(row=r, column=ID_COL).value for r in range(2, sheet.max_row + 1)]
    assert sorted(i for i in ids if i is not None) == sorted(lines)
    for row in range(2, sheet.max_row + 1):
        max_points = sheet.cell(row=row, column=3).value
        assert isinstance(max_points, (int, float))
        line = lines.get(sheet.cell(row=row, column=ID_COL).value)
        if line is None:  # a heading: read-only
            assert sheet.cell(row=row, column=VALUE_COL).protection.locked
            continue
        assert line.criterion.code == sheet.cell(row=row, column=CODE_COL).value
        assert float(max_points) == float(line.criterion.max_points)
    number_row, choice_row = _row_of(sheet, "7.2.1"), _row_of(sheet, "7.2.2")
    assert sheet.cell(row=number_row, column=VALUE_COL).value == 0.75  # a number, not text
    assert not sheet.cell(row=number_row, column=VALUE_COL).protection.locked
    assert sheet.cell(row=choice_row, column=VALUE_COL).value == "co"
    assert sheet.cell(row=choice_row, column=EXPL_COL).value == choice.explanation
    assert "co = Có" in sheet.cell(row=choice_row, column=4).value
    assert sheet.cell(row=_row_of(sheet, "7.2"), column=2).alignment.indent == 2
    survey_row = _row_of(sheet, "8.1.1")
    assert "Điều tra XHH" in sheet.cell(row=survey_row, column=4).value
    assert sheet.cell(row=survey_row, column=VALUE_COL).protection.locked
    deduction = sheet.cell(row=_row_of(sheet, "7.7.2"), column=4).value
    assert "số lần vi phạm" in deduction
    assert any("co" in (dv.formula1 or "") for dv in sheet.data_validations.dataValidation)


def test_round_trip_previews_three_changes_then_applies_them(session, xa001, leader_client, app):
    _reset(session, xa001, "7.2.1", "7.2.2", "7.1.1")
    workbook = _export(leader_client, xa001)
    _fill(workbook, "7.2.1", "0,75")  # text with a decimal comma in a number cell
    _fill(workbook, "7.2.2", "co")  # an option key
    _fill(workbook, "7.1.1", 95, explanation="Theo báo cáo số 12/BC-UBND")

    preview = _upload(leader_client, xa001, _bytes(workbook))
    assert preview.status_code == 200
    assert preview.text.count('class="import-change"') == 3
    assert not _error_lines(preview)
    token = _token(preview)
    assert token
    pending = os.path.join(app.config["UPLOAD_DIR"], "tmp", token + ".xlsx")
    assert os.path.exists(pending)
    # Nothing is applied before the confirmation.
    assert _line(session, xa001, "7.2.1").self_points is None

    confirmed = leader_client.post(f"/sheet-excel/{xa001.id}/import", data={"token": token})
    assert confirmed.status_code == 302
    assert not os.path.exists(pending)
    session.expire_all()
    number, choice, tiers = (_line(session, xa001, c) for c in ("7.2.1", "7.2.2", "7.1.1"))
    assert float(number.self_points) == 0.75 and number.self_input == "0.75"
    assert choice.self_input == "co" and float(choice.self_points) == 0.5
    assert tiers.self_input == "95" and tiers.explanation == "Theo báo cáo số 12/BC-UBND"
    leader = session.query(AppUser).filter_by(username="lanhdao.xa").one()
    for line, action in ((number, "score"), (choice, "score"), (tiers, "score"),
                         (tiers, "explanation")):  # fmt: skip
        assert (
            session.query(AuditEvent)
            .filter_by(entity="score_line", entity_id=line.id, action=action, user_id=leader.id)
            .count()
        ), (line.criterion.code, action)
    # The same token cannot be used twice.
    again = leader_client.post(f"/sheet-excel/{xa001.id}/import", data={"token": token})
    assert again.status_code == 200 and 'id="import-problem"' in again.text


def test_unchanged_file_lists_no_change(session, xa001, leader_client):
    workbook = _export(leader_client, xa001)
    preview = _upload(leader_client, xa001, _bytes(workbook))
    assert 'class="import-change"' not in preview.text
    assert 'id="no-changes"' in preview.text and _token(preview) is None


def test_bad_rows_are_listed_by_line_and_nothing_changes(session, xa001, leader_client):
    _reset(session, xa001, "7.2.1", "4.1.2", "7.2.2", "7.1.3")
    before = _state(session, xa001, "7.2.1", "4.1.2", "7.2.2", "7.1.3")
    workbook = _export(leader_client, xa001)
    bad = [
        _fill(workbook, "7.2.1", "abc"),
        _fill(workbook, "4.1.2", 5),  # over the maximum of 1
        _fill(workbook, "7.2.2", "khong_biet"),  # not an option
    ]
    _fill(workbook, "7.1.3", 0.5)  # a good row: still nothing is applied
    preview = _upload(leader_client, xa001, _bytes(workbook))
    assert sorted(_error_lines(preview)) == sorted(bad)
    text = page_text(preview)
    assert "không phải là số" in text and "không thuộc các lựa chọn" in text
    assert 'id="confirm-import"' not in preview.text and _token(preview) is None
    forged = leader_client.post(f"/sheet-excel/{xa001.id}/import", data={"token": "x" * 43})
    assert 'id="import-problem"' in forged.text
    assert _state(session, xa001, "7.2.1", "4.1.2", "7.2.2", "7.1.3") == before


def test_staff_cannot_import_a_line_assigned_to_someone_else(
    session, xa001, client_as
):  # fmt: skip
    staff = session.query(AppUser).filter_by(username="canbo.xa").one()
    leader = session.query(AppUser).filter_by(username="lanhdao.xa").one()
    _reset(session, xa001, "6.3.2", preparer=staff.id)
    _reset(session, xa001, "6.3.1", preparer=leader.id)
    before = _state(session, xa001, "6.3.1", "6.3.2")
    client = client_as("canbo.xa")
    workbook = _export(client, xa001)
    sheet = workbook.active
    assert not sheet.cell(row=_row_of(sheet, "6.3.2"), column=VALUE_COL).protection.locked
    assert sheet.cell(row=_row_of(sheet, "6.3.1"), column=VALUE_COL).protection.locked
    _fill(workbook, "6.3.2", "day_du")
    foreign = _fill(workbook, "6.3.1", "dung_han")
    preview = _upload(client, xa001, _bytes(workbook))
    assert _error_lines(preview) == [foreign]
    assert _token(preview) is None
    assert _state(session, xa001, "6.3.1", "6.3.2") == before


def test_closed_window_refuses_the_file_with_its_message(session, xa001, leader_client):
    _reset(session, xa001, "7.2.1")
    workbook = _export(leader_client, xa001)
    _fill(workbook, "7.2.1", 0.5)
    data = _bytes(workbook)
    open_preview = _upload(leader_client, xa001, data)
    token = _token(open_preview)
    assert token
    round_ = session.get(Round, xa001.round_id)
    round_.self_end = _utcnow() - datetime.timedelta(hours=1)
    session.commit()
    # The window's own message (whatever the catalogue's state): it names the closing time.
    closed_at = format_local(round_.self_end)

    preview = _upload(leader_client, xa001, data)
    assert 'class="import-error" data-line=""' in preview.text
    assert closed_at in page_text(preview)
    assert _token(preview) is None
    confirmed = leader_client.post(f"/sheet-excel/{xa001.id}/import", data={"token": token})
    assert confirmed.status_code == 200
    assert 'class="import-error" data-line=""' in confirmed.text
    assert closed_at in page_text(confirmed)
    session.expire_all()
    assert _line(session, xa001, "7.2.1").self_points is None


def test_a_pdf_renamed_xlsx_gets_a_clear_message(xa001, leader_client):
    response = _upload(
        leader_client, xa001, b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", "bảng điểm.xlsx"
    )
    assert response.status_code == 200
    assert "không phải" in page_text(response).lower()
    assert _token(response) is None


def test_a_row_with_another_units_line_id_is_an_error(session, xa001, leader_client):
    _reset(session, xa001, "7.2.1")
    other_unit = session.query(Unit).filter_by(code="XA002").one()
    other = (
        session.query(Assessment).filter_by(round_id=xa001.round_id, unit_id=other_unit.id).one()
    )
    foreign_line = _line(session, other, "7.2.1")
    before = foreign_line.self_points
    workbook = _export(leader_client, xa001)
    row = _fill(workbook, "7.2.1", 1)
    workbook.active.cell(row=row, column=ID_COL).value = foreign_line.id
    preview = _upload(leader_client, xa001, _bytes(workbook))
    assert _error_lines(preview) == [row]
    assert _token(preview) is None
    session.expire_all()
    assert _line(session, other, "7.2.1").self_points == before
    assert _line(session, xa001, "7.2.1").self_points is None


def test_another_units_staff_cannot_export_or_import(xa001, client_as):
    client = client_as("canbo.xa2")
    assert client.get(f"/sheet-excel/{xa001.id}/export").status_code == 302
    page = client.get(f"/sheet-excel/{xa001.id}/import")
    assert page.status_code == 302


def test_lines_filled_by_others_after_the_download_do_not_block_the_file(
    session, xa001, client_as
):  # fmt: skip
    staff = session.query(AppUser).filter_by(username="canbo.xa").one()
    _reset(session, xa001, "6.3.2", preparer=staff.id)
    _reset(session, xa001, "6.3.3")
    client = client_as("canbo.xa")
    workbook = _export(client, xa001)
    colleague = _line(session, xa001, "6.3.3")  # the leader scores it meanwhile
    colleague.self_input, colleague.self_points = "1", 0.25
    session.commit()
    _fill(workbook, "6.3.2", "day_du")
    preview = _upload(client, xa001, _bytes(workbook))
    assert preview.text.count('class="import-change"') == 1 and not _error_lines(preview)
    assert (
        client.post(f"/sheet-excel/{xa001.id}/import", data={"token": _token(preview)}).status_code
        == 302
    )
    session.expire_all()
    assert _line(session, xa001, "6.3.2").self_input == "day_du"
    assert _line(session, xa001, "6.3.3").self_input == "1"


def test_a_line_changed_between_preview_and_confirm_is_not_overwritten(
    session, xa001, leader_client
):  # fmt: skip
    _reset(session, xa001, "7.2.1")
    workbook = _export(leader_client, xa001)
    _fill(workbook, "7.2.1", 1)
    preview = _upload(leader_client, xa001, _bytes(workbook))
    token = _token(preview)
    assert token
    line = _line(session, xa001, "7.2.1")
    line.self_input, line.self_points = "0.25", 0.25  # a colleague saves meanwhile
    session.commit()
    confirmed = leader_client.post(f"/sheet-excel/{xa001.id}/import", data={"token": token})
    assert confirmed.status_code == 200 and _token(confirmed) is None
    assert 'id="import-problem"' in confirmed.text
    session.expire_all()
    assert _line(session, xa001, "7.2.1").self_input == "0.25"
