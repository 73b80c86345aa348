"""Score sheet Excel import through the domain: plan (checks, nothing written) and apply.

Works on this year's commune round and unit XA004 inside one database transaction that is
rolled back at the end (accounts included), with `now` inside the round's window, so it meets
no other test's data and the calendar does not matter."""

import dataclasses
import datetime
import io
from decimal import Decimal

import pytest
from flask_appbuilder.security.sqla.models import Role
from openpyxl import Workbook, load_workbook
from sqlalchemy import create_engine, event
from sqlalchemy.orm import Session

from app.domain.errors import DomainError
from app.domain.self_assessment import ConflictError
from app.domain.sheet import load_sheet
from app.domain.sheet_import import ImportRow, apply_plan, plan_import
from app.models import AppUser, Assessment, AuditEvent, Criterion, Round, ScoreLine, Unit
from app.reports.sheet_excel import HEADERS, export_sheet, read_sheet
from app.security import roles


@pytest.fixture()
def tx(database_url, app):
    """A session in one transaction, rolled back at the end: nothing stays in the database."""
    engine = create_engine(database_url)
    connection = engine.connect()
    transaction = connection.begin()
    session = Session(bind=connection, join_transaction_mode="create_savepoint")
    try:
        yield session
    finally:
        session.close()
        transaction.rollback()
        connection.close()
        engine.dispose()


@pytest.fixture()
def setup(tx):
    unit = tx.query(Unit).filter_by(code="XA004").one()
    round_ = tx.query(Round).filter(Round.name.contains("2026")).one()
    assessment = tx.query(Assessment).filter_by(round_id=round_.id, unit_id=unit.id).one()

    def account(username, role_name):
        role = tx.query(Role).filter_by(name=role_name).one()
        user = AppUser(
            username=username, first_name="Thử", last_name="Trần", active=True,
            email=f"{username}@songlam.gov.vn", roles=[role], unit_id=unit.id,
        )  # fmt: skip
        tx.add(user)
        tx.flush()
        return user

    leader = account("sheetxl.leader.xa004", roles.UNIT_LEADER)
    staff = account("sheetxl.staff.xa004", roles.UNIT_STAFF)
    for line in tx.query(ScoreLine).filter_by(assessment_id=assessment.id):
        line.self_input = line.self_points = line.explanation = None
        line.not_applicable, line.not_applicable_reason, line.preparer_id = False, None, None
    tx.flush()
    now = round_.self_start + datetime.timedelta(days=1)
    return tx, assessment, leader, staff, now


def _line(session, assessment, code):
    return (
        session.query(ScoreLine)
        .join(Criterion, ScoreLine.criterion_id == Criterion.id)
        .filter(ScoreLine.assessment_id == assessment.id, Criterion.code == code)
        .one()
    )


def _row(session, assessment, code, excel_line=10, **cells):
    line = _line(session, assessment, code)
    return ImportRow(line=excel_line, line_id=line.id, code=code, **cells)


def test_unchanged_and_blank_rows_change_nothing(setup):
    session, assessment, leader, _staff, now = setup
    rows = [
        ImportRow(line=2, code="1"),  # a heading
        ImportRow(line=3),  # a blank line
        _row(session, assessment, "1.2.2"),
    ]
    assert plan_import(session, assessment, rows, leader, now) == ([], [])


def test_plan_describes_the_changes_and_writes_nothing(setup):
    session, assessment, leader, _staff, now = setup
    rows = [
        _row(session, assessment, "1.2.2", 5, value="0,25", explanation="Báo cáo số 5"),
        _row(session, assessment, "1.1.1", 6, value="dung_han"),
        _row(session, assessment, "1.2.1", 7, value=Decimal("1")),
        _row(session, assessment, "4.3.1", 8, not_applicable="Có", reason="Không có phân cấp"),
    ]
    changes, errors = plan_import(session, assessment, rows, leader, now)
    assert errors == []
    assert [c.code for c in changes] == ["1.2.2", "1.1.1", "1.2.1", "4.3.1"]
    first = changes[0]
    assert first.score_changed and first.explanation_changed and not first.na_changed
    assert first.old_value == "—" and "0,25" in first.new_value
    assert first.new_explanation == "Báo cáo số 5"
    assert "Ban hành đúng hạn" in changes[1].new_value
    assert "0,25" in changes[2].new_value  # 0,5 minus one occurrence of 0,25
    assert changes[3].na_changed and "Không có phân cấp" in changes[3].new_na
    session.expire_all()
    assert _line(session, assessment, "1.2.2").self_points is None
    assert session.query(AuditEvent).filter_by(user_id=leader.id).count() == 0


