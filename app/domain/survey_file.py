"""Reading a survey results file, Excel (.xlsx) or CSV, into rows of unit code and value.

Survey files come from many tools. CSV may be UTF-8 (with or without a byte-order mark),
UTF-16 (Excel's "Unicode Text", tab-separated, with a BOM) or Windows-1258, the legacy
Vietnamese code page, which writes most tone marks as separate combining characters: the text
is normalised to NFC so "Đồng" typed either way is the same word. An encoding that cannot be
told apart from garbage (TCVN3, VNI...) is refused with a message, never guessed. Excel users
in Vietnam often have ";" as list separator, so the delimiter is taken from the header line.
"""

import csv
import io
import logging
import unicodedata
import zipfile
from dataclasses import dataclass

from flask_babel import gettext as _
from openpyxl import load_workbook

from app.domain.errors import DomainError
from app.domain.survey import fold

log = logging.getLogger(__name__)

MAX_ROWS = 10000
MAX_UNZIPPED_BYTES = 100 * 1024 * 1024
HEADER_SEARCH_LINES = 10  # a title block may sit above the header line
CODE_HEADERS = ("Mã đơn vị", "Mã ĐV", "Mã", "ma_don_vi", "unit_code", "code")
VALUE_HEADERS = (
    "Kết quả", "Điểm", "Điểm điều tra", "Tỷ lệ", "Tỷ lệ (%)", "Tỷ lệ %", "Giá trị", "%",
    "value", "points", "percent",
)  # fmt: skip
_CODE_WORDS = {fold(h) for h in CODE_HEADERS}
_VALUE_WORDS = {fold(h) for h in VALUE_HEADERS}
_BOMS = (
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)
_DELIMITERS = ("\t", ";", ",")
# Letters of the Vietnamese alphabet with every tone, both cases: what real Windows-1258 text
# holds once its combining marks are composed. Anything else is another encoding misread.
_VOWELS = "aăâeêioôơuưy"
_TONES = ("", "\u0300", "\u0301", "\u0303", "\u0309", "\u0323")
_VIETNAMESE = {unicodedata.normalize("NFC", base + tone) for base in _VOWELS for tone in _TONES} | {
    "đ"
}
_VIETNAMESE |= {ch.upper() for ch in _VIETNAMESE}
_TYPOGRAPHY = set("\u00a0“”‘’–—…€₫°")
_CONTROL = {"Cc", "Cs", "Co", "Cn"}


@dataclass(frozen=True)
class SurveyRow:
    """One data row: the file's line number, the unit code and value cells as read."""

    line: int
    code: object = None
    value: object = None
    percent_cell: bool = False  # an Excel cell formatted as % holds 0.85 for 85%

    def is_blank(self):
        return all(v is None or str(v).strip() == "" for v in (self.code, self.value))


def _not_a_spreadsheet():
    return DomainError(
        _(
            "The file is not a spreadsheet. Upload an Excel workbook (.xlsx) or a CSV file"
            " with a unit code column and a value column."
        )
    )


def _unknown_encoding():
    return DomainError(
        _(
            "The encoding of this CSV file is not recognised (only UTF-8, UTF-16 and"
            " Windows-1258 are read). In Excel, save it as “CSV UTF-8 (Comma delimited)”"
            " and upload it again."
        )
    )


def _plausible_vietnamese(text):
    for ch in text:
        if ch.isascii() or ch in _VIETNAMESE or ch in _TYPOGRAPHY:
            continue
        return False
    return True


def _binary(text):
    """Control characters other than tab and line ends: a binary file, not text."""
    return any(unicodedata.category(ch) in _CONTROL and ch not in "\t\r\n\f" for ch in text)


def decode_csv(data):
    """The text of a CSV file in NFC; raises DomainError when the encoding is not recognised."""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                return unicodedata.normalize("NFC", data.decode(codec))
            except UnicodeDecodeError:
                raise _unknown_encoding() from None
    if b"\x00" in data:
        # UTF-16 without its mark: every other byte of Latin text is zero.
        zeros_odd, zeros_even = data[1::2].count(0), data[0::2].count(0)
        codec = "utf-16-le" if zeros_odd > zeros_even else "utf-16-be"
        if max(zeros_odd, zeros_even) < len(data) // 4:
            raise _not_a_spreadsheet()
        try:
            return unicodedata.normalize("NFC", data.decode(codec))
        except UnicodeDecodeError:
            raise _unknown_encoding() from None
    try:
        return unicodedata.normalize("NFC", data.decode("utf-8"))
    except UnicodeDecodeError:
        pass
    try:
        text = unicodedata.normalize("NFC", data.decode("cp1258"))
    except UnicodeDecodeError:
        raise _unknown_encoding() from None
    if not _plausible_vietnamese(text):
        raise _unknown_encoding()
    return text


