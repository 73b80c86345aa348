"""Survey import: good CSV and Excel files give the right points on the right lines; every bad
row is reported by its line and nothing is imported; legacy encodings are read right or
refused clearly; re-importing replaces the previous import and is logged.

The province is tests/unit/results_world.py: kind "sipas" has lines 2.1.1 (max 4) and 2.1.2
(max 2), so its maximum is 6.
"""

import io
import unicodedata
import zipfile
from decimal import Decimal

import pytest
from openpyxl import Workbook
from sqlalchemy import func

from app.domain.errors import DomainError
from app.domain.results import compute_results
from app.domain.survey_import import import_survey, plan_survey_import
from app.models import AuditEvent, SurveyImport, SurveyResult, UnitResult
from app.models.scoring import APPRAISAL_APPROVED, APPRAISAL_PENDING
from tests.unit.results_world import world_fixture  # noqa: F401  (the `world` fixture)

D = Decimal
TONE_MARKS = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}


def csv_bytes(lines, encoding="utf-8", delimiter=";"):
    text = "\r\n".join(delimiter.join(cells) for cells in lines) + "\r\n"
    return text.encode(encoding)


def legacy_cp1258(text):
    """Text as Windows-1258 writes it: a letter the code page lacks becomes its base letter
    followed by a combining tone mark ("ế" -> "ê" + U+0301)."""
    out = []
    for ch in unicodedata.normalize("NFC", text):
        try:
            out.append(ch.encode("cp1258"))
            continue
        except UnicodeEncodeError:
            pass
        parts = unicodedata.normalize("NFD", ch)
        base = unicodedata.normalize("NFC", "".join(m for m in parts if m not in TONE_MARKS))
        out.append((base + "".join(m for m in parts if m in TONE_MARKS)).encode("cp1258"))
    return b"".join(out)


def xlsx_bytes(rows, percent_cells=()):
    """A workbook with a title line, the header on line 2 and `rows` from line 3."""
    book = Workbook()
    sheet = book.active
    sheet.append(["KẾT QUẢ ĐIỀU TRA XÃ HỘI HỌC NĂM 2030"])
    sheet.append(["STT", "Mã đơn vị", "Tên đơn vị", "Tỷ lệ (%)"])
    for n, (code, value) in enumerate(rows, start=1):
        sheet.append([n, code, f"Đơn vị {code}", value])
    for line in percent_cells:
        sheet.cell(row=line, column=4).number_format = "0.0%"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def survey_lines(world, unit_code):
    return [world.line(unit_code, code) for code in ("2.1.1", "2.1.2")]


def points_of(world, unit_code):
    return [line.approved_points for line in survey_lines(world, unit_code)]


def nothing_imported(world):
    session = world.session
    assert session.query(SurveyImport).filter_by(round_id=world.round_.id).count() == 0
    assert session.query(SurveyResult).filter_by(round_id=world.round_.id).count() == 0
    for code in world.units:
        if code.startswith("KQ-U"):
            assert points_of(world, code) == [None, None], code


def plan(world, data, mode="points", kind="sipas", name="ket_qua.csv"):
    return plan_survey_import(world.session, world.round_, kind, mode, data, name, world.organiser)


def run(world, data, mode="points", name="ket_qua.csv"):
    return import_survey(world.session, world.round_, "sipas", mode, data, name, world.organiser)


