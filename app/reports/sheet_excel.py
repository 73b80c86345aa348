"""A unit's score sheet as an .xlsx workbook to fill offline, and reading it back.

One row per criterion in tree order: headings (fields, criteria with children) in grey, score
lines with the rule's help, the current self score, the not-applicable mark and the explanation.
Only the input cells of the lines the user may change are unlocked; survey lines and lines of
others stay locked. Two hidden columns carry the line id (what the import trusts) and a
fingerprint of what the line held, so the import can skip the rows the user left alone.
Like the framework file, the layout is Vietnamese whatever the screen language, so a file reads
the same for everyone.
"""

import io
import logging
from decimal import Decimal

from flask_babel import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.worksheet.datavalidation import DataValidation

from app.domain.clock import format_local, utcnow
from app.domain.errors import DomainError
from app.domain.framework_import import fold
from app.domain.scoring import DEFAULT_STEP, format_points, rule_of
from app.domain.sheet_import import MAX_ROWS, ImportRow, line_fingerprint
from app.models.criteria import (
    RULE_BONUS,
    RULE_CHOICE,
    RULE_DEDUCTION,
    RULE_PENALTY,
    RULE_SURVEY,
    RULE_TIERS,
)

# The safe-reading guards of the framework import: zip check (not .xlsx, corrupt, zip bomb).
from app.reports.framework_excel import XLSX_MIMETYPE, _check_zip, _not_xlsx

log = logging.getLogger(__name__)

__all__ = [
    "HEADERS", "XLSX_MIMETYPE", "export_sheet", "header_positions", "help_text", "read_sheet",
]  # fmt: skip

SHEET_TITLE = "Tự chấm điểm"
CODE, TITLE, MAX_POINTS, HELP, VALUE, NOT_APPLICABLE, REASON, EXPLANATION, LINE_ID, BASE = range(10)
HEADERS = (
    "Mã", "Tiêu chí", "Điểm tối đa", "Cách chấm / lựa chọn hợp lệ",
    "Điểm tự chấm / giá trị nhập", "Không áp dụng", "Lý do không áp dụng", "Giải trình",
    "Mã dòng", "Dấu kiểm",
)  # fmt: skip
# English names, for files written by scripts.
_ALIASES = (
    "code", "title", "max_points", "help", "self_input", "not_applicable",
    "not_applicable_reason", "explanation", "line_id", "base",
)  # fmt: skip
_REQUIRED = (VALUE, NOT_APPLICABLE, REASON, EXPLANATION, LINE_ID)
_WIDTHS = (9, 55, 10, 45, 16, 12, 30, 50, 10, 18)
_INPUTS = (VALUE, NOT_APPLICABLE, REASON, EXPLANATION)
YES = "Có"
SURVEY_LABEL = "Điều tra XHH"

_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_HEADING_FILL = PatternFill("solid", fgColor="D9D9D9")  # read-only headings
_LOCKED_FILL = PatternFill("solid", fgColor="F2F2F2")  # lines this user cannot change
_INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")  # where to type
_UNLOCKED = Protection(locked=False)

_GUIDE = (
    ("Cách điền", ""),
    ("Ô nền vàng", "Được nhập: điểm tự chấm / giá trị, không áp dụng, lý do, giải trình."),
    ("Ô nền xám", "Chỉ đọc: lĩnh vực, tiêu chí có tiêu chí con, dòng điều tra XHH, dòng đã"
                  " phân công cho người khác hoặc đã hết hạn tự chấm."),
    ("Điểm số", "Ghi 8 hoặc 8,5; với lựa chọn, ghi mã lựa chọn (ví dụ dung_han)."),
    ("Không áp dụng", "Ghi “Có” và lý do; khi đó để trống ô điểm."),
    ("Tải lên", "Hệ thống kiểm tra từng dòng, hiển thị các thay đổi để xác nhận; nếu có dòng"
                " sai thì không lưu gì."),
    ("Lưu ý", "Không sửa cột Mã và các cột ẩn (Mã dòng, Dấu kiểm); không thêm, bớt dòng."),
)  # fmt: skip


def _number(value):
    """Decimal points as an int or float cell, so Excel shows 10 and 8.5 as numbers."""
    if value is None:
        return None
    value = Decimal(str(value))
    return int(value) if value == value.to_integral_value() else float(value)


def _input_cell_value(criterion, self_input):
    """The stored input as the file shows it: a number cell unless it is an option key."""
    if self_input in (None, ""):
        return None
    if criterion.rule == RULE_CHOICE:
        return self_input
    try:
        return _number(self_input)
    except ArithmeticError:
        return self_input


def _step_text(rule):
    step = rule.step if rule.step is not None and rule.step > 0 else DEFAULT_STEP
    return format_points(step)


