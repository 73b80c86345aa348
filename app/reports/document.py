"""What every printed document shares (xhtml2pdf): the bundled fonts, the HTML-to-PDF step,
the header's issuer lines, the place and date line, the page footer and an ASCII file name.
Templates extend templates/reports/_document.html, which lays out the same pieces.

Vietnamese needs a font with its glyphs embedded in the PDF: xhtml2pdf silently draws "■" for
every accented letter with its built-in fonts and still reports no error. The app bundles DejaVu
Sans (app/reports/fonts/) and never relies on the server's fonts. xhtml2pdf reads local files only
from the folder of the document it renders, so every render is "located" in the font folder and
its resource policy allows reads there and nothing remote.
"""

import io
import logging
import os
import re
import unicodedata
from functools import lru_cache

from flask import current_app, has_app_context
from flask_babel import gettext as _
from markupsafe import Markup
from reportlab.pdfbase.ttfonts import TTFontFile
from xhtml2pdf import pisa
from xhtml2pdf.config.resources import ResourceAccessPolicy

from app.domain.clock import to_local, utcnow
from app.domain.errors import DomainError

log = logging.getLogger(__name__)

FONT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fonts")
# The name of a document that does not exist, in the font folder: relative url()s resolve there.
_DOCUMENT_PATH = os.path.join(FONT_DIR, "report.html")
FONT_FAMILY = "DejaVuSans"
# Every report's stylesheet starts with this; the file names are relative to FONT_DIR.
FONT_CSS = f"""
@font-face {{ font-family: {FONT_FAMILY}; src: url("DejaVuSans.ttf"); }}
@font-face {{ font-family: {FONT_FAMILY}; src: url("DejaVuSans-Bold.ttf"); font-weight: bold; }}
@font-face {{ font-family: {FONT_FAMILY}; src: url("DejaVuSans-Oblique.ttf"); font-style: italic; }}
"""
PDF_MIMETYPE = "application/pdf"
# What xhtml2pdf 0.2.28 logs (as a warning only) for a character no font of the document has.
_MISSING_GLYPH = "No font this document has can draw"
_FONT_FILES = ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSans-Oblique.ttf")
_REPLACEMENT = "\ufffd"
# Prefixes stripped from the root unit's name to get the place a document is dated at.
_PROVINCE_PREFIXES = (
    "ubnd tỉnh ",
    "ubnd thành phố ",
    "ủy ban nhân dân tỉnh ",
    "ủy ban nhân dân thành phố ",
    "uỷ ban nhân dân tỉnh ",
    "uỷ ban nhân dân thành phố ",
    "tỉnh ",
    "thành phố ",
)
_COMMUNE_NAMES = re.compile(r"^(xã|phường|thị trấn|đặc khu)\s", re.IGNORECASE)


def _policy():
    # Only the bundled fonts may be read; no network, even for links in user text.
    return ResourceAccessPolicy.server(base_dir=FONT_DIR, allow_remote=False)


@lru_cache(maxsize=1)
def _covered():
    """Code points every bundled face can draw (read once per process, about 50 ms)."""
    faces = [set(TTFontFile(os.path.join(FONT_DIR, name)).charToGlyph) for name in _FONT_FILES]
    return frozenset(set.intersection(*faces))


def printable(text):
    """NFC text with characters the bundled fonts cannot draw (emoji, CJK typed into an
    explanation) shown as "�", so one such character never stops the whole report."""
    text = unicodedata.normalize("NFC", text)
    covered = _covered()
    if all(ord(char) in covered or char.isspace() for char in text):
        return text
    return "".join(
        char if ord(char) in covered or char.isspace() else _REPLACEMENT for char in text
    )