def test_a_good_csv_gives_each_line_its_share_and_the_results_their_survey_points(world):
    data = csv_bytes(
        [
            ["KẾT QUẢ KHẢO SÁT SIPAS 2030"],
            ["STT", "Mã đơn vị", "Tên đơn vị", "Điểm"],
            ["1", "kq-u1", "Đơn vị 1", "5,5"],
            ["2", "KQ-U2", "Đơn vị 2", "6"],
            ["3", " KQ-U3 ", "Đơn vị 3", "3.0"],
        ]
    )
    preview = plan(world, data)
    assert preview.ok and preview.maximum == D(6)
    assert [(r.line, r.code, r.points) for r in preview.rows] == [
        (3, "KQ-U1", D("5.50")),
        (4, "KQ-U2", D("6.00")),
        (5, "KQ-U3", D("3.00")),
    ]
    assert [code for code, _name in preview.missing] == ["KQ-U4", "KQ-U5"]
    written = world.session.query(SurveyImport).filter_by(round_id=world.round_.id)
    assert written.count() == 0  # the preview wrote nothing

    survey_import = run(world, data)
    # 5.5 over 4 + 2: 3.666.. and 1.833..; the spare cent to the larger remainder.
    assert points_of(world, "KQ-U1") == [D("3.67"), D("1.83")]
    assert points_of(world, "KQ-U2") == [D("4.00"), D("2.00")]
    assert points_of(world, "KQ-U3") == [D("2.00"), D("1.00")]
    assert points_of(world, "KQ-U4") == [None, None]
    line = world.line("KQ-U1", "2.1.1")
    assert line.approved_by_id == world.organiser.id and line.approved_at is not None
    assert line.appraisal_state == APPRAISAL_APPROVED
    assert (survey_import.kind, survey_import.mode, survey_import.rows) == ("sipas", "points", 3)
    assert survey_import.file_name == "ket_qua.csv"
    stored = {
        r.unit.code: (r.value, r.points, r.import_id)
        for r in world.session.query(SurveyResult).filter_by(round_id=world.round_.id)
    }
    assert stored == {
        "KQ-U1": (D("5.50"), D("5.50"), survey_import.id),
        "KQ-U2": (D("6.00"), D("6.00"), survey_import.id),
        "KQ-U3": (D("3.00"), D("3.00"), survey_import.id),
    }
    compute_results(world.session, world.round_, world.organiser)
    result = (
        world.session.query(UnitResult)
        .filter_by(round_id=world.round_.id, unit_id=world.units["KQ-U1"].id)
        .one()
    )
    assert result.survey_points == D("5.50")


def test_a_good_xlsx_in_percent_mode_converts_to_the_kinds_points(world):
    data = xlsx_bytes(
        [("KQ-U1", 0.85), ("KQ-U2", 50), ("KQ-U3", "91,5%"), ("KQ-U4", "100")],
        percent_cells=[3],  # KQ-U1's cell shows 85,0% and holds 0.85
    )
    run(world, data, mode="percent", name="sipas.xlsx")
    # 85% of 6 = 5.1 -> 3.40 + 1.70; 50% = 3; 91.5% = 5.49 -> 3.66 + 1.83; 100% = 6.
    assert points_of(world, "KQ-U1") == [D("3.40"), D("1.70")]
    assert points_of(world, "KQ-U2") == [D("2.00"), D("1.00")]
    assert points_of(world, "KQ-U3") == [D("3.66"), D("1.83")]
    assert points_of(world, "KQ-U4") == [D("4.00"), D("2.00")]
    values = {
        r.unit.code: (r.value, r.points)
        for r in world.session.query(SurveyResult).filter_by(round_id=world.round_.id)
    }
    assert values["KQ-U1"] == (D("85.00"), D("5.10"))
    assert values["KQ-U3"] == (D("91.50"), D("5.49"))


