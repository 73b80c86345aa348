"""The results reports over HTTP, on the province of tests/web/results_reports_world.py:
the announcement PDF (its whole text extracted exactly, ties sharing a rank, the draft mark,
the organiser's letterhead, who may download it), the units x criteria Excel (opened with
openpyxl) and the gap analysis page and PDF (who may see which unit's).

Fixed strings are msgids: `shown` asks the app's catalogue what the Vietnamese document
prints and, once translations/pending/results_reports.tsv is merged, that it is exactly the
Vietnamese given here.
"""

import io
import os
import re
import shutil
import subprocess
import unicodedata
from decimal import Decimal

import pytest
from flask_babel import force_locale, gettext
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from app.models import UnitResult
from tests.conftest import ARTIFACTS
from tests.web.results_reports_world import (
    ROUND_NAME,
    YEAR,
    committed_world,
    set_published,
)

ARTIFACT_DIR = os.path.join(ARTIFACTS, "results_reports")
FIELD_TITLES = (
    "1. Công tác chỉ đạo, điều hành cải cách hành chính; 2. Cải cách thủ tục hành chính;"
    " 3. Cải cách tổ chức bộ máy hành chính; 4. Tác động của cải cách hành chính."
)
# rank, unit, points, index, grade, field indexes: worked out in results_reports_world.py.
RANKING = [
    "1 Phường Đông Hòa 19,5 97,50 Xuất sắc 100,00 100,00 100,00 91,67",
    "2 Xã Ân Thịnh 18 90,00 Xuất sắc 87,50 91,67 87,50 83,33",
    "2 Xã Bình Minh 18 90,00 Tốt 100,00 100,00 50,00 100,00",
    "3 Phường Ngọc Trạo 15 83,33 Tốt 75,00 83,33 100,00 75,00",
    "4 Xã Đồng Tâm 13 65,00 Trung bình 50,00 66,67 75,00 66,67",
    "5 Xã Quảng Phú 8 40,00 Yếu 25,00 33,33 50,00 50,00",
]


@pytest.fixture(autouse=True)
def _poppler():
    if not shutil.which("pdftotext") or not shutil.which("pdftoppm"):
        pytest.fail("poppler-utils is not installed: run `make system-deps`.", pytrace=False)


@pytest.fixture(scope="module")
def world(app, test_engine):
    os.makedirs(ARTIFACT_DIR, exist_ok=True)
    with committed_world(test_engine) as built:
        yield built


@pytest.fixture()
def published(world, test_engine):
    """This year's round published for the test, withdrawn afterwards."""
    with Session(test_engine) as s:
        set_published(s, world, True)
    try:
        yield world
    finally:
        with Session(test_engine) as s:
            set_published(s, world, False)


def shown(app, msgid, vietnamese=None, **values):
    """What the documents print for `msgid` in the default locale (vi); like the templates'
    _(), always %-formatted ("Index (%%)" prints "Index (%)")."""
    with app.test_request_context(), force_locale("vi"):
        text = gettext(msgid) % values
        if vietnamese is not None and gettext(msgid) != msgid:
            assert gettext(msgid) == vietnamese, f"catalogue translates {msgid!r} differently"
    return text


def pdf_text(data, name):
    """The PDF's text in drawing order, every run of white space one space, NFC."""
    path = os.path.join(ARTIFACT_DIR, name)
    with open(path, "wb") as handle:
        handle.write(data)
    out = subprocess.run(["pdftotext", "-raw", path, "-"], capture_output=True, check=True,
                         timeout=60)  # fmt: skip
    text = unicodedata.normalize("NFC", out.stdout.decode("utf-8"))
    return re.sub(r"\s+", " ", text).strip()


def render_pages(name):
    """pdftoppm the saved PDF into PNG pages (tests/artifacts/results_reports/), to look at."""
    stem = os.path.join(ARTIFACT_DIR, name.removesuffix(".pdf"))
    subprocess.run(["pdftoppm", "-r", "70", "-png", stem + ".pdf", stem], check=True,
                   timeout=120)  # fmt: skip
    return sorted(f for f in os.listdir(ARTIFACT_DIR) if f.startswith(os.path.basename(stem) + "-"))


