"""The units x criteria matrix of a round as .xlsx (Bảng tổng hợp điểm theo tiêu chí).

Sheet "Điểm thẩm định": one row per unit (code, name) in rank order, one column per leaf
criterion with its approved points, after each field's criteria the field's subtotal, then
the bonus and penalty lines (outside the field sums, as the results count them), the capped
bonus and penalty, total, applicable maximum, index, grade and rank of the computed results.
Sheet "Điểm tự chấm": the same columns with the self scores, field subtotals and the self total.
Sheet "Ghi chú": what the cells mean.

Four header rows: field titles (merged over the field's columns), criterion titles, maximum
points, codes (with the auto filter); header rows and the two unit columns frozen. Points are
numeric cells with a number format; a not-applicable line is an empty grey cell and a line
not approved yet an empty cell (both count 0 in the subtotals, which are values, not
formulas: the results' own figures). Like the other workbooks of the app, the layout is
Vietnamese whatever the screen language.

Read in a fixed number of queries (the ranking (results_view), the criteria, the lines of the round,
the participating units), written in openpyxl's write-only mode: a province (170 units x 140
criteria) well under 2 s (bench/results_excel.py).
"""

import io
from copy import copy
from dataclasses import dataclass, field
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from sqlalchemy import select

from app.domain.clock import format_local
from app.domain.gap import framework_criteria
from app.domain.grade_counts import full_ranking
from app.domain.results_sql import OUTSIDE_SUMS
from app.domain.text import vi_sort_key
from app.models.criteria import RULE_BONUS, RULE_SURVEY
from app.models.rounds import round_unit
from app.models.scoring import Assessment, ScoreLine
from app.models.units import Unit
from app.reports.document import ascii_filename
from app.reports.tables import XLSX_MIMETYPE, neutralise

__all__ = ["XLSX_MIMETYPE", "matrix_filename", "matrix_xlsx", "load_matrix"]

APPROVED_TITLE, SELF_TITLE, NOTES_TITLE = "Điểm thẩm định", "Điểm tự chấm", "Ghi chú"
HEADER_ROWS = 4
FREEZE = "C5"  # below the header rows, right of the unit's code and name
POINTS_FORMAT = "#,##0.00"
INDEX_FORMAT = "0.00"
RANK_FORMAT = "0"
ZERO = Decimal("0.00")

_BOLD = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDE6F0")
_FIELD_FILL = PatternFill("solid", fgColor="C9D7E8")
_SUBTOTAL_FILL = PatternFill("solid", fgColor="EEF3F8")
_NA_FILL = PatternFill("solid", fgColor="D9D9D9")
_WRAP = Alignment(wrap_text=True, vertical="top")
_CENTRE = Alignment(horizontal="center", vertical="center", wrap_text=True)
_THIN = Side(style="thin", color="A6A6A6")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)


@dataclass
class Column:
    """One column after the unit's code and name."""

    kind: str  # LINE, SUBTOTAL or FIGURE
    code: str
    title: str
    max_points: Decimal | None = None
    criterion_id: int | None = None
    group: int = 0  # index of its Group: a subtotal adds the lines of its group
    survey: bool = False
    number_format: str = POINTS_FORMAT
    figure: str = ""  # for a FIGURE: the ResultRow attribute, or SELF_TOTAL


LINE, SUBTOTAL, FIGURE = "line", "subtotal", "figure"
SELF_TOTAL = "self_total"


@dataclass
class Group:
    """A merged header over consecutive columns (a field, the bonus and penalty, results)."""

    title: str
    columns: list = field(default_factory=list)


@dataclass
class MatrixUnit:
    unit_id: int
    code: str
    name: str
    result: object = None  # results_view.ResultRow, or None before the results are computed
    lines: dict = field(default_factory=dict)  # criterion id -> (self, approved, n/a)


@dataclass
class Matrix:
    round_: object
    groups: list  # [Group] of criteria: each field (lines, subtotal), bonus and penalty
    units: list  # [MatrixUnit] in rank order
    has_outside: bool  # the framework has bonus or penalty lines


