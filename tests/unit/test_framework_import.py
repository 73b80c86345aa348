"""Criteria framework Excel import/export: parsing, line numbers, bad files, storing."""

import io
import zipfile
from decimal import Decimal

import pytest
from flask_appbuilder import Model
from openpyxl import Workbook, load_workbook
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

import app.models  # noqa: F401  (register every table)
from app.domain.errors import DomainError
from app.domain.framework_import import HEADERS, apply_import, parse_rows
from app.models.criteria import Criterion, CriterionOption, CriterionTier, Framework
from app.models.units import UnitType
from app.reports.framework_excel import export_framework, items_of, read_workbook

GOOD_ROWS = [
    ["1", "Công tác chỉ đạo, điều hành", 10, "Nhập số", None, None, None, None, "Không", "Không",
     None],
    ["1.1", "Kế hoạch CCHC", 4, "Lựa chọn", None,
     "dung_han=Ban hành đúng hạn:2; tre_han=Ban hành trễ hạn:0,5; khong=Không ban hành:0",
     None, None, "Không", "Có", "Kế hoạch năm, ban hành trước 31/12."],
    ["1.1.1", "Ban hành kế hoạch", 2, "choice", None,
     "dung_han=Đúng hạn:2; tre=Trễ: sau 31/12:1,5; khong=Không ban hành:0",
     None, None, "Không", "Có", None],
    ["1.1.2", "Mức độ thực hiện kế hoạch", "2", "Theo tỷ lệ %", None, ">=90:2; >=70:1; >=0:0",
     None, None, "Không", "Có", None],
    ["1.2", "Báo cáo định kỳ", "6", "Nhập số", None, None, None, None, "Không", "Không", None],
    ["1.2.1", "Báo cáo đúng hạn", "4,5", "Trừ điểm theo lần", None, None, "0,25", 1, "Không", "Có",
     None],
    ["1.2.2", "Chất lượng báo cáo", 1.5, "Nhập số", 0.25, None, None, None, "Có", "Không", None],
    ["2", "Điểm thưởng", 2, "Điểm thưởng", None, None, None, None, "Không", "Không", None],
    ["2.1", "Sáng kiến được công nhận", 2, "bonus", "0,5", None, None, None, "Không", "Có",
     "Mỗi sáng kiến 0,5 điểm"],
    ["3", "Điều tra xã hội học", 5, "Điều tra XHH", None, None, None, None, "Không", "Không", None],
]  # fmt: skip


def workbook_bytes(rows, headers=HEADERS):
    """An .xlsx file with `headers` in line 1 and `rows` from line 2 (None rows left blank)."""
    book = Workbook()
    sheet = book.active
    sheet.append(list(headers))
    for line, row in enumerate(rows, start=2):
        for column, value in enumerate(row or (), start=1):
            if value is not None:
                sheet.cell(row=line, column=column, value=value)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def parse_file(rows, **kwargs):
    return parse_rows(read_workbook(workbook_bytes(rows)), **kwargs)


def good_row(code, max_points=1, rule="Nhập số", options=None, title=None):
    return [code, title or f"Tiêu chí {code}", max_points, rule, None, options, None, None,
            "Không", "Không", None]  # fmt: skip


@pytest.fixture
def session():
    engine = create_engine("sqlite://")
    Model.metadata.create_all(engine)
    with Session(engine) as db:
        yield db
    engine.dispose()


@pytest.fixture
def framework(session):
    unit_type = UnitType(code="SO", name="Sở, ban, ngành")
    fw = Framework(code="SO-2025", name="Bộ tiêu chí Sở 2025", year=2025, unit_type=unit_type,
                   max_points=Decimal("15"))  # fmt: skip
    session.add(fw)
    session.flush()
    return fw