@pytest.mark.parametrize(
    "code, cells, fragment",
    [
        ("1.2.2", {"value": "abc"}, "abc"),
        ("1.2.2", {"value": "8,,5"}, "8,,5"),
        ("1.2.2", {"value": 5}, "5"),
        ("1.1.1", {"value": "khong_biet"}, "khong_biet"),
        ("1.2.2", {"not_applicable": "Có", "reason": "x"}, ""),  # may not be skipped
        ("4.3.1", {"not_applicable": "Có"}, ""),  # no reason
        ("4.3.1", {"not_applicable": "Có", "reason": "x", "value": 1}, ""),
        ("4.3.1", {"not_applicable": "có lẽ"}, "có lẽ"),
        ("8.1.1", {"value": 3}, ""),  # survey line
    ],
)
def test_bad_rows_are_errors_with_their_line(setup, code, cells, fragment):
    session, assessment, leader, _staff, now = setup
    rows = [_row(session, assessment, code, 42, **cells)]
    changes, errors = plan_import(session, assessment, rows, leader, now)
    assert changes == []
    assert [(e.line, e.code) for e in errors] == [(42, code)]
    assert fragment in errors[0].message


def test_forged_duplicate_and_mismatched_rows(setup):
    session, assessment, leader, _staff, now = setup
    other_unit = session.query(Unit).filter_by(code="XA005").one()
    other = session.query(Assessment).filter_by(round_id=assessment.round_id,
                                                unit_id=other_unit.id).one()  # fmt: skip
    line = _line(session, assessment, "1.2.2")
    rows = [
        ImportRow(line=2, line_id=_line(session, other, "1.2.2").id, code="1.2.2", value=0.5),
        ImportRow(line=3, line_id="abc", value=0.5),
        ImportRow(line=4, line_id=line.id, code="1.2.2", value=0.5),
        ImportRow(line=5, line_id=line.id, code="1.2.2", value=0.25),
        ImportRow(line=6, line_id=line.id, code="9.9", value=0.25),
        ImportRow(line=7, code="1", value=1),  # typed into a heading
    ]
    changes, errors = plan_import(session, assessment, rows, leader, now)
    assert [e.line for e in errors] == [2, 3, 5, 6, 7]
    assert [c.row for c in changes] == [4]


def test_staff_may_change_only_their_lines(setup):
    session, assessment, leader, staff, now = setup
    _line(session, assessment, "1.2.2").preparer_id = staff.id
    session.flush()
    rows = [
        _row(session, assessment, "1.2.2", 2, value=0.5),
        _row(session, assessment, "1.4.3", 3, value=0.5),
        _row(session, assessment, "1.6.1"),  # not theirs, but unchanged: fine
    ]
    changes, errors = plan_import(session, assessment, rows, staff, now)
    assert [c.code for c in changes] == ["1.2.2"]
    assert [(e.line, e.code) for e in errors] == [(3, "1.4.3")]


def test_closed_window_refuses_the_whole_file(setup):
    session, assessment, leader, _staff, _now = setup
    after = assessment.round.self_end + datetime.timedelta(minutes=1)
    rows = [_row(session, assessment, "1.2.2", value=0.5)]
    changes, errors = plan_import(session, assessment, rows, leader, after)
    assert changes == [] and len(errors) == 1
    assert errors[0].line is None and errors[0].message


def test_apply_writes_every_change_with_its_audit_event(setup):
    session, assessment, leader, _staff, now = setup
    _line(session, assessment, "4.3.2").not_applicable = True
    _line(session, assessment, "4.3.2").not_applicable_reason = "Cũ"
    session.flush()
    rows = [
        _row(session, assessment, "1.2.2", 2, value="0,5", explanation="Giải trình"),
        _row(session, assessment, "4.3.1", 3, not_applicable="x", reason="Không có"),
        _row(session, assessment, "4.3.2", 4, value="day_du"),  # clears the mark, then scores
    ]
    changes, errors = plan_import(session, assessment, rows, leader, now)
    assert errors == [] and len(changes) == 3
    assert apply_plan(session, assessment, changes, leader, now) == 3
    session.expire_all()
    scored = _line(session, assessment, "1.2.2")
    assert scored.self_points == Decimal("0.50") and scored.explanation == "Giải trình"
    assert _line(session, assessment, "4.3.1").not_applicable
    cleared = _line(session, assessment, "4.3.2")
    assert not cleared.not_applicable and cleared.self_input == "day_du"
    actions = sorted(a for (a,) in session.query(AuditEvent.action).filter_by(user_id=leader.id))
    assert actions == ["applicable", "explanation", "not_applicable", "score", "score"]