def help_text(criterion):
    """How to fill the line in, in the file's Vietnamese: rule, valid options, tiers, counts."""
    rule = rule_of(criterion)
    top = format_points(rule.max_points)
    if rule.kind == RULE_SURVEY:
        text = f"{SURVEY_LABEL}: điểm lấy từ kết quả điều tra xã hội học, đơn vị không tự chấm."
    elif rule.kind == RULE_CHOICE:
        options = "\n".join(
            f"{o.key} = {o.label} ({format_points(o.points)} điểm)" for o in rule.options
        )
        text = f"Ghi một mã lựa chọn:\n{options}"
    elif rule.kind == RULE_TIERS:
        tiers = "; ".join(
            f"từ {format_points(t.min_percent)}% → {format_points(t.points)} điểm"
            for t in rule.tiers
        )
        text = f"Ghi tỷ lệ % đạt được (0 đến 100): {tiers}."
    elif rule.kind == RULE_DEDUCTION:
        floor = format_points(rule.floor if rule.floor is not None else 0)
        per = format_points(rule.per_occurrence)
        text = f"Ghi số lần vi phạm (0, 1, 2...): trừ {per} điểm mỗi lần, thấp nhất {floor} điểm."
    elif rule.kind == RULE_BONUS:
        text = f"Điểm thưởng: ghi số từ 0 đến {top}, bước {_step_text(rule)}."
    elif rule.kind == RULE_PENALTY:
        text = f"Điểm trừ: ghi số điểm bị trừ từ 0 đến {top}, bước {_step_text(rule)}."
    else:
        text = f"Ghi số từ 0 đến {top}, bước {_step_text(rule)}."
    if criterion.allow_not_applicable:
        text += "\nCó thể đánh dấu không áp dụng (ghi lý do)."
    if criterion.evidence_required:
        text += "\nBắt buộc có tài liệu kiểm chứng hoặc giải trình."
    if criterion.guidance:
        text += f"\nHướng dẫn: {criterion.guidance}"
    return text


def _set(cell, value):
    """Write a value; text stays text (a leading "=" is not a formula, control chars dropped)."""
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
        cell.value = value
        cell.data_type = "s"
    else:
        cell.value = value
    return cell


def _row_values(row):
    criterion, line = row.criterion, row.line
    values = [criterion.code, criterion.title, _number(criterion.max_points)] + [None] * 7
    if line is None:
        return values
    values[HELP] = help_text(criterion)
    values[VALUE] = _input_cell_value(criterion, line.self_input)
    values[NOT_APPLICABLE] = YES if line.not_applicable else None
    values[REASON] = line.not_applicable_reason or None
    values[EXPLANATION] = line.explanation or None
    values[LINE_ID] = line.id
    values[BASE] = line_fingerprint(line)
    return values


class _Validations:
    """Drop-down lists of option keys, one DataValidation per distinct list."""

    def __init__(self, sheet):
        self.sheet, self.lists = sheet, {}

    def add(self, formula, cell_ref):
        # Excel refuses inline lists over 255 characters: such lines keep the help text only.
        if len(formula) > 255:
            return
        validation = self.lists.get(formula)
        if validation is None:
            validation = DataValidation(
                type="list", formula1=formula, allow_blank=True, showErrorMessage=True,
                errorStyle="warning", errorTitle="Giá trị không có trong danh sách",
                error="Hãy chọn một mã trong danh sách (xem cột Cách chấm).",
            )  # fmt: skip
            self.sheet.add_data_validation(validation)
            self.lists[formula] = validation
        validation.add(cell_ref)


def _style_row(sheet, line_no, row, editable, validations):
    cells = sheet[line_no]
    cells[CODE].number_format = "@"
    cells[TITLE].alignment = Alignment(wrap_text=True, vertical="top", indent=row.depth * 2)
    cells[HELP].alignment = Alignment(wrap_text=True, vertical="top")
    for column in (REASON, EXPLANATION):
        cells[column].alignment = Alignment(wrap_text=True, vertical="top")
    if row.line is None:
        for cell in cells:
            cell.fill = _HEADING_FILL
            cell.font = Font(bold=True)
        return
    criterion = row.criterion
    open_columns = (VALUE, EXPLANATION)
    if criterion.allow_not_applicable:
        open_columns += (NOT_APPLICABLE, REASON)
    for column in _INPUTS:
        cell = cells[column]
        if editable and column in open_columns:
            cell.protection = _UNLOCKED
            cell.fill = _INPUT_FILL
        else:
            cell.fill = _LOCKED_FILL
    if not editable:
        return
    keys = [o.key for o in rule_of(criterion).options]
    # A key holding a comma or a quote cannot go into an inline list; the help text remains.
    if criterion.rule == RULE_CHOICE and keys and not any("," in k or '"' in k for k in keys):
        validations.add('"' + ",".join(keys) + '"', cells[VALUE].coordinate)
    if criterion.allow_not_applicable:
        validations.add(f'"{YES},Không"', cells[NOT_APPLICABLE].coordinate)


def _style_sheet(sheet):
    for index, width in enumerate(_WIDTHS):
        cell = sheet.cell(row=1, column=index + 1)
        cell.font = Font(bold=True)
        cell.fill = _HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        sheet.column_dimensions[cell.column_letter].width = width
    sheet.freeze_panes = "A2"
    # The line id and the fingerprint are for the import, not for people.
    for column in (LINE_ID, BASE):
        letter = sheet.cell(row=1, column=column + 1).column_letter
        sheet.column_dimensions[letter].hidden = True
    # Locked cells cannot be typed in; widths and heights may still be changed. No password:
    # protection guides the user, the import re-checks everything on the server anyway.
    protection = sheet.protection
    protection.sheet = True
    protection.formatColumns = False
    protection.formatRows = False


