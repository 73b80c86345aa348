"""Plain tables (a header and rows of typed cells) written as .xlsx or CSV, for any report.

Cells are Python values: str, int, Decimal, float, datetime, date or None. In Excel numbers stay
numeric cells with a format showing exactly their decimals (Excel draws the decimal comma in a
Vietnamese locale), dates stay date cells shown dd/mm/yyyy. In CSV they are written as
Vietnamese documents write them ("8,5", "27/10/2026 17:00"). Text that a spreadsheet would
read as a formula (=, +, -, @, tab, carriage return first) is prefixed with an apostrophe in both,
so a unit named "=HYPERLINK(...)" stays text when the file is opened or saved again.
"""

import csv
import datetime
import io
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_MIMETYPE = "text/csv; charset=utf-8"
BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
DATE_FORMAT = "dd/mm/yyyy"
DATETIME_FORMAT = "dd/mm/yyyy hh:mm"
MAX_CELL = 32767  # Excel's limit for the text of one cell
MAX_ROWS = 1_048_576  # Excel's rows per sheet, header included
MAX_WIDTH = 60
_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDE6F0")
_HEADER_ALIGN = Alignment(vertical="top", wrap_text=True)


class TooManyRowsError(ValueError):
    """More rows than one Excel sheet holds."""

    def __init__(self, limit):
        super().__init__(f"more than {limit} rows")
        self.limit = limit


def neutralise(text):
    """Text a spreadsheet would evaluate ("=1+1", "@SUM(...)", "-2+3") kept as plain text."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def decimals(number):
    """How many decimals a Decimal shows: Decimal('8.5') -> 1, Decimal('10') -> 0."""
    exponent = number.as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def number_format(number):
    """An Excel format that shows exactly the decimals of `number` ("0", "0.0", "0.00")."""
    places = decimals(number) if isinstance(number, Decimal) else 0
    return "0." + "0" * places if places else "0"


def _is_number(value):
    return isinstance(value, (int, float, Decimal)) and not isinstance(value, bool)


def cell_text(value):
    """A cell as CSV writes it: Vietnamese decimal comma and dates, text neutralised."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, Decimal):
        return f"{value:f}".replace(".", ",")
    if isinstance(value, float):
        return repr(value).replace(".", ",")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, datetime.datetime):
        return value.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, datetime.date):
        return value.strftime("%d/%m/%Y")
    return neutralise(str(value))


def csv_chunks(headers, rows, rows_per_chunk=500):
    """Yield a UTF-8 CSV with BOM (so Excel on Windows reads Vietnamese), comma separated,
    RFC 4180 quoting and CRLF line ends, a few hundred rows per chunk (for streaming)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    buffer.write(BOM)
    writer.writerow([neutralise(str(h)) for h in headers])
    pending = 0
    for row in rows:
        writer.writerow([cell_text(v) for v in row])
        pending += 1
        if pending >= rows_per_chunk:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
            pending = 0
    yield buffer.getvalue().encode("utf-8")


def sheet_title(title):
    """A worksheet name Excel accepts: no []:*?/\\ and at most 31 characters."""
    cleaned = "".join(" " if ch in "[]:*?/\\" else ch for ch in str(title)).strip()
    return cleaned[:31].strip() or "Sheet1"


def _xlsx_cell(sheet, value):
    if value is None:
        return None
    if isinstance(value, bool):
        return str(value)
    if _is_number(value):
        cell = WriteOnlyCell(sheet, value)
        cell.number_format = number_format(value)
        return cell
    if isinstance(value, (datetime.datetime, datetime.date)):
        cell = WriteOnlyCell(sheet, value)
        is_datetime = isinstance(value, datetime.datetime)
        cell.number_format = DATETIME_FORMAT if is_datetime else DATE_FORMAT
        return cell
    text = ILLEGAL_CHARACTERS_RE.sub("", neutralise(str(value)))
    return text[:MAX_CELL]


def _width(value):
    if value is None:
        return 0
    if isinstance(value, datetime.datetime):
        return 16
    if isinstance(value, datetime.date):
        return 10
    text = cell_text(value)
    return max((len(line) for line in text.splitlines()), default=0)


def write_xlsx(target, title, headers, rows, sample_size=200):
    """Write a one-sheet workbook to `target` (a path or a binary file) in write-only mode, so
    memory stays flat however many rows come. Header bold and frozen, with an auto filter;
    column widths fitted to the header and the first `sample_size` rows. Returns the row count;
    raises TooManyRowsError (nothing usable written) past Excel's MAX_ROWS.
    """
    limit = MAX_ROWS - 1
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(sheet_title(title))
    rows = iter(rows)
    sample = []
    for row in rows:
        sample.append(row)
        if len(sample) >= sample_size:
            break
    widths = [len(str(h)) for h in headers]
    for row in sample:
        for index, value in enumerate(row):
            widths[index] = max(widths[index], _width(value))
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = min(MAX_WIDTH, width + 2)
    sheet.freeze_panes = "A2"
    header_cells = []
    for header in headers:
        cell = WriteOnlyCell(sheet, ILLEGAL_CHARACTERS_RE.sub("", neutralise(str(header))))
        cell.font, cell.fill, cell.alignment = _HEADER_FONT, _HEADER_FILL, _HEADER_ALIGN
        header_cells.append(cell)
    sheet.append(header_cells)
    count = 0
    for batch in (sample, rows):
        for row in batch:
            if count >= limit:
                raise TooManyRowsError(limit)
            sheet.append([_xlsx_cell(sheet, v) for v in row])
            count += 1
    if headers:
        last = get_column_letter(len(headers))
        sheet.auto_filter.ref = f"A1:{last}{count + 1}"
    workbook.save(target)
    return count