def _criteria_groups(session, framework_id):
    """The criteria columns, grouped by field: its leaves then its subtotal; then the bonus
    and penalty lines (outside the field sums) in a group of their own, if any."""
    criteria = framework_criteria(session, framework_id)
    parents = {row.parent_id for row in criteria}
    field_of, fields, outside = {}, {}, []
    for row in criteria:
        field_of[row.id] = field_of.get(row.parent_id, row.id)
        if row.parent_id is None:
            fields[row.id] = (row, [])
        if row.id in parents:
            continue  # a heading
        column = Column(LINE, row.code, row.title, row.max_points, row.id,
                        survey=row.rule == RULE_SURVEY)  # fmt: skip
        if row.rule in OUTSIDE_SUMS:
            column.title += " (điểm thưởng)" if row.rule == RULE_BONUS else " (điểm trừ)"
            outside.append(column)
        else:
            fields[field_of[row.id]][1].append(column)
    groups = []
    for field_row, columns in fields.values():
        maximum = sum((c.max_points for c in columns), ZERO)
        subtotal = Column(SUBTOTAL, f"Cộng {field_row.code}",
                          f"Cộng lĩnh vực {field_row.code}", maximum)  # fmt: skip
        groups.append(Group(f"{field_row.code}. {field_row.title}", [*columns, subtotal]))
    if outside:
        groups.append(Group("Điểm thưởng, điểm trừ", outside))
    for number, group in enumerate(groups):
        for column in group.columns:
            column.group = number
    return groups, bool(outside)


def _units(session, round_):
    """Participating units in rank order (units without a result after, by name)."""
    ranked = full_ranking(session, round_).rows
    results = {row.unit_id: row for row in ranked}
    position = {row.unit_id: n for n, row in enumerate(ranked)}
    rows = session.execute(
        select(Unit.id, Unit.code, Unit.name)
        .join(round_unit, round_unit.c.unit_id == Unit.id)
        .where(round_unit.c.round_id == round_.id)
    ).all()
    units = [MatrixUnit(i, code, name, results.get(i)) for i, code, name in rows]
    units.sort(key=lambda u: (position.get(u.unit_id, len(position)), vi_sort_key(u.name), u.code))
    return units


def load_matrix(session, round_):
    """Everything the workbook shows, in a fixed number of queries."""
    groups, has_outside = _criteria_groups(session, round_.framework_id)
    units = _units(session, round_)
    by_id = {unit.unit_id: unit for unit in units}
    for unit_id, criterion_id, self_points, approved, not_applicable in session.execute(
        select(
            Assessment.unit_id, ScoreLine.criterion_id, ScoreLine.self_points,
            ScoreLine.approved_points, ScoreLine.not_applicable,
        )
        .join(Assessment, ScoreLine.assessment_id == Assessment.id)
        .where(Assessment.round_id == round_.id)
    ):  # fmt: skip
        unit = by_id.get(unit_id)
        if unit is not None:
            unit.lines[criterion_id] = (self_points, approved, bool(not_applicable))
    return Matrix(round_, groups, units, has_outside)


def _figures_group(has_outside, approved):
    """The last group: the computed results (approved sheet) or the self total."""
    if not approved:
        return Group("Tổng hợp", [Column(FIGURE, "Tổng tự chấm", "Tổng điểm tự chấm",
                                         figure=SELF_TOTAL)])  # fmt: skip
    columns = []
    if has_outside:
        columns += [
            Column(FIGURE, "Thưởng", "Điểm thưởng được tính (trong giới hạn)", figure="bonus"),
            Column(FIGURE, "Trừ", "Điểm trừ được tính (trong giới hạn)", figure="penalty"),
        ]
    columns += [
        Column(FIGURE, "Tổng điểm", "Tổng điểm đạt được", figure="total"),
        Column(FIGURE, "Tối đa", "Tổng điểm tối đa áp dụng", figure="applicable_max"),
        Column(FIGURE, "Chỉ số (%)", "Chỉ số CCHC (%)", number_format=INDEX_FORMAT,
               figure="index"),
        Column(FIGURE, "Xếp loại", "Xếp loại", number_format="", figure="grade"),
        Column(FIGURE, "Vị thứ", "Vị thứ", number_format=RANK_FORMAT, figure="rank"),
    ]  # fmt: skip
    return Group("Kết quả", columns)