def _guide_sheet(workbook, assessment, exported_by, now):
    guide = workbook.create_sheet("Hướng dẫn")
    guide.append(("Đơn vị", f"{assessment.unit.name} ({assessment.unit.code})"))
    guide.append(("Đợt đánh giá", assessment.round.name))
    guide.append(("Xuất lúc", format_local(now)))
    if exported_by is not None:
        guide.append(("Người xuất", getattr(exported_by, "username", "") or ""))
    guide.append(())
    for line in _GUIDE:
        guide.append(line)
    guide.column_dimensions["A"].width = 18
    guide.column_dimensions["B"].width = 100
    for row in guide.iter_rows():
        row[0].font = Font(bold=True)
        if len(row) > 1:
            row[1].alignment = Alignment(wrap_text=True, vertical="top")


def export_sheet(sheet, editable_ids, exported_by=None, now=None):
    """The score sheet (from app.domain.sheet.load_sheet) as .xlsx bytes.

    `editable_ids` are the ids of the lines the user may change now (the caller asks
    line_edit_decision); only their input cells are unlocked. `read_sheet` reads it back."""
    now = now or utcnow()
    workbook = Workbook()
    worksheet = workbook.active
    worksheet.title = SHEET_TITLE
    worksheet.append(list(HEADERS))
    validations = _Validations(worksheet)
    for line_no, row in enumerate(sheet.rows, start=2):
        for column, value in enumerate(_row_values(row), start=1):
            _set(worksheet.cell(row=line_no, column=column), value)
        line = row.line
        editable = (
            line is not None and line.id in editable_ids and row.criterion.rule != RULE_SURVEY
        )
        _style_row(worksheet, line_no, row, editable, validations)
    _style_sheet(worksheet)
    _guide_sheet(workbook, sheet.assessment, exported_by, now)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def header_positions(header_cells):
    """For each column of HEADERS, its position in line 1 (None if absent).

    Raises DomainError naming the missing columns the import needs."""
    positions = {}
    for index, cell in enumerate(header_cells):
        positions.setdefault(fold(cell), index)
    mapping = [
        positions.get(fold(header), positions.get(alias))
        for header, alias in zip(HEADERS, _ALIASES, strict=True)
    ]
    missing = [HEADERS[c] for c in _REQUIRED if mapping[c] is None]
    if missing:
        raise DomainError(
            _(
                "Line 1 must hold the headers of the downloaded score sheet; missing:"
                " %(missing)s. Download the sheet again and fill that file in.",
                missing=", ".join(missing),
            )
        )
    return mapping


def _cell_number(value):
    """A formula's 0.1 + 0.2 arrives as 0.30000000000000004: read it as 0.3."""
    if isinstance(value, float):
        exact = Decimal(repr(value))
        rounded = exact.quantize(Decimal("0.01"))
        return rounded if abs(exact - rounded) < Decimal("1e-9") else exact
    return value


def _import_row(line_no, cells):
    return ImportRow(
        line=line_no, line_id=cells[LINE_ID], code=cells[CODE], value=_cell_number(cells[VALUE]),
        not_applicable=cells[NOT_APPLICABLE], reason=cells[REASON],
        explanation=cells[EXPLANATION], base=cells[BASE],
    )  # fmt: skip


def read_sheet(file_bytes):
    """The data rows (Excel line 2 on) of an uploaded score sheet, as ImportRows.

    Safe on untrusted files: the framework import's zip checks first, then openpyxl in
    read-only mode; anything unreadable becomes a DomainError with a clear message."""
    if not file_bytes:
        raise DomainError(_("The file is empty."))
    _check_zip(file_bytes)
    try:
        workbook = load_workbook(io.BytesIO(file_bytes), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds (KeyError, XML errors...) on damaged files
        log.info("Unreadable score sheet upload", exc_info=True)
        raise _not_xlsx() from None
    try:
        if not workbook.worksheets:
            raise DomainError(_("The workbook has no sheets."))
        worksheet = workbook.worksheets[0]
        worksheet.reset_dimensions()
        rows = worksheet.iter_rows(values_only=True)
        header = next(rows, None)
        if header is None:
            raise DomainError(_("The first sheet is empty."))
        mapping = header_positions(header)
        result = []
        for line_no, row in enumerate(rows, start=2):
            if len(result) > MAX_ROWS:
                raise DomainError(_("The file has more than %(max)s rows.", max=MAX_ROWS))
            cells = [row[i] if i is not None and i < len(row) else None for i in mapping]
            result.append(_import_row(line_no, cells))
        return result
    except DomainError:
        raise
    except Exception:
        log.info("Unreadable score sheet upload", exc_info=True)
        raise _not_xlsx() from None
    finally:
        workbook.close()