def _header_columns(cells):
    """(code column, value column) when `cells` is the header line, else None."""
    words = [fold(c) if c is not None else "" for c in cells]
    code = next((i for i, w in enumerate(words) if w in _CODE_WORDS), None)
    value = next((i for i, w in enumerate(words) if w in _VALUE_WORDS), None)
    if code is None or value is None:
        return None
    return code, value


def _missing_header():
    return DomainError(
        _(
            "The header line is missing: the file needs a column “%(code)s” and a column"
            " “%(value)s” (or “%(percent)s”) in one of its first lines.",
            code=CODE_HEADERS[0],
            value=VALUE_HEADERS[0],
            percent=VALUE_HEADERS[4],
        )
    )


def _rows_after_header(lines):
    """SurveyRows from `lines` (iterable of (line number, cells, percent flags))."""
    columns, rows = None, []
    for number, cells, percent in lines:
        if columns is None:
            columns = _header_columns(cells)
            if columns is None and number >= HEADER_SEARCH_LINES:
                raise _missing_header()
            continue
        code_col, value_col = columns

        def cell(i, values=cells):
            return values[i] if i < len(values) else None

        row = SurveyRow(
            number, cell(code_col), cell(value_col), bool(cell(value_col, percent or ()))
        )
        if not row.is_blank():
            rows.append(row)
            if len(rows) > MAX_ROWS:
                raise DomainError(_("The file has more than %(max)s rows.", max=MAX_ROWS))
    if columns is None:
        raise _missing_header()
    return rows


def _delimiter(text):
    """The separator with which one of the first lines reads as the header line."""
    head = "\n".join(text.splitlines()[:HEADER_SEARCH_LINES])
    for delimiter in _DELIMITERS:
        try:
            if any(
                _header_columns(cells)
                for cells in csv.reader(io.StringIO(head), delimiter=delimiter)
            ):
                return delimiter
        except csv.Error:
            raise _not_a_spreadsheet() from None
    raise _missing_header()


def _csv_lines(text):
    delimiter = _delimiter(text)
    try:
        for number, cells in enumerate(csv.reader(io.StringIO(text), delimiter=delimiter), 1):
            yield number, cells, None
    except csv.Error:
        raise _not_a_spreadsheet() from None


def _xlsx_lines(data):
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
            size = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError):
        raise _not_a_spreadsheet() from None
    if "[Content_Types].xml" not in names or not any(n.startswith("xl/") for n in names):
        raise _not_a_spreadsheet()
    if size > MAX_UNZIPPED_BYTES:
        raise DomainError(_("The workbook is too large to read."))
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds (KeyError, XML errors...) on damaged files
        log.info("Unreadable survey workbook", exc_info=True)
        raise _not_a_spreadsheet() from None
    try:
        if not workbook.worksheets:
            raise _not_a_spreadsheet()
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()
        lines = []
        for number, row in enumerate(sheet.iter_rows(), 1):
            values = [getattr(c, "value", None) for c in row]
            percent = ["%" in (getattr(c, "number_format", None) or "") for c in row]
            lines.append((number, values, percent))
            if len(lines) > MAX_ROWS + HEADER_SEARCH_LINES + 1000:
                raise DomainError(_("The file has more than %(max)s rows.", max=MAX_ROWS))
        return lines
    except DomainError:
        raise
    except Exception:
        log.info("Unreadable survey workbook", exc_info=True)
        raise _not_a_spreadsheet() from None
    finally:
        workbook.close()


def read_survey_file(data):
    """The data rows of a survey file (.xlsx or CSV, told apart by content, not by name).

    Raises DomainError for the file as a whole: empty, not a spreadsheet, an old .xls, an
    encoding not recognised, no header line, or no data rows."""
    if not data or not data.strip() or data in (bom for bom, _codec in _BOMS):
        raise DomainError(_("The file is empty."))
    if data.startswith(b"PK\x03\x04"):
        rows = _rows_after_header(_xlsx_lines(data))
    elif data.startswith(b"\xd0\xcf\x11\xe0"):
        raise DomainError(
            _(
                "This is an old Excel 97-2003 file (.xls). Open it in Excel and save it as"
                " “Excel Workbook (*.xlsx)”."
            )
        )
    elif data.startswith(b"%PDF") or data[:4] in (b"\x89PNG", b"GIF8") or data[:2] == b"\xff\xd8":
        raise _not_a_spreadsheet()
    else:
        text = decode_csv(data)
        if not text.strip():
            raise DomainError(_("The file is empty."))
        if _binary(text):
            raise _not_a_spreadsheet()
        rows = _rows_after_header(_csv_lines(text))
    if not rows:
        raise DomainError(_("The file has no result rows under its header line."))
    return rows
