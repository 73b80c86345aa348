"""Exports of the FAB lists (app/views/export.py): the files hold exactly what the list shows.

Each export is opened back (openpyxl, csv) and compared with the rows of the list pages fetched
with the same query string, page after page.
"""

import csv
import datetime
import io
import re
from contextlib import contextmanager
from decimal import Decimal
from html.parser import HTMLParser
from urllib.parse import quote

import pytest
from babel.messages.pofile import read_po
from openpyxl import load_workbook
from sqlalchemy import event

from app.domain.clock import format_local, to_local, utcnow
from app.extensions import db
from app.models import (
    AppUser,
    Assessment,
    Criterion,
    Round,
    ScoreLine,
    Unit,
    UnitType,
    WindowGrant,
)
from app.views import export as export_module
from tests.conftest import ROOT
from tests.helpers import one

UNIT_HEADERS = ["Mã", "Tên", "Loại đơn vị", "Đơn vị cấp trên", "Đang hoạt động"]
TOO_MANY = (
    "The list has more than %(count)s rows, more than an Excel sheet holds: "
    "narrow it with the search filters, or export CSV."
)
LINE_HEADERS = ["Đơn vị - Đợt đánh giá", "Tiêu chí", "Điểm tự chấm", "Không áp dụng",
                "Giải trình", "Người chấm", "Cập nhật lúc"]  # fmt: skip


class _ListTable(HTMLParser):
    """The cells of FAB's list table (table.table-bordered), row by row, as text."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.rows, self.depth, self.row, self.cell = [], 0, None, None

    def handle_starttag(self, tag, attrs):
        classes = dict(attrs).get("class") or ""
        if tag == "table" and "table-bordered" in classes:
            self.depth += 1
        elif self.depth and tag == "tr":
            self.row = []
        elif self.depth and tag == "td" and self.row is not None:
            self.cell = []

    def handle_endtag(self, tag):
        if tag == "table" and self.depth:
            self.depth -= 1
        elif self.depth and tag == "td" and self.cell is not None:
            self.row.append(" ".join("".join(self.cell).split()))
            self.cell = None
        elif self.depth and tag == "tr" and self.row is not None:
            if self.row:
                self.rows.append(self.row)
            self.row = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)


def list_rows(client, view, query="", columns=None, page_size=25):
    """Every row the list shows, walking its pages: the last `columns` cells of each row."""
    rows, page = [], 0
    base = f"/{view.lower()}/list/?{query}&psize_{view}={page_size}"
    while True:
        response = client.get(f"{base}&page_{view}={page}")
        assert response.status_code == 200, response.status_code
        parser = _ListTable()
        parser.feed(response.data.decode())
        if not parser.rows:
            return rows
        rows += [r[-columns:] for r in parser.rows]
        page += 1


def csv_rows(response):
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "text/csv"
    assert response.data.startswith(b"\xef\xbb\xbf"), "UTF-8 with BOM"
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"), newline="")))


def xlsx_sheet(response):
    assert response.status_code == 200, response.status_code
    assert response.data[:2] == b"PK"
    return load_workbook(io.BytesIO(response.data)).active


def xlsx_values(response):
    return [[c.value for c in row] for row in xlsx_sheet(response).iter_rows()]


def vi(msgid):
    """`msgid` as the Vietnamese catalogue has it (the msgid itself until the lead merges
    translations/pending/exports.tsv, where it reads "Xuất Excel", "Xuất CSV")."""
    with open(f"{ROOT}/translations/vi/LC_MESSAGES/messages.po", "rb") as handle:
        message = read_po(handle).get(msgid)
    return message.string if message is not None and message.string else msgid


def text(cells):
    """CSV cells compared with what the list page shows (whitespace collapsed)."""
    return [" ".join(c.split()) for c in cells]


# --- data ---------------------------------------------------------------------------------


def _assessment(session, unit_code, year):
    return (
        session.query(Assessment).join(Unit, Assessment.unit_id == Unit.id)
        .join(Round, Assessment.round_id == Round.id)
        .filter(Unit.code == unit_code, Round.year == year).one()
    )  # fmt: skip


def _lines(session, assessment, prefix):
    return (
        session.query(ScoreLine).join(Criterion, ScoreLine.criterion_id == Criterion.id)
        .filter(ScoreLine.assessment_id == assessment.id, Criterion.code.startswith(prefix))
        .order_by(Criterion.sort_key).all()
    )  # fmt: skip


@pytest.fixture()
def scored_lines(session):
    """Three lines of Phường Bắc Lam's 2026 sheet scored 0,5 / 1 / 0,75 (undone afterwards;
    last year's round is published, its lines stay as they are)."""
    assessment = _assessment(session, "XA010", 2026)
    lines = _lines(session, assessment, "1.")[:3]
    preparer = one(session, AppUser, username="canbo.xa")
    moment = datetime.datetime(2025, 10, 20, 1, 30)  # 08:30 in Hà Nội
    for line, points in zip(lines, ("0.50", "1.00", "0.75"), strict=True):
        line.self_points, line.self_input = Decimal(points), points.replace(".", ",")
        line.preparer_id, line.updated_at = preparer.id, moment
        line.explanation = '=HYPERLINK("http://example.invalid","bấm")'
    session.commit()
    yield assessment, lines, moment
    for line in lines:
        session.refresh(line)
        line.self_points = line.self_input = line.preparer_id = line.updated_at = None
        line.explanation = None
    session.commit()


