"""What the appraisal sheet page shows, built from load_appraisal_sheet() (app/domain).

Kept apart from the view so app/views/appraisal_sheet.py stays about requests and answers.
Inputs, rule hints and points are formatted as on the self-assessment sheet (sheet_page.py).
"""

from flask import request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.domain import timeline as tl
from app.domain.appraisal_sheet import FILTERS, load_appraisal_sheet
from app.domain.clock import format_local
from app.domain.evidence import JPEG, PDF, PNG
from app.domain.windows import deadline, time_left, window_open
from app.models.criteria import RULE_CHOICE, RULE_TIERS
from app.models.rounds import WINDOW_SUPPLEMENT
from app.models.scoring import (
    APPRAISAL_APPRAISED,
    APPRAISAL_APPROVED,
    APPRAISAL_PENDING,
    APPRAISAL_RETURNED,
    APPRAISAL_SCORED,
    CYCLE_SUPPLEMENT,
    Evidence,
)
from app.views.appraisal_common import REQUEST_LABELS, STATE_LABELS, label_of
from app.views.sheet_page import _Hints, evidence_item, format_points, input_kind, time_left_text

STATE_CLASSES = {
    APPRAISAL_PENDING: "label-default",
    APPRAISAL_SCORED: "label-info",
    APPRAISAL_APPRAISED: "label-primary",
    APPRAISAL_APPROVED: "label-success",
    APPRAISAL_RETURNED: "label-warning",
}
TIMELINE_LABELS = {
    tl.SELF: _l("Self-assessment"),
    tl.SUPPORT: _l("Support score"),
    tl.APPRAISAL: _l("Appraisal"),
    tl.APPROVAL: _l("Approval"),
    tl.RETURN: _l("Returned"),
    tl.SUPPLEMENT_REQUEST: _l("Supplement requested"),
    tl.SUPPLEMENT_RESPONSE: _l("Unit's supplement"),
    tl.SUPPLEMENT_CLOSE: _l("Supplement closed"),
    tl.EVIDENCE: _l("Evidence"),
    tl.SURVEY: _l("Survey"),
    tl.OTHER: _l("Other change"),
}


def state_label(state):
    return label_of(STATE_LABELS, state)


def labels():
    """Every text the rows repeat, translated once per page."""
    return {
        "choose": _("— choose —"),
        "score_of": _("Score of"),
        "comment": _("Comment"),
        "support_comment": _("Support member's comment"),
        "appraisal_comment": _("Appraiser's comment"),
        "accept": _("Accept"),
        "accept_title": _("Accept the support member's score"),
        "adjust": _("Adjusted score"),
        "approve": _("Approve"),
        "approve_field": _("Approve the field"),
        "return": _("Return the line"),
        "return_because": _("Return to the support member and appraiser, because:"),
        "view_only": _("View only"),
        "not_assigned": _("Not assigned"),
        "survey": _("Scored from the survey"),
        "not_applicable": _("Not applicable"),
        "details": _("Explanation, evidence and timeline"),
        "times": _("times"),
        "view": _("View"),
        "download": _("Download"),
        "supplement": _("Supplementary appraisal"),
    }


def as_input(criterion, raw):
    """A stored input as the user types it: an option key, or the Vietnamese decimal comma."""
    if raw is None:
        return ""
    return raw if criterion.rule == RULE_CHOICE else raw.replace(".", ",")


def shown(criterion, raw):
    """A stored input as read-only text (an option's label, a percentage with its sign)."""
    if raw is None:
        return ""
    if criterion.rule == RULE_CHOICE:
        return {o.key: o.label for o in criterion.options}.get(raw, raw)
    return as_input(criterion, raw) + ("%" if criterion.rule == RULE_TIERS else "")


class RowView:
    """One row as the template reads it: the domain's row plus formatted values."""

    def __init__(self, row, hints, names, show):
        self.row = row
        self.criterion, self.line, self.depth = row.criterion, row.line, row.depth
        self.max = format_points(row.criterion.max_points)
        self.hidden = False
        if row.line is None:
            return
        line, criterion = row.line, row.criterion
        self.kind = input_kind(criterion)
        self.hint = hints.of(criterion)
        self.options = [
            {"key": o.key, "label": f"{o.label} ({format_points(o.points)})"}
            for o in criterion.options
        ]
        self.self_points = format_points(line.self_points)
        self.self_shown = shown(criterion, line.self_input)
        self.support_points = format_points(line.support_points)
        self.support_value = as_input(criterion, line.support_input)
        self.support_shown = shown(criterion, line.support_input)
        self.appraised_points = format_points(line.appraised_points)
        self.appraised_value = as_input(criterion, line.appraised_input)
        self.approved_points = format_points(line.approved_points)
        self.state = line.appraisal_state
        self.state_label = state_label(line.appraisal_state)
        self.state_class = STATE_CLASSES.get(line.appraisal_state, "label-default")
        self.supplement = line.appraisal_cycle == CYCLE_SUPPLEMENT
        held = row.held
        self.support_member = names.get(held.support.user_id, "") if held.support else ""
        self.appraiser = names.get(held.appraiser.user_id, "") if held.appraiser else ""
        self.hidden = not visible(row, show)


