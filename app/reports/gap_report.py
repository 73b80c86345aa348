"""The gap analysis of one unit (app/domain/gap.py), formatted for its page and its PDF.

`gap_context` gives both the same rows, already written the Vietnamese way (decimal comma,
indexes and rates with 2 decimals, signed changes) with the widths of their bars in % (CSS
bars on the page, table-cell bars in the PDF: no chart library, nothing from a CDN). The PDF
has the header of every document of the app (app/reports/document.py).
"""

from dataclasses import dataclass

from flask import render_template
from flask_babel import gettext as _

from app.domain.gap import TOP_PERCENT, gap_report
from app.domain.scoring import format_points
from app.models.criteria import GradeBand
from app.models.rounds import Round
from app.reports.announcement import format_index
from app.reports.document import ascii_filename, document_context, issuer_lines, render_pdf


def signed(value):
    """A change in percentage points: "+12,50", "-5,00", "0,00"; "" when there is none."""
    if value is None:
        return ""
    text = format_index(abs(value))
    return f"+{text}" if value > 0 else (f"-{text}" if value < 0 else text)


def width(part, whole):
    """`part` of `whole` as a CSS width in % (0 to 100, a dot as decimal point)."""
    if part is None or not whole or whole <= 0:
        return "0"
    share = max(0, min(100, float(part) * 100 / float(whole)))
    return f"{share:.1f}"


@dataclass
class Row:
    """One printed row: texts, and the bar widths in %."""

    code: str
    title: str
    max_points: str = ""
    points: str = ""
    lost: str = ""
    best: str = ""
    behind: str = ""
    rate: str = ""
    previous: str = ""
    change: str = ""
    bar: str = "0"  # the unit's share of the maximum
    best_bar: str = "0"  # the best units' share
    lost_bar: str = "0"  # of the largest value in its list
    note: str = ""  # not applicable, not approved yet, survey
    trend: str = ""  # "up", "down", "" (for the colour of the change)
    field_row: bool = False


def _trend(change):
    if change is None or change == 0:
        return ""
    return "up" if change > 0 else "down"


def _line_row(line, lost_scale=None, behind_scale=None):
    """A line's row; `lost_scale` / `behind_scale`: the largest value of its list, whose bar
    is full width."""
    note = ""
    if line.not_applicable:
        note = _("Not applicable")
    elif not line.approved:
        note = _("Not approved yet (counted as 0)")
    elif line.survey:
        note = _("Sociological survey")
    row = Row(
        code=line.code, title=line.title, max_points=format_points(line.max_points),
        points=format_points(line.points), lost=format_points(line.lost),
        best=format_points(line.best), behind=format_points(line.behind_best),
        rate=format_index(line.rate), previous=format_index(line.previous_rate),
        change=signed(line.change), bar=width(line.points, line.max_points),
        best_bar=width(line.best, line.max_points), note=note, trend=_trend(line.change),
    )  # fmt: skip
    if lost_scale:
        row.lost_bar = width(line.lost, lost_scale)
    elif behind_scale:
        row.lost_bar = width(line.behind_best, behind_scale)
    return row


def _field_row(item):
    return Row(
        code=item.code, title=item.title, max_points=format_points(item.applicable_max),
        points=format_points(item.points), lost=format_points(item.lost),
        best=format_index(item.best_index), rate=format_index(item.index),
        previous=format_index(item.previous_index), change=signed(item.change),
        bar=width(item.index, 100), best_bar=width(item.best_index, 100),
        note="" if item.applicable_max else _("Not applicable"), trend=_trend(item.change),
        field_row=True,
    )  # fmt: skip


def _summary(session, report):
    result = report.result
    if result is None:
        return None
    grade = session.get(GradeBand, result.grade_band_id) if result.grade_band_id else None
    return {
        "total": format_points(result.total),
        "applicable_max": format_points(result.applicable_max),
        "index": format_index(result.index),
        "grade": grade.name if grade is not None else _("Not graded"),
        "rank": result.rank,
        "units": report.units_ranked,
        "previous_index": format_index(result.previous_index),
        "change": signed(result.index_change),
        "trend": _trend(result.index_change),
        "lost": format_points(report.lost_total),
    }


def gap_context(session, round_, unit):
    """Everything templates/results_gap.html and reports/gap_analysis.html show."""
    report = gap_report(session, round_, unit.id)
    losses, behind = report.largest_losses, report.furthest_behind
    previous = session.get(Round, report.previous_round_id) if report.previous_round_id else None
    return {
        "round": round_,
        "unit": unit,
        "report": report,
        "summary": _summary(session, report),
        "previous_round": previous,
        "top_percent": TOP_PERCENT,
        "top_count": report.top_count,
        "top_threshold": format_index(report.top_threshold),
        "fields": [_field_row(item) for item in report.fields],
        "losses": [_line_row(line, lost_scale=losses[0].lost) for line in losses],
        "behind": [_line_row(line, behind_scale=behind[0].behind_best) for line in behind],
        "lines": [_line_row(line) for line in report.lines],
    }


def gap_filename(round_, unit):
    """ "phan-tich-diem-hut-XA001-2026.pdf" in Vietnamese."""
    title = _("gap analysis")
    return ascii_filename(title, unit.code, round_.year)


def gap_pdf(session, round_, unit, today=None) -> bytes:
    """The unit's results and gap analysis as PDF bytes (needs an app context)."""
    context = gap_context(session, round_, unit)
    organiser = round_.organiser_unit
    context.update(document_context(organiser, *issuer_lines(organiser), today))
    return render_pdf(render_template("reports/gap_analysis.html", **context))