@contextmanager
def counted_statements(app):
    with app.app_context():
        engine = db.engine
    counter = {"n": 0}

    def count(*args, **kwargs):
        counter["n"] += 1

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield counter
    finally:
        event.remove(engine, "before_cursor_execute", count)


# --- same rows as the list ----------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "",
        "_flt_2_name=Phường",  # text filter: name contains
        "_flt_0_parent={district}",  # related-field filter
        "_flt_0_unit_type={commune_type}&_flt_0_active=y&_oc_UnitView=code&_od_UnitView=desc",
    ],
)
def test_unit_export_has_the_rows_of_the_list_pages(session, admin_client, query):
    district = session.query(Unit).filter(Unit.children.any(), Unit.parent_id.isnot(None)).first()
    commune_type = one(session, UnitType, code="XA")
    query = query.format(district=district.id, commune_type=commune_type.id)
    shown = list_rows(admin_client, "UnitView", query, columns=len(UNIT_HEADERS))
    assert shown, "the filter must leave rows to compare"
    rows = csv_rows(admin_client.get(f"/unitview/export/csv?{query}"))
    assert rows[0] == UNIT_HEADERS
    assert [text(r) for r in rows[1:]] == shown
    values = xlsx_values(admin_client.get(f"/unitview/export/xlsx?{query}"))
    assert values[0] == UNIT_HEADERS
    assert [[v or "" for v in row] for row in values[1:]] == shown


def test_a_filter_narrows_the_export_like_the_list(session, admin_client):
    everything = csv_rows(admin_client.get("/unitview/export/csv"))[1:]
    wards = csv_rows(admin_client.get("/unitview/export/csv?_flt_2_name=Phường"))[1:]
    assert 0 < len(wards) < len(everything)
    assert all("Phường" in name for _, name, *_ in wards)
    assert len(everything) == session.query(Unit).count()


def test_score_line_export_follows_the_related_and_text_filters(
    session, organiser_client, scored_lines
):
    assessment, lines, _ = scored_lines
    query = f"_flt_0_assessment={assessment.id}&_flt_0_criterion=1."
    shown = list_rows(organiser_client, "ScoreLineView", query, len(LINE_HEADERS), page_size=5)
    expected = len(_lines(session, assessment, "1."))
    assert len(shown) == expected > 5, "more than one page of the list"
    rows = csv_rows(organiser_client.get(f"/scorelineview/export/csv?{query}"))
    assert rows[0] == LINE_HEADERS
    # The list shows the explanation as typed; the file neutralises the leading "=".
    assert [text(r) for r in rows[1:]] == [
        [cell if cell[:1] != "=" else "'" + cell for cell in row] for row in shown
    ]
    preparer = one(session, AppUser, username="canbo.xa").get_full_name()
    assert rows[1][2] == "0,5" and rows[1][5] == preparer


def test_numbers_and_dates_are_typed_cells_in_excel(session, organiser_client, scored_lines):
    assessment, lines, moment = scored_lines
    query = f"_flt_0_assessment={assessment.id}&_flt_0_criterion=1."
    sheet = xlsx_sheet(organiser_client.get(f"/scorelineview/export/xlsx?{query}"))
    header = [c.value for c in sheet[1]]
    assert header == LINE_HEADERS
    assert sheet[1][0].font.bold and sheet.freeze_panes == "A2"
    points, updated = header.index("Điểm tự chấm"), header.index("Cập nhật lúc")
    scored = [row for row in sheet.iter_rows(min_row=2) if row[points].value is not None]
    assert [r[points].value for r in scored] == [0.5, 1, 0.75]
    assert all(r[points].data_type == "n" for r in scored)
    assert [r[points].number_format for r in scored] == ["0.0", "0", "0.00"]
    local = to_local(moment).replace(tzinfo=None)
    assert {r[updated].value for r in scored} == {local}
    assert scored[0][updated].number_format == "dd/mm/yyyy hh:mm"
    assert scored[0][updated].is_date
    # CSV: the way the list writes them.
    rows = csv_rows(organiser_client.get(f"/scorelineview/export/csv?{query}"))
    assert [r[2] for r in rows[1:4]] == ["0,5", "1", "0,75"]
    assert rows[1][6] == format_local(moment) == "20/10/2025 08:30"


