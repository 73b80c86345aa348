"""What the score sheet page shows, built from load_sheet() and the domain's decisions.

Kept apart from the view so app/views/sheet.py stays about requests and answers. Every query
here runs once per page (the unit's people, missing items) or once per opened panel (that
line's evidence), never once per line.
"""

from functools import lru_cache

from flask import request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_
from sqlalchemy.orm import joinedload

from app.domain import self_assessment as sa
from app.domain.appraisal_lists import open_requests
from app.domain.clock import format_local
from app.domain.policy import role_names
from app.domain.scoring import DEFAULT_STEP
from app.domain.scoring import format_points as _format_points
from app.domain.sheet import load_sheet, sheet_totals
from app.domain.windows import deadline, time_left, window_open
from app.formatting import vn_number
from app.models import AppUser, Evidence
from app.models.criteria import (
    RULE_BONUS,
    RULE_CHOICE,
    RULE_DEDUCTION,
    RULE_PENALTY,
    RULE_SURVEY,
    RULE_TIERS,
)
from app.models.rounds import WINDOW_SELF
from app.models.scoring import EVIDENCE_LINK, STATUS_DRAFT, STATUS_SUBMITTED
from app.security import roles
from app.views.sheet_supplement import supplement_context

# A sheet repeats a few maxima and scores over ~140 rows: format each value once.
format_points = lru_cache(maxsize=1024)(_format_points)
STATUS_LABELS = {STATUS_DRAFT: _l("Draft"), STATUS_SUBMITTED: _l("Submitted")}
ACTION_LABELS = {
    "score": _l("Score entered"),
    "explanation": _l("Explanation"),
    "not_applicable": _l("Marked not applicable"),
    "applicable": _l("Not-applicable mark cleared"),
    "evidence_add": _l("Evidence added"),
    "evidence_delete": _l("Evidence deleted"),
}
FILTERS = ("mine", "missing", "all")


def row_labels():
    """Every text the rows repeat, translated once per page instead of once per row."""
    return {
        "assign": _("Assign"),
        "score_of": _("Score of"),
        "choose": _("— choose —"),
        "times": _("times"),
        "not_applicable": _("Not applicable"),
        "survey": _("Scored from the survey"),
        "view_only": _("View only"),
        "signed": _("Digitally signed"),
        "delete": _("Delete"),
        "guidance": _("Guidance"),
        "explanation": _("Explanation"),
        "save_explanation": _("Save the explanation"),
        "applies": _("This criterion applies after all"),
        "na_because": _("Not applicable to the unit, because:"),
        "mark_na": _("Mark not applicable"),
        "evidence": _("Evidence documents"),
        "no_evidence": _("No evidence yet."),
        "file": _("File (PDF, JPEG, PNG)"),
        "or_link": _("or a link (http, https)"),
        "add_evidence": _("Add evidence"),
        "history": _("Change log of this line"),
        "assigned_to": _("Assigned to"),
        "evidence_required": _("Evidence required"),
        "details": _("Explanation and evidence"),
        "supplement_request": _("Supplement requested by the council"),
    }


def status_label(status):
    """The label of an assessment's status ("Dự thảo", "Đã gửi")."""
    return str(STATUS_LABELS.get(status, status))