def render_pdf(html: str) -> bytes:
    """Turn report HTML (its CSS starting with FONT_CSS) into PDF bytes.

    Raises DomainError when xhtml2pdf reports an error or some character has no glyph in the
    fonts used (it would print as "■": the style must set the bundled FONT_FAMILY)."""
    # Decomposed accents (e + U+0302 + U+0301) are drawn beside the letter, not on it.
    html = printable(html)
    out = io.BytesIO()
    try:
        result = pisa.CreatePDF(
            html, dest=out, path=_DOCUMENT_PATH, encoding="utf-8", resource_policy=_policy()
        )
    except Exception:  # xhtml2pdf raises many kinds; the user gets one clear message
        log.exception("xhtml2pdf failed")
        raise DomainError(_("The PDF report could not be produced; please try again.")) from None
    data = out.getvalue()
    if result.err or not data:
        log.error("xhtml2pdf reported %s error(s): %s", result.err, getattr(result, "log", ""))
        raise DomainError(_("The PDF report could not be produced; please try again."))
    missing = [entry for entry in getattr(result, "log", []) if _MISSING_GLYPH in str(entry)]
    if missing:
        # Some text is set in a font without Vietnamese glyphs: it would print as "■".
        log.error("Characters without a glyph in the PDF: %s", missing[:5])
        raise DomainError(_("The PDF report could not be produced; please try again."))
    return data


def _root(unit):
    while unit.parent is not None:
        unit = unit.parent
    return unit


def province_place(unit):
    """Where the report is dated: REPORT_PLACE if configured, else the province's name taken
    from the root unit ("UBND tỉnh Sông Lam" -> "Sông Lam")."""
    configured = current_app.config.get("REPORT_PLACE") if has_app_context() else None
    if configured:
        return configured
    name = _root(unit).name.strip()
    lowered = name.lower()
    for prefix in _PROVINCE_PREFIXES:
        if lowered.startswith(prefix):
            return name[len(prefix) :].strip()
    return name


def issuer_lines(unit):
    """The header's left block as (governing body or "", issuing unit), both upper case.

    A commune is a local government and heads its documents "UBND XÃ ..." alone; any other unit
    writes its governing body above its own name (Decree 30/2020/NĐ-CP, appendix I)."""
    name = unit.name.strip()
    if _COMMUNE_NAMES.match(name):
        return "", f"UBND {name}".upper()
    parent = unit.parent.name.strip().upper() if unit.parent is not None else ""
    return parent, name.upper()


def place_date(place, day):
    """ "Sông Lam, ngày 05 tháng 3 năm 2026": days under 10 and months 1 and 2 take a leading
    zero, as Decree 30/2020/NĐ-CP writes dates on administrative documents."""
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return _(
        "%(place)s, day %(day)s month %(month)s year %(year)s",
        place=place,
        day=f"{day.day:02d}",
        month=month,
        year=day.year,
    )


def page_label():
    """ "Trang 2/7" for the footer: xhtml2pdf fills in its <pdf:pagenumber> and <pdf:pagecount>."""
    # The msgstr is ours (the catalogue), never user input, so it may carry the two tags.
    return Markup(
        _("Page %(number)s/%(count)s", number="<pdf:pagenumber>", count="<pdf:pagecount>")
    )


def today_local():
    """Today's date in the configured zone (Asia/Ho_Chi_Minh)."""
    return to_local(utcnow()).date()


def ascii_filename(title, *parts):
    """An ASCII-safe file name: ("báo cáo tự đánh giá", "XA001", 2026) ->
    "bao-cao-tu-danh-gia-XA001-2026.pdf". Codes keep their case."""
    stem = " ".join(str(part) for part in (title, *parts))
    stem = unicodedata.normalize("NFKD", stem.replace("đ", "d").replace("Đ", "D"))
    stem = stem.encode("ascii", "ignore").decode("ascii")
    return "-".join(re.findall(r"[A-Za-z0-9]+", stem)) + ".pdf"


def document_context(place_unit, governing, issuer, today=None):
    """The pieces of templates/reports/_document.html: fonts, header lines, place and date,
    page footer. `place_unit`: a unit of the province the document is dated in."""
    return {
        "font_css": FONT_CSS,
        "governing_body": governing,
        "issuer": issuer,
        "place_date": place_date(province_place(place_unit), today or today_local()),
        "page_label": page_label(),
    }