def test_a_unit_user_exports_only_their_unit(session, client_as):
    staff = client_as("canbo.xa")
    own = one(session, Unit, code="XA001")
    other = _assessment(session, "XA002", 2026)
    lines = csv_rows(staff.get("/scorelineview/export/csv"))[1:]
    own_count = (
        session.query(ScoreLine).join(Assessment, ScoreLine.assessment_id == Assessment.id)
        .filter(Assessment.unit_id == own.id).count()
    )  # fmt: skip
    assert len(lines) == own_count > 0
    assert {r[0].split(" - ")[0] for r in lines} == {own.name}
    assessments = xlsx_values(staff.get("/assessmentview/export/xlsx"))[1:]
    assert assessments and {r[1] for r in assessments} == {own.name}
    # Filtering on another unit's assessment finds nothing rather than its lines.
    leaked = csv_rows(staff.get(f"/scorelineview/export/csv?_flt_0_assessment={other.id}"))
    assert leaked[1:] == []
    units = csv_rows(staff.get("/unitview/export/csv"))[1:]
    assert other.unit.name not in {r[1] for r in units}


def test_a_formula_like_unit_name_is_neutralised(session, admin_client):
    unit_type = one(session, UnitType, code="XA")
    unit = Unit(code="=1+2", name='=HYPERLINK("http://example.invalid","Xã lạ")',
                unit_type_id=unit_type.id, active=False)  # fmt: skip
    session.add(unit)
    session.commit()
    try:
        query = f"_flt_3_code={quote(unit.code)}"
        response = admin_client.get(f"/unitview/export/csv?{query}")
        rows = csv_rows(response)
        assert rows[1][:2] == ["'=1+2", "'" + unit.name]
        # RFC 4180 on the wire: CRLF, fields with quotes or commas quoted, quotes doubled.
        assert response.data.decode("utf-8-sig").split("\r\n")[1] == (
            '\'=1+2,"\'=HYPERLINK(""http://example.invalid"",""Xã lạ"")",UBND cấp xã,,Không'
        )
        sheet = xlsx_sheet(admin_client.get(f"/unitview/export/xlsx?{query}"))
        cells = list(sheet.iter_rows(min_row=2))[0]
        assert [c.data_type for c in cells[:2]] == ["s", "s"]
        assert cells[1].value == "'" + unit.name
    finally:
        session.delete(unit)
        session.commit()


def test_the_file_name_carries_the_vietnamese_title_and_the_date(admin_client):
    today = to_local(utcnow()).strftime("%d-%m-%Y")
    for fmt in ("xlsx", "csv"):
        disposition = admin_client.get(f"/unitview/export/{fmt}").headers["Content-Disposition"]
        assert disposition.startswith("attachment;")
        assert f'filename="Don_vi_{today}.{fmt}"' in disposition
        assert f"filename*=UTF-8''{quote(f'Đơn vị {today}.{fmt}')}" in disposition
    lines = admin_client.get("/scorelineview/export/csv").headers["Content-Disposition"]
    assert quote("Dòng chấm điểm") in lines


def test_anonymous_and_users_without_the_list_are_refused(anon_client, viewer_client):
    for url in ("/unitview/export/csv", "/scorelineview/export/xlsx"):
        response = anon_client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"]
        # The viewer may not open these lists: the export answers as the list does.
        list_url = url.split("/export/")[0] + "/list/"
        assert viewer_client.get(list_url).status_code == 403
        assert viewer_client.get(url).status_code == 403
    # A list the viewer may read: exported.
    assert csv_rows(viewer_client.get("/frameworkview/export/csv"))[0][0] == "Mã"


def test_unknown_format_is_not_found(admin_client):
    assert admin_client.get("/unitview/export/pdf").status_code == 404


# --- the buttons --------------------------------------------------------------------------


def _export_links(response):
    return re.findall(r'href="([^"]*/export/(?:xlsx|csv)[^"]*)"', response.data.decode())