def _text(value):
    return ILLEGAL_CHARACTERS_RE.sub("", neutralise(str(value)))


class _Cells:
    """Write-only cells of one workbook. Setting a style makes openpyxl hash the style
    objects: done for every cell it costs more than the rest of the file, so each
    combination is set once, on a template cell, and its style ids copied from there."""

    def __init__(self, sheet):
        self.sheet, self.templates = sheet, {}

    def __call__(self, value, font=None, fill=None, alignment=None, number_format=None,
                 border=None):  # fmt: skip
        key = (id(font), id(fill), id(alignment), number_format or "", id(border))
        style = self.templates.get(key)
        if style is None:
            template = WriteOnlyCell(self.sheet)
            for name, given in (("font", font), ("fill", fill), ("alignment", alignment),
                                ("number_format", number_format), ("border", border)):  # fmt: skip
                if given:
                    setattr(template, name, given)
            style = self.templates[key] = template._style
        cell = WriteOnlyCell(self.sheet, value)
        cell._style = copy(style)
        return cell


def _write_header(sheet, cell, groups):
    """The four header rows; each group's title merged over its columns."""
    head = {"font": _BOLD, "fill": _HEADER_FILL, "alignment": _CENTRE, "border": _BOX}
    first = [cell("Lĩnh vực", **head), cell(None, **head)]
    titles = [cell("Tiêu chí", **head), cell(None, **head)]
    maxima = [cell("Điểm tối đa", **head), cell(None, **head)]
    codes = [cell("Mã đơn vị", **head), cell("Tên đơn vị", **head)]
    position = 3
    for group in groups:
        first.append(cell(_text(group.title), _BOLD, _FIELD_FILL, _CENTRE, border=_BOX))
        first += [cell(None, fill=_FIELD_FILL, border=_BOX) for _ in group.columns[1:]]
        end = position + len(group.columns) - 1
        if end > position:
            sheet.merged_cells.add(f"{get_column_letter(position)}1:{get_column_letter(end)}1")
        position = end + 1
        for column in group.columns:
            fill = _HEADER_FILL if column.kind == LINE else _SUBTOTAL_FILL
            titles.append(cell(_text(column.title), fill=fill, alignment=_WRAP, border=_BOX))
            maximum = column.max_points
            maxima.append(cell(maximum, _BOLD, fill, None, POINTS_FORMAT, _BOX))
            codes.append(cell(_text(column.code), _BOLD, fill, _CENTRE, border=_BOX))
    for row in (first, titles, maxima, codes):
        sheet.append(row)
    sheet.row_dimensions[1].height = 48
    sheet.row_dimensions[2].height = 120


def _set_widths(sheet, columns):
    sheet.column_dimensions["A"].width = 12
    sheet.column_dimensions["B"].width = 34
    for number, column in enumerate(columns, start=3):
        width = {LINE: 8, SUBTOTAL: 10}.get(column.kind, 12)
        sheet.column_dimensions[get_column_letter(number)].width = width