def announcement_text(app, world, day, number="", draft=False, signer=""):
    """The announcement's whole text, as the PDF must print it."""
    s = lambda msgid, vi=None, **v: shown(app, msgid, vi, **v)  # noqa: E731
    parts = [
        s("Page %(number)s/%(count)s", "Trang %(number)s/%(count)s", number=1, count=1),
        "UBND TỈNH SÔNG LAM", "SỞ NỘI VỤ",
        s("SOCIALIST REPUBLIC OF VIET NAM", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"),
        s("Independence - Freedom - Happiness", "Độc lập - Tự do - Hạnh phúc"),
        s("No.: %(number)s", "Số: %(number)s", number=number or "/TB-SNV"),
        s("%(place)s, day %(day)s month %(month)s year %(year)s",
          "%(place)s, ngày %(day)s tháng %(month)s năm %(year)s", place="Sông Lam", day=day,
          month="12", year=YEAR),
        s("ANNOUNCEMENT", "THÔNG BÁO"),
        s("Results of the assessment and grading of the administrative reform index of"
          " %(year)s", "Kết quả đánh giá, xếp loại Chỉ số CCHC năm %(year)s", year=YEAR),
        ROUND_NAME,
    ]  # fmt: skip
    if draft:
        parts.append(s("DRAFT: these results have not been published",
                       "DỰ THẢO: kết quả chưa được công bố"))  # fmt: skip
    parts += [
        s("Based on the self-assessment of the units, the appraisal, the verification by the"
          " appraisal council and the results of the sociological survey, %(organiser)s"
          " announces the results of the assessment and grading of the administrative reform"
          " index of %(year)s of %(count)s units as follows:",
          "Căn cứ kết quả tự đánh giá của các đơn vị, kết quả thẩm định, thẩm tra của Hội đồng"
          " thẩm định và kết quả điều tra xã hội học, %(organiser)s thông báo kết quả đánh"
          " giá, xếp loại Chỉ số CCHC năm %(year)s của %(count)s đơn vị như sau:",
          organiser="Sở Nội vụ", year=YEAR, count=6),
        s("Rank", "Xếp hạng"), s("Unit", "Đơn vị"), s("Points achieved", "Điểm đạt được"),
        s("Index (%%)", "Chỉ số (%%)"), s("Grade", "Xếp loại"),
        s("Component index per field (%%)", "Chỉ số thành phần theo lĩnh vực (%%)"),
        "1 2 3 4", *RANKING,
        f"{s('Fields:', 'Lĩnh vực:')} {FIELD_TITLES}",
        s("Grades:", "Xếp loại:") + " " + "; ".join(
            s("%(grade)s: %(count)s units", "%(grade)s: %(count)s đơn vị", grade=g, count=n)
            for g, n in (("Xuất sắc", 2), ("Tốt", 2), ("Khá", 0), ("Trung bình", 1), ("Yếu", 1))
        ) + ".",
        s("Recipients:", "Nơi nhận:"),
        "- " + s("%(name)s (to report);", "%(name)s (để báo cáo);", name="UBND tỉnh Sông Lam"),
        "- " + s("The assessed units;", "Các đơn vị được đánh giá;"),
        "- " + s("Filed: records, %(code)s.", "Lưu: VT, %(code)s.", code="SNV"),
        s("p.p. DIRECTOR", "KT. GIÁM ĐỐC"), s("DEPUTY DIRECTOR", "PHÓ GIÁM ĐỐC"),
    ]  # fmt: skip
    if signer:
        parts.append(signer)
    return re.sub(r"\s+", " ", " ".join(parts)).strip()


def test_published_announcement_extracts_exactly(app, client_as, anon_client, published):
    world = published
    public = anon_client.get(f"/cong-bo/{world.round_id}/").data.decode("utf-8")
    assert f'href="/thong-bao-ket-qua/{world.round_id}.pdf"' in public
    response = anon_client.get(f"/thong-bao-ket-qua/{world.round_id}.pdf")
    assert response.status_code == 200, response.data[:300]
    assert response.mimetype == "application/pdf"
    assert "attachment;" in response.headers["Content-Disposition"]
    text = pdf_text(response.data, "announcement.pdf")
    # The publication's date (08/12, local time), a blank number for the office to stamp.
    assert text == announcement_text(app, world, day="08")
    assert "■" not in text and "\ufffd" not in text
    pages = render_pages("announcement.pdf")
    assert pages, "no page rendered"
    # Anyone gets the same, frozen document; a logged-in viewer too.
    viewer = client_as("xem").get(f"/thong-bao-ket-qua/{world.round_id}.pdf")
    assert pdf_text(viewer.data, "announcement_viewer.pdf") == text


def test_the_organiser_fills_in_the_letterhead_of_a_draft(app, client_as, world):
    organiser = client_as("tochuc")
    query = {"number": "125/TB-SNV", "date": "10/12/2045", "signer_name": "Nguyễn Văn Minh"}
    response = organiser.get(f"/thong-bao-ket-qua/{world.round_id}.pdf", query_string=query)
    assert response.status_code == 200, response.data[:300]
    text = pdf_text(response.data, "announcement_draft.pdf")
    expected = announcement_text(app, world, day="10", number="125/TB-SNV", draft=True,
                                 signer="Nguyễn Văn Minh")  # fmt: skip
    assert text == expected
    render_pages("announcement_draft.pdf")


def test_a_bad_date_keeps_what_was_typed(app, client_as, world):
    organiser = client_as("tochuc")
    query = {"number": "125/TB-SNV", "date": "31/02/2045", "signer_name": "Trần Thị Hoa"}
    response = organiser.get(f"/thong-bao-ket-qua/{world.round_id}.pdf", query_string=query)
    assert response.status_code == 302
    page = organiser.get(response.headers["Location"])
    html = page.data.decode("utf-8")
    message = shown(app, "The date “%(text)s” is not a date: write it as dd/mm/yyyy.",
                    "Ngày “%(text)s” không hợp lệ: ghi theo dạng dd/mm/yyyy.",
                    text="31/02/2045")  # fmt: skip
    assert message in html
    assert 'value="125/TB-SNV"' in html and 'value="Trần Thị Hoa"' in html
    assert 'value="31/02/2045"' in html


def test_before_publication_only_the_organiser_side_gets_the_announcement(
    client_as, anon_client, world
):
    url = f"/thong-bao-ket-qua/{world.round_id}.pdf"
    assert anon_client.get(url).status_code == 404
    assert anon_client.get("/thong-bao-ket-qua/999999.pdf").status_code == 404
    for username in ("xem", "lanhdao.xa", "rr.lead2"):
        assert client_as(username).get(url).status_code == 404, username
    assert client_as("hoidong").get(url).status_code == 200


def test_only_the_organiser_side_fills_in_the_letterhead(app, client_as, published):
    """Nobody else prints an "official" announcement with a number or a name of their own."""
    url = f"/thong-bao-ket-qua/{published.round_id}.pdf"
    forged = {"number": "999/TB-SNV", "signer_name": "Kẻ Mạo Danh", "date": "01/01/2046"}
    response = client_as("rr.lead2").get(url, query_string=forged)
    assert response.status_code == 200
    text = pdf_text(response.data, "announcement_forged.pdf")
    assert text == announcement_text(app, published, day="08")
    assert "999/TB-SNV" not in text and "Kẻ Mạo Danh" not in text


# --- the units x criteria matrix ------------------------------------------------------------

LEAF_COLUMNS = ["1.1", "1.2", "Cộng 1", "2.1", "2.2", "Cộng 2", "3.1", "3.2", "Cộng 3", "4.1",
                "Cộng 4", "1.3"]  # fmt: skip
RESULT_COLUMNS = ["Thưởng", "Trừ", "Tổng điểm", "Tối đa", "Chỉ số (%)", "Xếp loại", "Vị thứ"]


def _matrix(client, world):
    response = client.get(f"/bao-cao-ket-qua/{world.round_id}/diem-theo-tieu-chi.xlsx")
    assert response.status_code == 200, response.data[:300]
    assert response.mimetype.endswith("spreadsheetml.sheet")
    with open(os.path.join(ARTIFACT_DIR, "matrix.xlsx"), "wb") as handle:
        handle.write(response.data)
    return load_workbook(io.BytesIO(response.data))


def _rows(sheet):
    return [[cell.value for cell in row] for row in sheet.iter_rows(min_row=5)]


def test_matrix_values_subtotals_and_layout(client_as, test_engine, world):
    book = _matrix(client_as("tochuc"), world)
    assert book.sheetnames == ["Điểm thẩm định", "Điểm tự chấm", "Ghi chú"]
    sheet = book["Điểm thẩm định"]
    header = [c.value for c in sheet[4]]
    assert header == ["Mã đơn vị", "Tên đơn vị", *LEAF_COLUMNS, *RESULT_COLUMNS]
    # Field titles merged over their criteria and subtotal; maxima as numbers.
    merged = {str(r) for r in sheet.merged_cells.ranges}
    assert {"C1:E1", "F1:H1", "I1:K1", "L1:M1"} <= merged
    assert sheet["C1"].value == "1. Công tác chỉ đạo, điều hành cải cách hành chính"
    assert [sheet.cell(3, c).value for c in range(3, 15)] == [
        2,
        2,
        4,
        3,
        3,
        6,
        2,
        2,
        4,
        6,
        6,
        1,
    ]
    assert sheet.freeze_panes == "C5"
    assert sheet.auto_filter.ref == "A4:U10"
    rows = _rows(sheet)
    assert [r[0] for r in rows] == ["RR-01", "RR-02", "RR-03", "RR-04", "RR-05", "RR-06"]
    # RR-02: 2, 1,5 | 3, 2,5 | 2, 1,5 | 5 | bonus 0,5; total 18, index 90, Xuất sắc, rank 2.
    assert rows[1] == [
        "RR-02", "Xã Ân Thịnh", 2, 1.5, 3.5, 3, 2.5, 5.5, 2, 1.5, 3.5, 5, 5, 0.5,
        0.5, 0, 18, 20, 90, "Xuất sắc", 2,
    ]  # fmt: skip
    # RR-04: 1.2 not applicable: an empty grey cell, out of the subtotal; 15/18.
    na = sheet.cell(8, 4)
    assert na.value is None and na.fill.fgColor.rgb.endswith("D9D9D9")
    assert rows[3][2:5] == [1.5, None, 1.5] and rows[3][16:19] == [15, 18, 83.33]
    # Ties share a rank; subtotals are the sums of their criteria and the field results.
    assert [r[-1] for r in rows] == [1, 2, 2, 3, 4, 5]
    with Session(test_engine) as s:
        stored = {
            (result.unit_id, criterion_id): figures.points
            for result in s.query(UnitResult).filter(UnitResult.round_id == world.round_id)
            for criterion_id, figures in result.fields.items()
        }
    spans = {"1": ((2, 3), 4), "2": ((5, 6), 7), "3": ((8, 9), 10), "4": ((11,), 12)}
    for row in rows:
        unit_id = world.units[row[0]]
        for code, (leaf_columns, at) in spans.items():
            leaves = [row[i] for i in leaf_columns if row[i] is not None]
            subtotal = row[at]
            assert Decimal(str(subtotal)) == sum(Decimal(str(v)) for v in leaves), (row, code)
            assert Decimal(str(subtotal)) == stored[(unit_id, world.criteria[code])]
    # Numbers are numeric cells with a number format, never text.
    for cell in sheet[6][2:19]:
        if cell.value is not None and cell.column != 20:
            assert cell.data_type == "n", (cell.coordinate, cell.value)
    assert sheet.cell(6, 3).number_format == "#,##0.00"
    assert sheet.cell(6, 19).number_format == "0.00"
    # The self scores: approved + 0,25 (capped at the maximum); survey lines never self-scored.
    own = _rows(book["Điểm tự chấm"])[1]
    assert own[:14] == ["RR-02", "Xã Ân Thịnh", 2, 1.75, 3.75, 3, 2.75, 5.75, 2, 1.75, 3.75,
                        None, 0, 0.75]  # fmt: skip
    assert own[14] == 14 and book["Điểm tự chấm"].freeze_panes == "C5"


def test_only_the_organiser_side_downloads_the_matrix(app, client_as, published):
    url = f"/bao-cao-ket-qua/{published.round_id}/diem-theo-tieu-chi.xlsx"
    assert client_as("hoidong").get(url).status_code == 200
    for username in ("xem", "rr.lead2"):
        response = client_as(username).get(url)
        assert response.status_code == 302, username
        assert b"PK" not in response.data[:2]


# --- the gap analysis -------------------------------------------------------------------------


def _cells(html, row_id):
    """The texts of the cells of the table row `data-code="<row_id>"`, tags stripped."""
    row = re.search(rf'<tr data-code="{re.escape(row_id)}">(.*?)</tr>', html, re.S).group(1)
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", c)).strip() for c in cells]


def test_gap_page_of_a_merged_unit(app, client_as, world):
    """RR-05 (Xã Đồng Tâm), formed from RR-P1 and RR-P2: against the maximum, the best units
    (the top 10% of 6 units: RR-01 alone, 97,50%) and last year (both former communes)."""
    url = f"/bao-cao-ket-qua/{world.round_id}/phan-tich/{world.units['RR-05']}/"
    response = client_as("tochuc").get(url)
    assert response.status_code == 200, response.data[:300]
    html = response.data.decode("utf-8")
    # code, title, maximum, points, (bar), lost, best units, rate, last year, change
    # 1.1: 1 of 2; RR-01 has 2; last year (1 + 2) / (2 + 2) = 75% -> 50%: -25,00.
    assert _cells(html, "1.1") == ["1.1", "Tiêu chí thử 1.1", "2", "1", "", "1", "2", "50,00",
                                   "75,00", "-25,00"]  # fmt: skip
    # 4.1 (survey): 4 of 6, RR-01 5,5; last year (4 + 4) / 12 = 66,67%, the same now.
    note = shown(app, "Sociological survey", "Điều tra xã hội học")
    assert _cells(html, "4.1") == ["4.1", f"Tiêu chí thử 4.1 ({note})", "6", "4", "", "2",
                                   "5,5", "66,67", "66,67", "0,00"]  # fmt: skip
    losses = re.search(r'id="gap-losses">(.*?)</table>', html, re.S).group(1)
    codes = re.findall(r"<tr><td>([\d.]+)</td>", losses)
    assert codes == ["4.1", "1.1", "1.2", "2.1", "2.2", "3.1", "3.2"]
    assert "13 / 20" in html and "65,00%" in html and "4/6" in html
    assert "70,00%" in html and "-5,00" in html  # last year's pooled index and the change
    assert "/static/results_reports.css" in html and "cdn" not in html.lower()


def test_gap_pdf_extracts_its_figures(app, client_as, world):
    url = f"/bao-cao-ket-qua/{world.round_id}/phan-tich/{world.units['RR-02']}.pdf"
    response = client_as("hoidong").get(url)
    assert response.status_code == 200, response.data[:300]
    assert "attachment;" in response.headers["Content-Disposition"]
    text = pdf_text(response.data, "gap.pdf")
    for item in (
        "UBND TỈNH SÔNG LAM", "SỞ NỘI VỤ",
        shown(app, "SOCIALIST REPUBLIC OF VIET NAM", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"),
        ROUND_NAME, "Xã Ân Thịnh", "18 / 20", "90,00%", "2/6",
        # field 1: 3,5 of 4 = 87,50%, the best units 100,00%, last year 75,00%: +12,50
        "1 Công tác chỉ đạo, điều hành cải cách hành chính 3,5 4 87,50 100,00 75,00 +12,50",
        # 2.2: 2,5 of 3, RR-01 3, 83,33% against 66,67%: +16,66 (the printed rates' difference)
        "2.2 Tiêu chí thử 2.2 3 2,5 0,5 3 83,33 66,67 +16,66",
    ):  # fmt: skip
        assert item in text, item
    assert "■" not in text and "\ufffd" not in text
    assert render_pages("gap.pdf")


def test_who_sees_which_gap_analysis(app, client_as, world, test_engine):
    own = f"/bao-cao-ket-qua/{world.round_id}/phan-tich/{world.units['RR-02']}/"
    other = f"/bao-cao-ket-qua/{world.round_id}/phan-tich/{world.units['RR-03']}/"
    leader = client_as("rr.lead2")
    # Before publication: the unit is told why, other units do not exist.
    response = leader.get(own)
    assert response.status_code == 302
    html = leader.get(response.headers["Location"]).data.decode("utf-8")
    assert shown(app, "The results of this round have not been published yet.") in html
    assert leader.get(other).status_code == 404
    assert leader.get(own.rstrip("/") + ".pdf").status_code == 302
    for username in ("xem", "lanhdao.xa"):
        assert client_as(username).get(own).status_code == 404, username
    assert client_as("hoidong").get(other).status_code == 200
    with Session(test_engine) as s:
        set_published(s, world, True)
    try:
        assert leader.get(own).status_code == 200
        assert leader.get(own.rstrip("/") + ".pdf").status_code == 200
        assert leader.get(other).status_code == 404
        assert leader.get(other.rstrip("/") + ".pdf").status_code == 404
        assert client_as("xem").get(own).status_code == 404
        page = leader.get(f"/bao-cao-ket-qua/{world.round_id}/").data.decode("utf-8")
        assert 'id="own-gap"' in page and 'id="matrix-download"' not in page
    finally:
        with Session(test_engine) as s:
            set_published(s, world, False)


def test_reports_page_of_the_organiser(client_as, world):
    client = client_as("tochuc")
    listing = client.get("/bao-cao-ket-qua/").data.decode("utf-8")
    assert ROUND_NAME in listing
    page = client.get(f"/bao-cao-ket-qua/{world.round_id}/").data.decode("utf-8")
    for marker in ('id="announcement-download"', 'name="signer_name"', 'id="matrix-download"',
                   "Xã Quảng Phú"):  # fmt: skip
        assert marker in page, marker
    # Before publication the round is unknown to those who see published results only.
    assert client_as("xem").get(f"/bao-cao-ket-qua/{world.round_id}/").status_code == 404
    assert ROUND_NAME not in client_as("xem").get("/bao-cao-ket-qua/").data.decode("utf-8")