def test_the_list_buttons_carry_the_current_filters_and_order(admin_client, session):
    query = "_flt_2_name=Phường&_oc_UnitView=code&_od_UnitView=desc"
    page = admin_client.get(f"/unitview/list/?{query}&page_UnitView=1&psize_UnitView=5")
    body = page.data.decode()
    assert vi("Export Excel") in body and vi("Export CSV") in body
    links = [link.replace("&amp;", "&") for link in _export_links(page)]
    assert len(links) == 2 and all("page_UnitView" not in link for link in links)
    rows = csv_rows(admin_client.get(links[1]))[1:]
    codes = [r[0] for r in rows]
    assert codes == sorted(codes, reverse=True) and all("Phường" in r[1] for r in rows)
    assert len(rows) > 5, "all pages, not the page shown"


def test_a_related_list_exports_the_rows_of_its_parent(admin_client, session):
    framework = session.query(Round).first().framework
    page = admin_client.get(f"/frameworkview/show/{framework.id}")
    links = [link.replace("&amp;", "&") for link in _export_links(page)]
    criteria = [link for link in links if "criterionview/export/csv" in link]
    assert criteria == [f"/criterionview/export/csv?_flt_0_framework={framework.id}"]
    rows = csv_rows(admin_client.get(criteria[0]))[1:]
    assert len(rows) == session.query(Criterion).filter_by(framework_id=framework.id).count()


def test_fab_security_lists_have_no_export_buttons(client_as):
    # FAB's own security lists are not AppModelViews: no export route, no button.
    page = client_as("admin").get("/users/list/")
    assert page.status_code == 200 and _export_links(page) == []


# --- queries ------------------------------------------------------------------------------


def test_score_line_queries_grow_with_batches_not_rows(app, session, organiser_client, monkeypatch):
    monkeypatch.setattr(export_module.ExportMixin, "export_batch_size", 500)
    total = session.query(ScoreLine).count()
    assert total > 2000
    with counted_statements(app) as statements:
        rows = csv_rows(organiser_client.get("/scorelineview/export/csv"))
    assert len(rows) - 1 == total
    batches = -(-total // 500)
    # A few statements per batch (lines, their assessments and criteria, the preparers).
    assert statements["n"] <= 10 + 6 * batches, (statements["n"], batches)


@pytest.fixture()
def many_grants(session):
    """A past, harmless extension for each unit of the 2025 round (removed afterwards)."""
    round_ = session.query(Round).filter_by(year=2025).one()
    grants = [
        WindowGrant(round_id=round_.id, unit_id=unit.id, window="supplement",
                    until=datetime.datetime(2025, 1, 1), reason="Kiểm thử xuất danh sách",
                    granted_at=datetime.datetime(2024, 12, 1))
        for unit in round_.units
    ]  # fmt: skip
    session.add_all(grants)
    session.commit()
    yield grants
    for grant in grants:
        session.delete(grant)
    session.commit()


def test_related_columns_are_loaded_once_per_batch(app, organiser_client, many_grants):
    with counted_statements(app) as statements:
        rows = csv_rows(organiser_client.get("/windowgrantview/export/csv"))
    assert len(rows) - 1 == len(many_grants) > 30
    assert {r[1] for r in rows[1:]} == {str(g.unit) for g in many_grants}
    # The grants, their rounds, their units (and what those show): not one query per grant.
    assert statements["n"] <= 15, statements["n"]


def test_a_filter_that_does_not_exist_is_refused_not_a_crash(admin_client):
    for fmt in ("csv", "xlsx"):
        assert admin_client.get(f"/unitview/export/{fmt}?_flt_7_active=y").status_code == 400


def test_a_collection_column_lists_its_rows_in_one_cell(app, session, admin_client, monkeypatch):
    view = next(v for v in app.appbuilder.baseviews if type(v).__name__ == "RoundView")
    monkeypatch.setattr(view, "export_columns", [*view.list_columns, "units"])
    rows = csv_rows(admin_client.get("/roundview/export/csv"))
    assert rows[0][-1] == "Đơn vị tham gia"
    for row in rows[1:]:
        round_ = one(session, Round, name=row[0])
        assert sorted(row[-1].split("; ")) == sorted(u.name for u in round_.units)


def test_more_rows_than_an_excel_sheet_holds_goes_back_to_the_list(admin_client, monkeypatch):
    from app.reports import tables

    monkeypatch.setattr(tables, "MAX_ROWS", 6)  # a header and five rows
    response = admin_client.get("/unitview/export/xlsx?_flt_2_name=Phường")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/unitview/list/?_flt_2_name=Ph%C6%B0%E1%BB%9Dng")
    page = admin_client.get(response.headers["Location"])
    assert vi(TOO_MANY) % {"count": "5"} in page.data.decode()
    # CSV has no such limit.
    assert len(csv_rows(admin_client.get("/unitview/export/csv?_flt_2_name=Phường"))) > 6