def _row_values(unit, columns, approved):
    """(value, column) of one unit's row: its points per line (None: empty), each subtotal
    the sum of its group's values, then the figures."""
    sums, self_total, values = {}, ZERO, []
    for column in columns:
        if column.kind == LINE:
            entry = unit.lines.get(column.criterion_id)
            if entry is None or entry[2]:
                values.append((None if entry is None else NOT_APPLICABLE, column))
                continue
            self_points, approved_points, _na = entry
            value = approved_points if approved else (None if column.survey else self_points)
            if value is not None:
                sums[column.group] = sums.get(column.group, ZERO) + value
                self_total += value
            values.append((value, column))
        elif column.kind == SUBTOTAL:
            values.append((sums.get(column.group, ZERO), column))
        elif column.figure == SELF_TOTAL:
            values.append((self_total, column))
        else:
            result = unit.result
            values.append((None if result is None else getattr(result, column.figure), column))
    return values


NOT_APPLICABLE = object()  # a not-applicable line: an empty grey cell


def _write_sheet(workbook, title, matrix, approved):
    sheet = workbook.create_sheet(title)
    groups = [*matrix.groups, _figures_group(matrix.has_outside, approved)]
    columns = [column for group in groups for column in group.columns]
    _set_widths(sheet, columns)
    sheet.freeze_panes = FREEZE
    cell = _Cells(sheet)
    _write_header(sheet, cell, groups)
    for unit in matrix.units:
        row = [_text(unit.code), _text(unit.name)]
        for value, column in _row_values(unit, columns, approved):
            if value is NOT_APPLICABLE:
                row.append(cell(None, fill=_NA_FILL))
            elif isinstance(value, str):
                row.append(_text(value))
            elif column.kind == SUBTOTAL:
                row.append(cell(value, _BOLD, _SUBTOTAL_FILL, None, POINTS_FORMAT))
            else:
                row.append(
                    None if value is None else cell(value, number_format=column.number_format)
                )
        sheet.append(row)
    last = get_column_letter(len(columns) + 2)
    sheet.auto_filter.ref = f"A{HEADER_ROWS}:{last}{HEADER_ROWS + len(matrix.units)}"


def _write_notes(workbook, matrix):
    sheet = workbook.create_sheet(NOTES_TITLE)
    cell = _Cells(sheet)
    sheet.column_dimensions["A"].width = 24
    sheet.column_dimensions["B"].width = 100
    round_ = matrix.round_
    computed = round_.results_computed_at
    rows = (
        ("Đợt đánh giá", round_.name),
        ("Kết quả tính lúc", format_local(computed) if computed else "Chưa tính kết quả"),
        ("Ô nền xám", "Tiêu chí không áp dụng đối với đơn vị: không tính điểm, không tính"
                      " vào điểm tối đa."),
        ("Ô trống", "Dòng chưa được phê duyệt (sheet điểm thẩm định) hoặc chưa tự chấm: tính"
                    " 0 điểm. Dòng điều tra XHH không tự chấm."),
        ("Cộng lĩnh vực", "Tổng điểm các tiêu chí của lĩnh vực trên cùng dòng (điều tra XHH"
                          " gồm trong lĩnh vực); điểm thưởng, điểm trừ nằm ngoài các lĩnh vực."),
        ("Tổng điểm", "Điểm thẩm định + điều tra XHH + điểm thưởng - điểm trừ (trong giới"
                      " hạn của từng tiêu chí); chỉ số = tổng điểm / điểm tối đa áp dụng."),
        ("Vị thứ", "Các đơn vị cùng chỉ số cùng vị thứ."),
    )  # fmt: skip
    for label, text in rows:
        sheet.append([cell(label, font=_BOLD), cell(_text(text), alignment=_WRAP)])


def matrix_xlsx(session, round_):
    """The units x criteria matrix of `round_` as .xlsx bytes (see the module docstring)."""
    matrix = load_matrix(session, round_)
    workbook = Workbook(write_only=True)
    _write_sheet(workbook, APPROVED_TITLE, matrix, approved=True)
    _write_sheet(workbook, SELF_TITLE, matrix, approved=False)
    _write_notes(workbook, matrix)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def matrix_filename(round_):
    """ "diem-theo-tieu-chi-2026-<round id>.xlsx" """
    return ascii_filename("diem theo tieu chi", round_.year, round_.id)[: -len(".pdf")] + ".xlsx"
