"""The self-assessment report PDF (Báo cáo kết quả tự đánh giá): the whole sheet, evidence,
totals, for the leader's signature. What every document shares (fonts, the render, header,
place and date) is in app/reports/document.py."""

import re
from dataclasses import dataclass, field

from flask import render_template
from flask_babel import gettext as _

from app.domain.scoring import format_points
from app.domain.sheet import load_sheet
from app.models.criteria import RULE_SURVEY
from app.models.scoring import EVIDENCE_LINK, Evidence, ScoreLine

# Re-exported: these lived here before app/reports/document.py gathered them.
from app.reports.document import (  # noqa: F401
    FONT_CSS,
    FONT_DIR,
    FONT_FAMILY,
    PDF_MIMETYPE,
    ascii_filename,
    document_context,
    issuer_lines,
    page_label,
    pisa,
    place_date,
    printable,
    province_place,
    render_pdf,
    today_local,
)

_WEB_LINK = re.compile(r"https?://", re.IGNORECASE)

# --- the self-assessment report ----------------------------------------------------------


@dataclass
class ReportRow:
    """One row of the report's table, already formatted for print."""

    code: str
    title: str
    depth: int
    is_field: bool = False
    is_heading: bool = False
    max_points: str = ""
    self_points: str = ""
    explanation: str = ""
    not_applicable: bool = False
    not_applicable_reason: str = ""
    survey: bool = False
    evidence: list = field(default_factory=list)  # (label, url or None, signed)


def evidence_by_line(session, assessment):
    """{score_line_id: [Evidence, ...]} for the whole assessment, in one query."""
    rows = (
        session.query(Evidence)
        .join(ScoreLine, Evidence.score_line_id == ScoreLine.id)
        .filter(ScoreLine.assessment_id == assessment.id)
        .order_by(Evidence.score_line_id, Evidence.uploaded_at, Evidence.id)
        .all()
    )
    grouped = {}
    for item in rows:
        grouped.setdefault(item.score_line_id, []).append(item)
    return grouped


def _evidence_items(items):
    result = []
    for item in items:
        if item.kind == EVIDENCE_LINK:
            # Only http(s) becomes a clickable link; anything else stays plain text.
            url = item.url if _WEB_LINK.match(item.url or "") else None
            result.append((item.url or "", url, False))
        else:
            result.append((item.original_name or item.sha256 or "", None, bool(item.signed)))
    return result


def scorable_fields(sheet):
    """Codes of the fields with a self-scored line: one whose lines are all survey or not
    applicable has no self score (printed blank), not a zero."""
    return {
        row.field_code
        for row in sheet.rows
        if row.line is not None
        and not row.line.not_applicable
        and row.criterion.rule != RULE_SURVEY
    }


def report_rows(sheet, evidence):
    """The sheet's rows as ReportRows: headings with their maximum (fields with their subtotal),
    leaves with the self score, explanation, not-applicable reason and evidence."""
    rows = []
    scorable = scorable_fields(sheet)
    for row in sheet.rows:
        criterion, line = row.criterion, row.line
        item = ReportRow(
            code=criterion.code,
            title=criterion.title,
            depth=row.depth,
            is_field=criterion.parent_id is None,
            is_heading=line is None,
            max_points=format_points(criterion.max_points),
        )
        if item.is_field:
            total = sheet.fields.get(criterion.code.split(".")[0])
            if total is not None and row.field_code in scorable:
                item.self_points = format_points(total.self_points)
        if line is not None:
            item.survey = criterion.rule == RULE_SURVEY
            item.not_applicable = bool(line.not_applicable)
            item.not_applicable_reason = line.not_applicable_reason or ""
            if not item.not_applicable and not item.survey:
                item.self_points = format_points(line.self_points)
            item.explanation = line.explanation or ""
            item.evidence = _evidence_items(evidence.get(line.id, []))
        rows.append(item)
    return rows


def report_filename(assessment):
    """An ASCII-safe file name: "bao-cao-tu-danh-gia-XA001-2026.pdf" in Vietnamese."""
    # Outside the f-string, or the message extractor would not see the msgid.
    title = _("self-assessment report")
    return ascii_filename(title, assessment.unit.code, assessment.round.year)


def self_assessment_context(session, assessment, today=None):
    """Everything the report template shows: the same sheet as the screen, plus evidence."""
    sheet = load_sheet(session, assessment)
    evidence = evidence_by_line(session, assessment)
    unit = assessment.unit
    scorable = scorable_fields(sheet)
    fields = [
        (
            total.criterion,
            format_points(total.applicable_max),
            format_points(total.self_points) if code in scorable else "",
        )
        for code, total in sheet.fields.items()
    ]
    return {
        **document_context(unit, *issuer_lines(unit), today),
        "assessment": assessment,
        "unit": unit,
        "round": assessment.round,
        "framework": assessment.round.framework,
        "rows": report_rows(sheet, evidence),
        "fields": fields,
        "self_total": format_points(sheet.self_total),
        "applicable_max": format_points(sheet.applicable_max),
        "lines_scored": sheet.lines_scored,
        "lines_total": sheet.lines_total,
    }


def self_assessment_pdf(session, assessment, today=None) -> bytes:
    """The self-assessment report of `assessment` as PDF bytes (needs an app context)."""
    context = self_assessment_context(session, assessment, today)
    html = render_template("reports/self_assessment.html", **context)
    return render_pdf(html)