def test_every_bad_row_is_reported_by_its_line_and_nothing_is_imported(world):
    data = csv_bytes(
        [
            ["Mã đơn vị", "Kết quả"],
            ["KQ-U1", "5"],  # line 2: good
            ["KQ-KHONG-CO", "3"],
            ["KQ-OUT", "3"],
            ["KQ-U1", "4"],
            ["KQ-U2", "khoảng 5"],
            ["KQ-U3", "-1"],
            ["KQ-U4", "6,5"],
            ["", "3"],
            ["KQ-U5", ""],
            ["KQ-U5", "50%"],
        ]
    )
    preview = plan(world, data)
    assert not preview.ok
    messages = {e.line: e.message for e in preview.errors}
    assert sorted(messages) == list(range(3, 12))
    assert "No unit has the code “KQ-KHONG-CO”" in messages[3]
    assert "does not take part in this assessment round" in messages[4]
    assert "is already on line 2" in messages[5]
    assert "“khoảng 5” is not a number" in messages[6]
    assert "cannot be negative" in messages[7]
    assert "over this survey's maximum of 6 points" in messages[8]
    assert "unit code is missing" in messages[9]
    assert "value is missing" in messages[10]
    assert "is a percentage, but the import is in points" in messages[11]
    with pytest.raises(DomainError) as err:
        run(world, data)
    assert len(err.value.errors) == 9
    assert err.value.errors[0].startswith("Line 3 (KQ-KHONG-CO): No unit has the code")
    nothing_imported(world)


def test_a_percentage_over_100_is_reported_and_nothing_is_imported(world):
    data = csv_bytes([["Mã đơn vị", "Tỷ lệ (%)"], ["KQ-U1", "85%"], ["KQ-U2", "100,5"]])
    preview = plan(world, data, mode="percent")
    assert [(e.line, e.code) for e in preview.errors] == [(3, "KQ-U2")]
    assert "over 100%" in preview.errors[0].message
    with pytest.raises(DomainError):
        run(world, data, mode="percent")
    nothing_imported(world)


def _docx_like():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", "The file is empty"),
        (b"\xef\xbb\xbf", "The file is empty"),
        (b"   \r\n\r\n", "The file is empty"),
        ("Mã đơn vị;Kết quả\r\n;\r\n".encode(), "no result rows"),
        (b"Ma;Diem so\r\nKQ-U1;5\r\n", "header line is missing"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "not a spreadsheet"),
        (_docx_like(), "not a spreadsheet"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500), "old Excel 97-2003 file (.xls)"),
        (b"\x00\x01\x02\x03\x00\xff" * 50, "not a spreadsheet"),
        # TCVN3 ("ABC"), a legacy Vietnamese encoding that cannot be told apart from noise.
        (b"M\xb7 \xae\xacn v\xde;K\xd5t qu\xb6\r\nKQ-U1;5\r\n", "not recognised"),
    ],
    ids=["empty", "bom-only", "blank", "header-only", "no-header", "pdf", "docx", "xls",
         "binary", "tcvn3"],
)  # fmt: skip
def test_files_that_cannot_be_used_are_refused_as_a_whole(world, data, expected):
    preview = plan(world, data)
    assert [e.line for e in preview.errors] == [None]
    assert expected in preview.errors[0].message
    with pytest.raises(DomainError):
        run(world, data)
    nothing_imported(world)


def test_a_windows_1258_csv_is_read_right(world):
    lines = [
        ["Mã đơn vị", "Tên đơn vị", "Kết quả"],
        ["KQ-U1", "Xã Đồng Văn", "5,5"],
        ["KQ-U2", "Phường Hưng Lam", "4"],
    ]
    data = legacy_cp1258("\r\n".join(";".join(cells) for cells in lines) + "\r\n")
    assert b"K\xeat qu" not in data and b"\xec" in data and b"\xd2" in data  # combining marks
    run(world, data)
    assert points_of(world, "KQ-U1") == [D("3.67"), D("1.83")]
    assert points_of(world, "KQ-U2") == [D("2.67"), D("1.33")]

    bad = legacy_cp1258("Mã đơn vị;Kết quả\r\nXÃ ĐỒNG VĂN;5\r\n")
    preview = plan(world, bad)
    assert "No unit has the code “XÃ ĐỒNG VĂN”" in preview.errors[0].message
    assert unicodedata.is_normalized("NFC", preview.errors[0].message)