def test_good_file_parses_without_errors():
    items, errors = parse_file(
        GOOD_ROWS, framework_max=Decimal("15")
    )  # the bonus is outside the total
    assert errors == []
    assert [i.code for i in items] == [r[0] for r in GOOD_ROWS]
    by_code = {i.code: i for i in items}
    assert by_code["1.2.1"].max_points == Decimal("4.5")
    assert by_code["1.2.1"].per_occurrence == Decimal("0.25")
    assert by_code["1.2.1"].rule == "deduction"
    assert by_code["1.2.2"].step == Decimal("0.25")
    assert by_code["1.2.2"].allow_not_applicable is True
    assert by_code["1.1.1"].options[1] == ("tre", "Trễ: sau 31/12", Decimal("1.5"))
    assert [t.min_percent for t in by_code["1.1.2"].tiers] == [90, 70, 0]
    assert by_code["2.1"].rule == "bonus"
    assert by_code["3"].rule == "survey"


def test_export_reimports_identically(session, framework):
    items, errors = parse_file(GOOD_ROWS)
    assert errors == []
    assert apply_import(session, framework, items) == len(GOOD_ROWS)
    session.flush()
    session.expire_all()
    assert items_of(framework) == items
    data = export_framework(framework)
    again, errors = parse_rows(read_workbook(data), framework_max=framework.max_points)
    assert errors == []
    assert again == items
    assert [i.line for i in again] == list(range(2, 2 + len(GOOD_ROWS)))


def test_export_layout_has_headers_numbers_and_frozen_row(session, framework):
    items, _errors = parse_file(GOOD_ROWS)
    apply_import(session, framework, items)
    sheet = load_workbook(io.BytesIO(export_framework(framework))).worksheets[0]
    assert [c.value for c in sheet[1]] == list(HEADERS)
    assert sheet.freeze_panes == "A2"
    assert sheet["C7"].value == 4.5 and sheet["C7"].data_type == "n"
    assert sheet["A2"].value == "1" and sheet["A2"].data_type == "s"
    assert sheet["D3"].value == "Lựa chọn"
    assert sheet["F3"].value == (
        "dung_han=Ban hành đúng hạn:2; tre_han=Ban hành trễ hạn:0,5; khong=Không ban hành:0"
    )
    assert sheet["F5"].value == ">=90:2; >=70:1; >=0:0"
    assert sheet.column_dimensions["B"].width > 30


def test_import_replaces_previous_criteria(session, framework):
    items, _errors = parse_file(GOOD_ROWS)
    apply_import(session, framework, items)
    session.flush()
    smaller, errors = parse_file([good_row("1", 2), good_row("1.1", 2)])
    assert errors == []
    assert apply_import(session, framework, smaller) == 2
    session.flush()
    assert sorted(c.code for c in session.query(Criterion)) == ["1", "1.1"]
    assert session.query(CriterionOption).count() == 0
    assert session.query(CriterionTier).count() == 0
    child = session.query(Criterion).filter_by(code="1.1").one()
    assert child.parent.code == "1" and child.sort_key == "0001.0001"


def test_frozen_framework_is_refused(session, framework):
    items, _errors = parse_file(GOOD_ROWS)
    apply_import(session, framework, items)
    framework.frozen = True
    session.flush()
    with pytest.raises(DomainError, match="frozen"):
        apply_import(session, framework, items[:1])
    assert session.query(Criterion).count() == len(GOOD_ROWS)


def test_bad_rows_are_reported_with_excel_line_numbers():
    rows = [
        good_row("1", 3),  # line 2
        good_row("1.1", 1),  # line 3
        good_row("1.1", 1),  # line 4: duplicate code
        None,  # line 5: blank, skipped but counted
        good_row("1.2", "abc"),  # line 6: not a number
        good_row("1.3", 1, rule="Chấm tùy ý"),  # line 7: unknown rule
        good_row("1.4", 1, rule="Lựa chọn", options="co Đạt 1"),  # line 8: bad option syntax
        good_row("2.1", 1),  # line 9: parent 2 missing
        good_row("3", 5),  # line 10: children add up to 2, not 5
        good_row("3.1", 1),  # line 11
        good_row("3.2", 1),  # line 12
        good_row("4", 1, rule="Lựa chọn", options="a=A:1; a=B:0"),  # line 13: validate_rule
    ]
    _items, errors = parse_file(rows)
    lines = {}
    for line, message in errors:
        lines.setdefault(line, []).append(message)
    assert any("already on line 3" in m for m in lines[4])
    assert any("Điểm tối đa" in m and "abc" in m for m in lines[6])
    assert any("Unknown scoring rule" in m for m in lines[7])
    assert any("not an option" in m for m in lines[8])
    assert any("parent 2 of 2.1" in m for m in lines[9])
    assert any("add up to 2" in m for m in lines[10])
    assert any("more than once" in m for m in lines[13])
    # Line 2's children include an unreadable row (line 6): its sum is not second-guessed.
    assert set(lines) == {4, 6, 7, 8, 9, 10, 13}