def visible(row, show):
    if show == "mine":
        return row.mine
    if show == "todo":
        return row.todo
    return True


def _ancestors(code):
    parts = code.split(".")
    return {".".join(parts[:i]) for i in range(1, len(parts))}


def build_rows(sheet, show):
    hints, rows, shown_codes = _Hints(), [], set()
    for row in sheet.rows:
        view = RowView(row, hints, sheet.names, show)
        rows.append(view)
        if row.line is not None and not view.hidden:
            shown_codes |= _ancestors(row.criterion.code)
    for view in rows:
        if view.line is None:
            view.hidden = view.criterion.code not in shown_codes
    return rows


def totals(sheet):
    """The four columns' totals (overall and per field) and the progress counts."""

    def columns(item):
        values = {column: format_points(points) for column, points in item.points.items()}
        values["max"] = format_points(item.applicable_max)
        return values

    progress, mine = sheet.progress, sheet.mine
    return {
        "total": columns(sheet.total),
        "fields": {code: columns(item) for code, item in sheet.fields.items()},
        "progress": {
            "lines": progress.lines,
            "scored": progress.scored,
            "appraised": progress.appraised,
            "approved": progress.approved,
            "returned": progress.returned,
            "unassigned": progress.unassigned,
        },  # fmt: skip
        "mine": {"lines": mine.lines, "todo": sum(1 for r in sheet.rows if r.line and r.todo)},
    }


def page_context(session, user, assessment, now, show="all"):
    """Everything appraisal_sheet.html needs, computed with a fixed number of queries."""
    show = show if show in FILTERS else "all"
    sheet = load_appraisal_sheet(session, assessment, user, now)
    round_, unit_id = assessment.round, assessment.unit_id
    end = deadline(round_, sheet.window, unit_id, now)
    return {
        "assessment": assessment,
        "sheet": sheet,
        "rows": build_rows(sheet, show),
        "show": show,
        "totals": totals(sheet),
        "window": window_open(round_, sheet.window, unit_id, now),
        "window_name": _("Supplement window")
        if sheet.window == WINDOW_SUPPLEMENT
        else _("Appraisal window"),
        "deadline": format_local(end) if end else "",
        "time_left": time_left_text(time_left(round_, sheet.window, unit_id, now)),
        "t": labels(),
        "pts": format_points,
    }


def sheet_state(session, user, assessment, now):
    """The totals and progress for the script after a save (the same numbers as the page)."""
    return totals(load_appraisal_sheet(session, assessment, user, now))


# Steps whose logged values are a line's state or a request's status (codes such as
# "approved", "answered"): shown by their names, like the lists show them.
_CODED_VALUES = {
    tl.RETURN: STATE_LABELS,
    tl.SUPPLEMENT_REQUEST: STATE_LABELS,
    tl.SUPPLEMENT_CLOSE: REQUEST_LABELS,
}


def _value(entry, value):
    labels = _CODED_VALUES.get(entry.kind)
    return label_of(labels, value) if labels and value else value or ""


def timeline_items(session, line):
    """The line's timeline (app/domain/timeline.py) as the panel shows it."""
    return [
        {
            "at": format_local(entry.at) if entry.at else "",
            "kind": entry.kind,
            "label": str(TIMELINE_LABELS.get(entry.kind, entry.action)),
            "user": entry.user_name,
            "old": _value(entry, entry.old),
            "value": _value(entry, entry.value),
            "comment": entry.comment or "",
        }
        for entry in tl.timeline(session, line)
    ]


def panel_context(session, user, line, now):
    """What appraisal_panel.html needs for one line: the self-assessment's explanation and
    evidence, the team's comments, the return form when allowed, and the timeline."""
    from app.domain.approval import return_decision

    evidence = []
    rows = (
        session.query(Evidence)
        .filter(Evidence.score_line_id == line.id)
        .order_by(Evidence.uploaded_at, Evidence.id)
    )
    for row in rows:
        item = evidence_item(row)
        # The viewer opens PDFs in a frame and images as pictures, from the download route
        # (policy-checked; inline only for the types the upload sniffed and accepted).
        item["viewer"] = {PDF: "pdf", JPEG: "image", PNG: "image"}.get(row.mime_type, "")
        item["view"] = item["download"] + "?inline=1"
        item["supplement"] = row.phase == "supplement"
        evidence.append(item)
    return {
        "line": line,
        "criterion": line.criterion,
        "evidence": evidence,
        "timeline": timeline_items(session, line),
        "may_return": return_decision(session, user, line, now),
        "t": labels(),
        "base": request.script_root + "/appraisal/",
    }
