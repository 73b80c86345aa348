"""A criteria framework as an .xlsx workbook (one row per criterion), and reading one back.

The layout is app/domain/framework_import.py's: what `export_framework` writes, `read_workbook`
and `parse_rows` read back to the same items.
"""

import io
import logging
import zipfile

from flask_babel import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from app.domain import framework_import as fi
from app.domain.criteria_tree import code_sort_key
from app.domain.errors import DomainError
from app.domain.scoring import format_points, rule_of
from app.domain.survey import FILE_LABELS
from app.models.criteria import RULE_CHOICE, RULE_TIERS

log = logging.getLogger(__name__)

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SHEET_TITLE = "Tiêu chí"
_WIDTHS = (10, 60, 12, 18, 10, 40, 12, 10, 14, 16, 50, 14)
_WRAPPED = (fi.TITLE, fi.OPTIONS, fi.GUIDANCE)
_NUMBERS = (fi.MAX_POINTS, fi.STEP, fi.PER_OCCURRENCE, fi.FLOOR)
# A 5 MB upload can unzip to gigabytes (a "zip bomb"); real frameworks are well under 1 MB.
MAX_UNZIPPED_BYTES = 100 * 1024 * 1024
_HELP = (
    ("Cột", "Cách ghi"),
    (
        "Mã",
        "1 là lĩnh vực, 1.2 là tiêu chí, 1.2.3 là tiêu chí thành phần; mã cha phải có trong tệp.",
    ),
    ("Điểm tối đa", "Số, ví dụ 10 hoặc 8,5; điểm của mục cha bằng tổng điểm các mục con."),
    ("Cách chấm", "; ".join(fi.RULE_LABELS.values()) + ". Để trống = Nhập số."),
    ("Bước điểm", "Với Nhập số / Điểm thưởng / Điểm trừ: bước nhỏ nhất, ví dụ 0,25."),
    (
        "Lựa chọn / mức",
        "Lựa chọn: dung_han=Đúng hạn:1; tre_han=Trễ hạn:0,5; khong=Không ban hành:0",
    ),
    ("", "Theo tỷ lệ %: >=90:2; >=70:1; >=0:0"),
    ("Trừ mỗi lần, Điểm sàn", "Với Trừ điểm theo lần: điểm trừ mỗi lần và điểm thấp nhất."),
    ("Có thể không áp dụng, Bắt buộc tài liệu kiểm chứng", "Có hoặc Không."),
    (
        "Loại điều tra",
        "Với Điều tra XHH: cuộc điều tra cho điểm dòng này; "
        + "; ".join(f"{key} = {label}" for key, label in FILE_LABELS.items())
        + ".",
    ),
)


def rule_label(kind):
    """The Vietnamese name a rule kind has in the file ("choice" -> "Lựa chọn")."""
    return fi.RULE_LABELS.get(kind, kind)


def format_options(options):
    """Options as the file writes them: "key=Nhãn:điểm; key2=Nhãn 2:0,5"."""
    return "; ".join(f"{o.key}={o.label}:{format_points(o.points)}" for o in options)


def format_tiers(tiers):
    """Tiers as the file writes them, highest first: ">=90:2; >=70:1; >=0:0"."""
    ordered = sorted(tiers, key=lambda t: t.min_percent, reverse=True)
    return "; ".join(f">={format_points(t.min_percent)}:{format_points(t.points)}" for t in ordered)


def items_of(framework):
    """The framework's criteria as ImportItems, in sort_key order (what an export writes)."""
    items = []
    for criterion in sorted(framework.criteria, key=lambda c: c.sort_key or code_sort_key(c.code)):
        rule = rule_of(criterion)
        items.append(
            fi.ImportItem(
                code=criterion.code, title=criterion.title, max_points=rule.max_points,
                rule=criterion.rule, step=rule.step, options=rule.options, tiers=rule.tiers,
                per_occurrence=rule.per_occurrence, floor=rule.floor,
                allow_not_applicable=bool(criterion.allow_not_applicable),
                evidence_required=bool(criterion.evidence_required),
                guidance=criterion.guidance or None, survey_kind=criterion.survey_kind or None,
            )
        )  # fmt: skip
    return items


