"""The results announcement of a round (Thông báo kết quả đánh giá, xếp loại Chỉ số CCHC) as
an official letter, A4: the issuing body (the round's organiser unit) and the national motto,
the number and date line, the title, the ranking table (rank, unit, points, index, grade and
the per-field component indexes when they fit: landscape from 4 fields, at most 12), the
number of units per grade, the recipients and the signature block. Numbers with a decimal
comma; indexes always with 2 decimals, as announcements print them.

Before publication (the organiser's side only, app/domain/report_access.py) the document is
marked as a draft. Number, date, signer's title and name are filled in by the organiser's side
(`Letterhead`); everyone else gets the defaults: a blank number for the office to stamp, the
publication date, the usual "KT. GIÁM ĐỐC / PHÓ GIÁM ĐỐC" and no name (signed by hand).
"""

from dataclasses import dataclass

from flask import render_template
from flask_babel import gettext as _

from app.domain.clock import to_local
from app.domain.grade_counts import full_ranking, grade_counts
from app.domain.results_policy import is_published
from app.domain.scoring import format_points
from app.reports.document import ascii_filename, document_context, issuer_lines, render_pdf

PORTRAIT_FIELDS = 3  # more fields than this: landscape
MAX_FIELDS = 12  # more than this: the per-field indexes are left out (they would not fit)
MAX_TEXT = 120  # characters kept of a filled-in number, title or name


def format_index(value):
    """An index as announcements print it: 2 decimals, decimal comma ("92,50"); "" for None."""
    return "" if value is None else f"{value:.2f}".replace(".", ",")


@dataclass
class Letterhead:
    """What the organiser fills in; empty fields take the defaults."""

    number: str = ""  # e.g. "125/TB-SNV"; empty: a blank for the office, then "/TB-<code>"
    date: object = None  # a datetime.date; None: the publication date, else today
    signer_title: str = ""  # e.g. "KT. GIÁM ĐỐC"
    signer_position: str = ""  # e.g. "PHÓ GIÁM ĐỐC"
    signer_name: str = ""

    @classmethod
    def of(cls, number="", date=None, signer_title="", signer_position="", signer_name=""):
        """Trimmed to MAX_TEXT characters each (a printed line, not an essay)."""

        def clean(text):
            return " ".join((text or "").split())[:MAX_TEXT]

        return cls(clean(number), date, clean(signer_title), clean(signer_position),
                   clean(signer_name))  # fmt: skip


def _field_index(row, field_):
    figures = row.fields.get(field_.id)
    return format_index(figures.index if figures is not None else None)


def _row(row, fields):
    return {
        "rank": "" if row.rank is None else str(row.rank),
        "code": row.code,
        "name": row.name,
        "total": format_points(row.total),
        "index": format_index(row.index),
        "grade": row.grade or _("Not graded"),
        "fields": [_field_index(row, field_) for field_ in fields],
    }


def announcement_context(session, round_, letterhead=None, today=None):
    """Everything templates/reports/results_announcement.html shows."""
    letterhead = letterhead or Letterhead()
    organiser = round_.organiser_unit
    table = full_ranking(session, round_)
    with_fields = 0 < len(table.fields) <= MAX_FIELDS
    fields = table.fields if with_fields else []
    published = is_published(round_)
    day = letterhead.date
    if day is None and published and round_.published_at is not None:
        day = to_local(round_.published_at).date()
    governing, issuer = issuer_lines(organiser)
    number = letterhead.number or ("\u00a0" * 10 + f"/TB-{organiser.code}")
    grades = [
        (grade.name or _("Not graded"), grade.count)
        for grade in grade_counts(session, round_.framework_id, table.rows)
    ]
    return {
        **document_context(organiser, governing, issuer, day or today),
        "round": round_,
        "organiser": organiser,
        "number": number,
        "year": round_.year,
        "draft": not published,
        "landscape": len(fields) > PORTRAIT_FIELDS,
        "fields": fields,
        "rows": [_row(row, fields) for row in table.rows],
        "count": table.units,
        "grades": grades,
        "signer_title": letterhead.signer_title or _("p.p. DIRECTOR"),
        "signer_position": letterhead.signer_position or _("DEPUTY DIRECTOR"),
        "signer_name": letterhead.signer_name,
        "superior": organiser.parent.name if organiser.parent is not None else "",
    }


def announcement_filename(round_):
    """ "thong-bao-ket-qua-2026-<round id>.pdf" in Vietnamese."""
    title = _("results announcement")
    return ascii_filename(title, round_.year, round_.id)


def announcement_pdf(session, round_, letterhead=None, today=None) -> bytes:
    """The results announcement of `round_` as PDF bytes (needs an app context)."""
    context = announcement_context(session, round_, letterhead, today)
    return render_pdf(render_template("reports/results_announcement.html", **context))