def test_apply_refuses_a_line_changed_after_the_preview(setup):
    session, assessment, leader, _staff, now = setup
    rows = [
        _row(session, assessment, "1.2.2", 2, value="0,5"),
        _row(session, assessment, "1.4.3", 3, value="0,5"),
    ]
    changes, _errors = plan_import(session, assessment, rows, leader, now)
    changes[1].expected_version -= 1  # as if someone saved 1.4.3 since the preview
    attempt = session.begin_nested()  # what the view's rollback undoes
    with pytest.raises(ConflictError):
        apply_plan(session, assessment, changes, leader, now)
    attempt.rollback()
    session.expire_all()
    assert _line(session, assessment, "1.2.2").self_points is None
    assert session.query(AuditEvent).filter_by(user_id=leader.id).count() == 0


def test_exported_sheet_reads_back_without_changes(setup):
    session, assessment, leader, _staff, now = setup
    line = _line(session, assessment, "1.2.2")
    line.self_input, line.self_points, line.explanation = (
        "0.25",
        Decimal("0.25"),
        "Dòng 1\r\nDòng 2",
    )
    choice = _line(session, assessment, "1.1.1")
    choice.self_input, choice.self_points = "cham", Decimal("0.5")
    session.flush()
    sheet = load_sheet(session, assessment)
    data = export_sheet(sheet, {line.id for line in sheet.lines}, leader, now)
    rows = read_sheet(data)
    assert len(rows) == len(sheet.rows)
    assert plan_import(session, assessment, rows, leader, now) == ([], [])


def _sheet_rows(session, assessment, user, now):
    sheet = load_sheet(session, assessment)
    data = export_sheet(sheet, {line.id for line in sheet.lines}, user, now)
    return {row.code: row for row in read_sheet(data)}


def test_rows_left_alone_are_skipped_even_if_the_line_changed_since(setup):
    session, assessment, leader, staff, now = setup
    rows = _sheet_rows(session, assessment, staff, now)
    colleague = _line(session, assessment, "1.2.2")  # filled in after the download
    colleague.self_input, colleague.self_points = "0.5", Decimal("0.5")
    session.flush()
    assert plan_import(session, assessment, list(rows.values()), leader, now) == ([], [])
    # The same row edited by the user: refused rather than overwriting the colleague's score.
    edited = dataclasses.replace(rows["1.2.2"], value=0.25)
    changes, errors = plan_import(session, assessment, [edited], leader, now)
    assert changes == [] and [e.code for e in errors] == ["1.2.2"]
    assert "0,5" in errors[0].message
    # Typing what the line already holds is no change and no conflict.
    same = dataclasses.replace(rows["1.2.2"], value="0,5")
    assert plan_import(session, assessment, [same], leader, now) == ([], [])


def test_plan_uses_a_constant_number_of_queries(setup):
    session, assessment, leader, _staff, now = setup
    sheet = load_sheet(session, assessment)
    rows = read_sheet(export_sheet(sheet, set(), leader, now))
    statements = []

    def count(*_args):
        statements.append(1)

    session.expire_all()
    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", count)
    try:
        plan_import(session, assessment, rows[:10], leader, now)
        few = len(statements)
        statements.clear()
        session.expire_all()
        plan_import(session, assessment, rows, leader, now)
        many = len(statements)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert many == few


def _workbook(header, *rows):
    book = Workbook()
    book.active.append(list(header))
    for row in rows:
        book.active.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_read_sheet_refuses_what_is_not_a_score_sheet():
    for data in (b"", b"%PDF-1.4 not a workbook", b"PK\x03\x04broken"):
        with pytest.raises(DomainError):
            read_sheet(data)
    with pytest.raises(DomainError) as err:
        read_sheet(_workbook(["Mã", "Tên tiêu chí", "Điểm tối đa"], ["1", "A", 1]))
    assert "Mã dòng" in err.value.message


def test_read_sheet_keeps_excel_line_numbers_and_rounds_float_noise():
    data = _workbook(HEADERS, ["1", "Lĩnh vực", 8], [], ["1.1", "A", 1, None, 0.1 + 0.2, None,
                                                          None, "=x", 7])  # fmt: skip
    rows = read_sheet(data)
    assert [r.line for r in rows] == [2, 3, 4]
    assert rows[2].value == Decimal("0.30") and rows[2].line_id == 7
    book = load_workbook(io.BytesIO(data))
    assert book.active.cell(row=4, column=8).value == "=x"