def time_left_text(seconds):
    """'19 days 5 hours left', '3 hours 20 minutes left', or that the deadline has passed."""
    if seconds is None:
        return ""
    if seconds <= 0:
        return _("the deadline has passed")
    minutes = int(seconds // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return _("%(days)s days %(hours)s hours left", days=days, hours=hours)
    if hours:
        return _("%(hours)s hours %(minutes)s minutes left", hours=hours, minutes=minutes)
    return _("%(minutes)s minutes left", minutes=minutes)


def size_text(size):
    """A file size for people: 350 KB, 1,2 MB."""
    if size is None:
        return ""
    if size >= 1024 * 1024:
        return f"{vn_number(size / (1024 * 1024), 1)} MB"
    if size >= 1024:
        return f"{vn_number(size / 1024, 0)} KB"
    return f"{size} B"


def input_kind(criterion):
    """Which control the line gets: decimal, percent, count, choice or survey."""
    return {
        RULE_CHOICE: "choice",
        RULE_TIERS: "percent",
        RULE_DEDUCTION: "count",
        RULE_SURVEY: "survey",
    }.get(criterion.rule, "decimal")


def rule_hint(criterion):
    """A short reminder of how the line is scored, next to its input."""
    top = format_points(criterion.max_points)
    if criterion.rule == RULE_BONUS:
        return _("Bonus points, at most %(max)s.", max=top)
    if criterion.rule == RULE_PENALTY:
        return _("Points deducted, at most %(max)s.", max=top)
    if criterion.rule == RULE_TIERS:
        tiers = "; ".join(
            f"≥ {format_points(t.min_percent)}%: {format_points(t.points)}" for t in criterion.tiers
        )
        return _("Type the percentage achieved. Points: %(tiers)s.", tiers=tiers)
    if criterion.rule == RULE_DEDUCTION:
        return _(
            "Type the number of occurrences; each deducts %(per)s points.",
            per=format_points(criterion.per_occurrence),
        )
    if criterion.rule in (RULE_CHOICE, RULE_SURVEY):
        return ""
    step = format_points(criterion.step or DEFAULT_STEP)
    return _("From 0 to %(max)s, in steps of %(step)s.", max=top, step=step)


def input_value(line):
    """What the input shows: the stored input, with the Vietnamese decimal comma."""
    if line.self_input is None:
        return ""
    if line.criterion.rule == RULE_CHOICE:
        return line.self_input
    return line.self_input.replace(".", ",")


def shown_value(line):
    """The saved answer as text, for read-only lines (an option's label, not its key)."""
    if line.criterion.rule == RULE_CHOICE:
        labels = {o.key: o.label for o in line.criterion.options}
        return labels.get(line.self_input, line.self_input or "")
    if line.criterion.rule == RULE_TIERS and line.self_input:
        return input_value(line) + "%"
    return input_value(line)


def evidence_item(evidence):
    """One evidence item as the panel shows it (the same keys the upload answer uses)."""
    base = request.script_root
    return {
        "id": evidence.id,
        "name": evidence.original_name or evidence.url or "",
        "link": evidence.kind == EVIDENCE_LINK,
        "size": size_text(evidence.size),
        "sha256": evidence.sha256 or "",
        "signed": bool(evidence.signed),
        "download": f"{base}/evidence/{evidence.id}/download",
        "delete": f"{base}/evidence/{evidence.id}/delete",
        "phase": evidence.phase,
    }


def line_evidence(session, line):
    """The evidence items of one line, in upload order (one query)."""
    rows = (
        session.query(Evidence)
        .filter(Evidence.score_line_id == line.id)
        .order_by(Evidence.uploaded_at, Evidence.id)
    )
    return [evidence_item(evidence) for evidence in rows]


def people(session, assessment, preparer_ids):
    """(staff of the unit who may be assigned lines, names of everyone preparing a line)."""
    users = (
        session.query(AppUser)
        .options(joinedload(AppUser.roles))
        .filter(or_(AppUser.unit_id == assessment.unit_id, AppUser.id.in_(preparer_ids or [0])))
        .all()
    )
    members = sorted(
        (
            u
            for u in users
            if u.unit_id == assessment.unit_id
            and u.active
            and role_names(u) & {roles.UNIT_LEADER, roles.UNIT_STAFF}
        ),
        key=lambda u: (u.first_name.split()[-1:], u.get_full_name()),
    )
    return members, {u.id: u.get_full_name() for u in users}


class PageRow:
    """One row of the page: a heading, or a line with what the user may do with it.

    Plain attributes, computed once here: the template reads them for ~140 rows per page."""

    __slots__ = (
        "criterion", "line", "depth", "field_code", "max", "kind", "hint", "value", "shown",
        "points", "options", "editable", "reason", "mine", "missing", "preparer", "evidence",
        "evidence_count", "hidden", "html", "request", "attach",
    )  # fmt: skip

    def __init__(self, sheet_row, hints=None):
        criterion, line = sheet_row.criterion, sheet_row.line
        self.criterion, self.line = criterion, line
        self.depth, self.field_code = sheet_row.depth, sheet_row.field_code
        self.evidence_count = sheet_row.evidence_count
        self.max = format_points(criterion.max_points)
        self.editable, self.reason, self.mine, self.missing = False, "", False, ""
        self.preparer, self.evidence, self.hidden, self.html = "", [], False, ""
        # The council's supplement request not closed yet, and whether the unit may add to it.
        self.request, self.attach = None, False
        self.kind = self.hint = self.value = self.shown = self.points = ""
        self.options = []
        if line is not None:
            self.kind = input_kind(criterion)
            self.hint = rule_hint(criterion) if hints is None else hints.of(criterion)
            self.value, self.shown = input_value(line), shown_value(line)
            self.points = format_points(line.self_points)
            if self.kind == "choice":
                self.options = [
                    {"key": o.key, "label": f"{o.label} ({format_points(o.points)})"}
                    for o in criterion.options
                ]


class _Hints(dict):
    """rule_hint() once per kind of rule on a page: most lines share "From 0 to 1, in steps
    of 0,25" and a translated, formatted text per row costs more than the row's markup."""

    def of(self, criterion):
        tiers = criterion.tiers if criterion.rule == RULE_TIERS else ()
        key = (
            criterion.rule, criterion.max_points, criterion.step, criterion.per_occurrence,
            tuple((t.min_percent, t.points) for t in tiers),
        )  # fmt: skip
        if key not in self:
            self[key] = rule_hint(criterion)
        return self[key]


def _visible(row, show):
    if show == "mine":
        return row.mine
    if show == "missing":
        return bool(row.missing)
    return True


def _ancestors(code):
    parts = code.split(".")
    return {".".join(parts[:i]) for i in range(1, len(parts))}


def build_rows(session, user, assessment, sheet, now, show):
    """The page's rows (PageRow) and the staff the leader may assign lines to."""
    # g.user is Flask-Login's proxy: resolve it once, not at each of the rows' reads.
    user = user._get_current_object() if hasattr(user, "_get_current_object") else user
    lines = sheet.lines
    members, names = people(session, assessment, {ln.preparer_id for ln in lines} - {None})
    missing = {line.id: reason for line, reason in sa.missing_in_sheet(sheet)}
    requests = open_requests(session, [ln.id for ln in lines])
    rows, shown_codes, decisions, hints = [], set(), {}, _Hints()
    for sheet_row in sheet.rows:
        row = PageRow(sheet_row, hints)
        line = sheet_row.line
        if line is not None:
            # Lines of one sheet differ, for the decision, only by who prepares them: ask the
            # domain once per preparer rather than once per line.
            if line.preparer_id not in decisions:
                decisions[line.preparer_id] = sa.line_edit_decision(user, line, now)
            decision = decisions[line.preparer_id]
            row.editable, row.reason = bool(decision), decision.reason
            row.mine = line.preparer_id == user.id
            row.missing = str(missing.get(line.id, ""))
            row.preparer = names.get(line.preparer_id, "")
            row.request = requests.get(line.id)
            row.hidden = not _visible(row, show)
            if not row.hidden:
                shown_codes |= _ancestors(sheet_row.criterion.code)
        rows.append(row)
    for row in rows:
        if row.line is None:
            row.hidden = row.criterion.code not in shown_codes
    return rows, members


def panel_context(session, user, line, now):
    """What sheet_panel.html needs for one line's panel."""
    from app.domain.sheet import SheetRow

    criterion = line.criterion
    top = criterion.code.split(".")[0]
    row = PageRow(SheetRow(criterion, criterion.code.count("."), line, field_code=top))
    decision = sa.line_edit_decision(user, line, now)
    row.editable, row.reason = bool(decision), decision.reason
    row.evidence = line_evidence(session, line)
    row.evidence_count = len(row.evidence)
    return {
        **supplement_context(session, user, line, row, now),
        "row": row,
        "assessment": line.assessment,
        "t": row_labels(),
        "evidence_base": f"{request.script_root}/evidence/",
    }


def page_context(session, user, assessment, sheet, now, show="all"):
    """Everything sheet.html needs, computed with a fixed number of queries."""
    show = show if show in FILTERS else "all"
    round_ = assessment.round
    rows, members = build_rows(session, user, assessment, sheet, now, show)
    leader = sa.leader_decision(user, assessment, now)
    is_leader = (
        roles.UNIT_LEADER in role_names(user)
        and getattr(user, "unit_id", None) == assessment.unit_id
    )
    end = deadline(round_, WINDOW_SELF, assessment.unit_id, now)
    return {
        "assessment": assessment,
        "sheet": sheet,
        "rows": rows,
        "members": members,
        "leader": leader,
        "is_leader": is_leader,
        "window": window_open(round_, WINDOW_SELF, assessment.unit_id, now),
        "deadline": format_local(end) if end else "",
        "time_left": time_left_text(time_left(round_, WINDOW_SELF, assessment.unit_id, now)),
        "status_label": status_label(assessment.status),
        "submitted": assessment.status == STATUS_SUBMITTED,
        "submitted_at": format_local(assessment.submitted_at),
        "show": show,
        "line_ids": {r.criterion.code: r.line.id for r in rows if r.line is not None},
        "totals": totals(sheet),
        "t": row_labels(),
        "evidence_base": f"{request.script_root}/evidence/",
    }


def totals(sheet):
    """The running totals the page shows and the script updates after each save."""
    return {
        "total": format_points(sheet.self_total),
        "max": format_points(sheet.applicable_max),
        "scored": sheet.lines_scored,
        "lines_total": sheet.lines_total,
        "missing_evidence": sheet.lines_missing_evidence,
        "fields": {
            code: {"total": format_points(f.self_points), "max": format_points(f.applicable_max)}
            for code, f in sheet.fields.items()
        },
    }


def sheet_state(session, assessment):
    """Totals and the missing reason of every line, for the script after an upload."""
    sheet = load_sheet(session, assessment)
    data = totals(sheet)
    data["missing_lines"] = {line.id: str(reason) for line, reason in sa.missing_in_sheet(sheet)}
    return data


def line_state(session, line):
    """The saved line and the sheet's new totals, for the script after a save.

    The totals come from one light query (sheet_totals); which lines still miss something is
    not recomputed here: the script asks for it with sheet_state() once the user pauses."""
    sheet = sheet_totals(session, line.assessment)
    top = line.criterion.code.split(".")[0]
    data = totals(sheet)
    field_total = data["fields"].get(top, {"total": "", "max": ""})
    data.update(
        line_id=line.id,
        version=line.version,
        input=input_value(line),
        points=format_points(line.self_points),
        not_applicable=bool(line.not_applicable),
        field=top,
        field_total=field_total["total"],
        field_max=field_total["max"],
    )
    return data


def history_item(event):
    """One change-log entry of a line: local time, who, what, old and new value."""
    return {
        "at": format_local(event.at),
        "user": event.user.get_full_name() if event.user is not None else "",
        "action": str(ACTION_LABELS.get(event.action, event.action)),
        "old": event.old_value or "",
        "new": event.new_value or "",
        "reason": event.reason or "",
    }
