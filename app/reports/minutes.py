"""The appraisal minutes of one unit (Biên bản thẩm định) as PDF: A4, the national motto
header, round, unit and team; per line its code, title, maximum, self score (with the unit's
explanation, shortened), approved score and the appraisal's comments (support member,
appraiser, approval, return, the council's supplement requests and the unit's answers,
from the line's timeline); totals per field and overall, self against approved; place and
date; signatures of the team leader and members.

Read in a fixed number of queries whatever the number of lines: the sheet (three), the
timelines (two), the signers (three).
"""

from dataclasses import dataclass, field
from decimal import Decimal

from flask import render_template
from flask_babel import gettext as _

from app.domain import timeline as tl
from app.domain.clock import format_local
from app.domain.minutes import signers
from app.domain.scoring import format_points
from app.domain.sheet import load_sheet
from app.models.appraisal import MEMBER_SUPPORT
from app.models.criteria import RULE_BONUS, RULE_PENALTY, RULE_SURVEY
from app.models.scoring import APPRAISAL_APPROVED
from app.reports.document import (
    ascii_filename,
    document_context,
    issuer_lines,
    render_pdf,
)
from app.reports.pdf import ReportRow, scorable_fields

_OUTSIDE_MAX = (RULE_BONUS, RULE_PENALTY)  # counted in the points, not in the maximum


def _comment_kinds():
    """Timeline kinds the minutes show, with their heading and whether the value is a score."""
    return {
        tl.SUPPORT: (_("Support team"), True),
        tl.APPRAISAL: (_("Appraiser"), True),
        tl.APPROVAL: (_("Approval"), True),
        tl.RETURN: (_("Returned"), False),
        tl.SUPPLEMENT_REQUEST: (_("Council's supplement request"), False),
        tl.SUPPLEMENT_RESPONSE: (_("Unit's answer"), False),
    }


@dataclass
class MinutesRow(ReportRow):
    """A ReportRow with the approved score, a note and the appraisal's comments."""

    approved_points: str = ""
    note: str = ""  # not applicable / survey
    explanation: str = ""  # the unit's own explanation of its self score, shortened
    comments: list = field(default_factory=list)  # [str]


EXPLANATION_LENGTH = 160  # the minutes quote the unit's explanation; the sheet holds it all


def short_explanation(text, length=EXPLANATION_LENGTH):
    """The unit's explanation on one line, cut to `length` characters with an ellipsis."""
    text = " ".join((text or "").split())
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


@dataclass
class FieldTotals:
    code: str
    title: str
    applicable_max: Decimal = Decimal("0")
    self_points: Decimal = Decimal("0")
    approved_points: Decimal = Decimal("0")
    scorable: bool = False


def comment_lines(entries):
    """The timeline entries the minutes print, oldest first: "Heading (who, date): text"."""
    kinds, lines = _comment_kinds(), []
    for entry in entries:
        if entry.kind not in kinds:
            continue
        heading, is_score = kinds[entry.kind]
        if is_score:
            text = "; ".join(part for part in (entry.value, entry.comment) if part)
        elif entry.kind == tl.SUPPLEMENT_RESPONSE:
            text = entry.value or ""
        else:
            text = entry.comment or ""
        who = ", ".join(p for p in (entry.user_name, format_local(entry.at, False)) if p)
        lines.append(f"{heading} ({who}): {text}" if who else f"{heading}: {text}")
    return lines


def _counts(criterion, line):
    return line is not None and not line.not_applicable and criterion.rule != RULE_SURVEY


def minutes_rows(sheet, histories):
    """(rows, {field code: FieldTotals}, lines approved, lines the team scores)."""
    rows, totals, approved, scored = [], {}, 0, 0
    scorable = scorable_fields(sheet)
    for row in sheet.rows:
        criterion, line = row.criterion, row.line
        top = row.field_code
        if criterion.parent_id is None:
            totals[top] = FieldTotals(criterion.code, criterion.title, scorable=top in scorable)
        item = MinutesRow(
            criterion.code, criterion.title, row.depth, is_field=criterion.parent_id is None,
            is_heading=line is None, max_points=format_points(criterion.max_points),
        )  # fmt: skip
        rows.append(item)
        total = totals.get(top)
        if line is None or total is None:
            continue
        if not line.not_applicable and criterion.rule not in _OUTSIDE_MAX:
            total.applicable_max += criterion.max_points
        if line.not_applicable:
            item.note = _("Not applicable")
        elif criterion.rule == RULE_SURVEY:
            item.note = _("Scored by the sociological survey")
        if _counts(criterion, line):
            scored += 1
            item.self_points = format_points(line.self_points)
            item.approved_points = format_points(line.approved_points)
            total.self_points += line.self_points or 0
            total.approved_points += line.approved_points or 0
            approved += line.appraisal_state == APPRAISAL_APPROVED
        item.explanation = short_explanation(line.explanation)
        item.comments = comment_lines(histories.get(line.id, []))
    for item in rows:
        if item.is_field and (total := totals.get(item.code)) is not None and total.scorable:
            item.self_points = format_points(total.self_points)
            item.approved_points = format_points(total.approved_points)
    return rows, totals, approved, scored


def _issuer(assessment, teams):
    organiser = assessment.round.organiser_unit
    if not teams:
        return issuer_lines(organiser)
    return organiser.name.upper(), " - ".join(t.team.name for t in teams).upper()


def _role_label(role):
    return _("Support team") if role == MEMBER_SUPPORT else _("Appraisal team")


def minutes_context(session, assessment, today=None):
    """Everything templates/reports/appraisal_minutes.html shows."""
    sheet = load_sheet(session, assessment)
    histories = tl.timelines(session, sheet.lines)
    rows, totals, approved, scored = minutes_rows(sheet, histories)
    teams = signers(session, assessment)
    scorable = [t for t in totals.values() if t.scorable]

    def total(attr):
        return format_points(sum((getattr(t, attr) for t in scorable), Decimal("0")))

    return {
        **document_context(assessment.unit, *_issuer(assessment, teams), today),
        "unit": assessment.unit,
        "round": assessment.round,
        "framework": assessment.round.framework,
        "teams": [
            (entry, [(user, _role_label(role)) for user, role in entry.members]) for entry in teams
        ],
        "rows": rows,
        "fields": [
            (
                t,
                format_points(t.applicable_max),
                format_points(t.self_points) if t.scorable else "",
                format_points(t.approved_points) if t.scorable else "",
            )
            for t in totals.values()
        ],  # fmt: skip
        "applicable_max": format_points(sum((t.applicable_max for t in totals.values()), 0)),
        "self_total": total("self_points"),
        "approved_total": total("approved_points"),
        "lines_approved": approved,
        "lines_scored": scored,
    }


def minutes_filename(assessment):
    """ "bien-ban-tham-dinh-XA001-2026.pdf" in Vietnamese."""
    title = _("appraisal minutes")
    return ascii_filename(title, assessment.unit.code, assessment.round.year)


def minutes_pdf(session, assessment, today=None) -> bytes:
    """The appraisal minutes of `assessment`'s unit as PDF bytes (needs an app context)."""
    context = minutes_context(session, assessment, today)
    return render_pdf(render_template("reports/appraisal_minutes.html", **context))