def test_a_utf16_text_file_from_excel_is_read_right(world):
    # Excel's "Unicode Text": UTF-16 little-endian with a byte-order mark, tab-separated.
    lines = [["Mã đơn vị", "Tên đơn vị", "Tỷ lệ (%)"], ["KQ-U3", "Xã Hòa Bình", "50"]]
    data = csv_bytes(lines, encoding="utf-16", delimiter="\t")
    assert data[:2] == b"\xff\xfe"
    run(world, data, mode="percent", name="ket_qua.txt")
    assert points_of(world, "KQ-U3") == [D("2.00"), D("1.00")]


def test_reimporting_replaces_the_previous_import_of_the_kind_and_is_logged(world):
    session = world.session
    # SQLite reuses the ids of deleted rows: only this test's change log counts.
    logged_before = session.query(func.max(AuditEvent.id)).scalar() or 0
    first = run(world, csv_bytes([["Mã đơn vị", "Điểm"], ["KQ-U1", "5,5"], ["KQ-U2", "6"]]))
    second = run(
        world, csv_bytes([["Mã đơn vị", "Điểm"], ["KQ-U1", "3"], ["KQ-U3", "6"]]), name="lan2.csv"
    )
    assert points_of(world, "KQ-U1") == [D("2.00"), D("1.00")]
    assert points_of(world, "KQ-U2") == [None, None]  # the old import's points are gone
    assert world.line("KQ-U2", "2.1.1").appraisal_state == APPRAISAL_PENDING
    assert points_of(world, "KQ-U3") == [D("4.00"), D("2.00")]
    stored = session.query(SurveyResult).filter_by(round_id=world.round_.id, kind="sipas").all()
    assert sorted((r.unit.code, r.points, r.import_id) for r in stored) == [
        ("KQ-U1", D("3.00"), second.id),
        ("KQ-U3", D("6.00"), second.id),
    ]
    imports = session.query(AuditEvent).filter(
        AuditEvent.id > logged_before,
        AuditEvent.entity == "survey_import",
        AuditEvent.entity_id.in_([first.id, second.id]),
    )  # the demo's own imports (last year's round) are not this test's
    logged = [(e.action, e.entity_id, e.user_id) for e in imports.order_by(AuditEvent.id)]
    assert logged == [
        ("import", first.id, world.organiser.id),
        ("reimport", second.id, world.organiser.id),
    ]
    replaced = imports.filter(AuditEvent.action == "reimport").one()
    assert f"#{first.id}" in replaced.old_value and "lan2.csv" in replaced.new_value
    history = {}
    ours = [unit.id for unit in world.units.values()]  # not the demo's own imports
    for event in (
        session.query(AuditEvent)
        .filter(AuditEvent.action == "survey_points", AuditEvent.entity == "unit")
        .filter(AuditEvent.entity_id.in_(ours), AuditEvent.id > logged_before)
        .order_by(AuditEvent.id)
    ):
        history.setdefault(event.entity_id, []).append((event.old_value, event.new_value))
    ids = {code: world.units[code].id for code in ("KQ-U1", "KQ-U2", "KQ-U3")}
    assert history == {
        ids["KQ-U1"]: [(None, "5,5"), ("5,5", "3")],
        ids["KQ-U2"]: [(None, "6"), ("6", None)],
        ids["KQ-U3"]: [(None, "6")],
    }


def test_refused_after_publication_for_other_kinds_and_for_non_organisers(world):
    data = csv_bytes([["Mã đơn vị", "Điểm"], ["KQ-U1", "5"]])
    preview = plan(world, data, kind="officials")
    assert "no survey lines of the kind" in preview.errors[0].message
    world.round_.published_at = world.round_.self_end
    preview = plan(world, data)
    assert "have been published" in preview.errors[0].message
    with pytest.raises(DomainError):
        run(world, data)
    world.round_.published_at = None
    unit_user = world.session.query(type(world.organiser)).filter_by(username="canbo.xa").one()
    preview = plan_survey_import(
        world.session, world.round_, "sipas", "points", data, "x.csv", unit_user
    )
    assert "Only the organiser" in preview.errors[0].message
    nothing_imported(world)