def test_required_cells_and_booleans():
    rows = [
        ["1", None, None, None, None, None, None, None, "Có", "có thể", None],
        [None, "Không có mã", 1, None, None, None, None, None, None, None, None],
    ]
    _items, errors = parse_file(rows)
    messages = dict.fromkeys(m for _line, m in errors)
    assert (2, "Tên tiêu chí is required.") in errors
    assert (2, "Điểm tối đa is required.") in errors
    assert any(line == 2 and "Bắt buộc tài liệu kiểm chứng" in m for line, m in errors)
    assert (3, "Mã is required.") in errors
    assert messages


def test_options_only_for_choice_and_tiers():
    _items, errors = parse_file([good_row("1", 1, rule="Nhập số", options="a=A:1")])
    assert (
        len(errors) == 1
        and errors[0][0] == 2
        and "Only “Lựa chọn” and “Theo tỷ lệ %”" in errors[0][1]
    )


def test_framework_total_is_checked_when_given():
    _items, errors = parse_file([good_row("1", 60), good_row("2", 30)], framework_max=Decimal(100))
    assert len(errors) == 1 and errors[0][0] is None and "add up to 90" in errors[0][1]


def test_empty_sheet_is_reported():
    _items, errors = parse_file([])
    assert errors == [(None, "The file has no criteria rows.")]


def test_english_headers_and_reordered_columns():
    data = workbook_bytes(
        [[5, "Kế hoạch", "1", "number"]], headers=["max_points", "title", "code", "rule"]
    )
    items, errors = parse_rows(read_workbook(data))
    assert errors == []
    assert (
        items[0].code == "1" and items[0].max_points == Decimal(5) and items[0].title == "Kế hoạch"
    )


def test_missing_required_header_is_a_domain_error():
    with pytest.raises(DomainError, match="Điểm tối đa"):
        read_workbook(workbook_bytes([["1", "x"]], headers=["Mã", "Tên tiêu chí"]))


def _zip_bytes(files):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF",
        "Mã;Tên tiêu chí;Điểm tối đa\n1;Chỉ đạo;10\n".encode(),
        b"PK\x03\x04" + b"\x00" * 200,
        _zip_bytes({"word/document.xml": "<w:document/>", "[Content_Types].xml": "<Types/>"}),
        _zip_bytes({"[Content_Types].xml": "<Types/>", "xl/workbook.xml": "not xml <"}),
    ],
    ids=["empty", "pdf", "csv-text", "corrupt-zip", "docx-like", "broken-xlsx"],
)
def test_not_an_xlsx_is_a_domain_error(data):
    with pytest.raises(DomainError):
        read_workbook(data)


def test_truncated_workbook_is_a_domain_error():
    data = workbook_bytes([good_row("1")])
    with pytest.raises(DomainError):
        read_workbook(data[: len(data) // 2])


def test_number_cells_and_text_with_comma():
    rows = [
        ["1", "A", 3.5, "Nhập số", "0,5"],
        ["1.1", "B", "2,5", "number", 0.5],
        ["1.2", "C", 1, "nhap so"],  # accents left out still name the rule
        ["2", "D", "1,255", "Nhập số"],
        ["3", "E", "1.000,5", "Nhập số"],
    ]
    items, errors = parse_file(rows)
    assert [i.max_points for i in items] == [Decimal("3.5"), Decimal("2.5"), Decimal("1")]
    assert items[0].step == Decimal("0.5") and items[2].rule == "number"
    assert [line for line, _m in errors] == [5, 6]
    assert "more than 2 decimals" in errors[0][1]