def _number_value(value):
    """Decimal points as an int or float cell, so Excel shows 10 and 8.5 as numbers."""
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def _row_of(item):
    if item.rule == RULE_TIERS:
        listing = format_tiers(item.tiers)
    elif item.rule == RULE_CHOICE:
        listing = format_options(item.options)
    else:
        listing = ""
    return [
        item.code,
        item.title,
        _number_value(item.max_points),
        rule_label(item.rule),
        _number_value(item.step),
        listing or None,
        _number_value(item.per_occurrence),
        _number_value(item.floor),
        fi.YES if item.allow_not_applicable else fi.NO,
        fi.YES if item.evidence_required else fi.NO,
        item.guidance or None,
        item.survey_kind or None,
    ]


def _style_sheet(sheet, last_line):
    header_fill = PatternFill("solid", fgColor="DDEBF7")
    for index, width in enumerate(_WIDTHS):
        cell = sheet.cell(row=1, column=index + 1)
        cell.font = Font(bold=True)
        cell.fill = header_fill
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        sheet.column_dimensions[cell.column_letter].width = width
    sheet.freeze_panes = "A2"
    for row in sheet.iter_rows(min_row=2, max_row=last_line):
        # Text format keeps "1.10" from turning into the number 1.1 when someone retypes it.
        row[fi.CODE].number_format = "@"
        for column in _WRAPPED:
            row[column].alignment = Alignment(wrap_text=True, vertical="top")
    # Drop-down lists guide typing; not enforced, since English rule keys are accepted too.
    rule_list = DataValidation(
        type="list", formula1='"' + ",".join(fi.RULE_LABELS.values()) + '"', showErrorMessage=False
    )
    yes_no = DataValidation(type="list", formula1=f'"{fi.YES},{fi.NO}"', showErrorMessage=False)
    sheet.add_data_validation(rule_list)
    sheet.add_data_validation(yes_no)
    bottom = max(last_line, 2) + 200
    rule_list.add(f"D2:D{bottom}")
    yes_no.add(f"I2:J{bottom}")


def export_framework(framework):
    """The framework's criteria as .xlsx bytes, in code order; `read_workbook` reads it back."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = SHEET_TITLE
    sheet.append(list(fi.HEADERS))
    items = items_of(framework)
    for item in items:
        sheet.append(_row_of(item))
    _style_sheet(sheet, len(items) + 1)
    helper = workbook.create_sheet("Hướng dẫn")
    for line in _HELP:
        helper.append(line)
    helper.column_dimensions["A"].width = 30
    helper.column_dimensions["B"].width = 100
    helper["A1"].font = helper["B1"].font = Font(bold=True)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _not_xlsx():
    return DomainError(
        _(
            "The file is not an Excel workbook (.xlsx). Open it in Excel and save it as"
            " “Excel Workbook (*.xlsx)”."
        )
    )


def _check_zip(file_bytes):
    """Refuse what is not a zip, is corrupt, or would unzip to too much."""
    try:
        with zipfile.ZipFile(io.BytesIO(file_bytes)) as archive:
            names = archive.namelist()
            size = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError):
        raise _not_xlsx() from None
    if "[Content_Types].xml" not in names or not any(n.startswith("xl/") for n in names):
        raise _not_xlsx()
    if size > MAX_UNZIPPED_BYTES:
        raise DomainError(_("The workbook is too large to read."))


def read_workbook(file_bytes):
    """Data rows (line 2 on) of the first sheet, columns in HEADERS order, for `parse_rows`.

    Blank rows are kept so positions stay Excel line numbers. Raises DomainError (never a raw
    exception) for an empty file, a file that is not .xlsx, a corrupt one, or missing headers.
    """
    if not file_bytes:
        raise DomainError(_("The file is empty."))
    _check_zip(file_bytes)
    try:
        workbook = load_workbook(io.BytesIO(file_bytes), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds (KeyError, XML errors...) on damaged files
        log.info("Unreadable workbook upload", exc_info=True)
        raise _not_xlsx() from None
    try:
        if not workbook.worksheets:
            raise DomainError(_("The workbook has no sheets."))
        sheet = workbook.worksheets[0]
        # Some tools write a wrong size in the sheet; read every row that is really there.
        sheet.reset_dimensions()
        rows = sheet.iter_rows(values_only=True)
        header = next(rows, None)
        if header is None:
            raise DomainError(_("The first sheet is empty."))
        mapping = fi.header_map(header)
        result = []
        for row in rows:
            if len(result) > fi.MAX_ROWS + 1000:
                raise DomainError(_("The file has more than %(max)s rows.", max=fi.MAX_ROWS))
            result.append([row[i] if i is not None and i < len(row) else None for i in mapping])
        return result
    except DomainError:
        raise
    except Exception:
        log.info("Unreadable workbook upload", exc_info=True)
        raise _not_xlsx() from None
    finally:
        workbook.close()
