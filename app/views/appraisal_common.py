"""What the appraisal's FAB lists share: labels of states and kinds, the search filters (round,
unit, code, assignee), the page's related rows loaded in a few queries, the outcome of a bulk
action ("3 lines approved; 2 lines refused: ..."), and the form of an action that needs a
comment or a reason (it keeps what was typed when the action is refused)."""

from flask import flash, g, request, url_for
from flask_appbuilder.models.filters import BaseFilter
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import false

from app.domain import policy
from app.domain.appraisal_lists import held_lines
from app.extensions import db
from app.models import AppUser, Assessment, Assignment, Criterion, Round, ScoreLine, Unit
from app.models.appraisal import ASSIGN_APPRAISER, ASSIGN_SUPPORT
from app.models.rounds import round_unit
from app.models.scoring import (
    APPRAISAL_APPRAISED,
    APPRAISAL_APPROVED,
    APPRAISAL_PENDING,
    APPRAISAL_RETURNED,
    APPRAISAL_SCORED,
    CYCLE_FIRST,
    CYCLE_SUPPLEMENT,
)
from app.models.supplement import REQUEST_ANSWERED, REQUEST_CLOSED, REQUEST_OPEN

STATE_LABELS = {
    APPRAISAL_PENDING: _l("Waiting for the team's score"),
    APPRAISAL_SCORED: _l("Scored by the support team"),
    APPRAISAL_APPRAISED: _l("Appraised"),
    APPRAISAL_APPROVED: _l("Approved"),
    APPRAISAL_RETURNED: _l("Returned"),
}
CYCLE_LABELS = {CYCLE_FIRST: _l("First appraisal"), CYCLE_SUPPLEMENT: _l("Supplementary appraisal")}
KIND_LABELS = {ASSIGN_SUPPORT: _l("Scoring (support team)"), ASSIGN_APPRAISER: _l("Appraisal")}
REQUEST_LABELS = {
    REQUEST_OPEN: _l("Waiting for the unit"),
    REQUEST_ANSWERED: _l("Answered by the unit"),
    REQUEST_CLOSED: _l("Closed"),
}
# How many rows a refusal names before "…".
SHOWN_ROWS = 8


def label_of(labels, value):
    return str(labels.get(value, value if value is not None else ""))


def keep(rows):
    """Keep rows loaded for the request (the identity map holds them weakly), so the list's
    lazy loads find them there instead of querying once per row."""
    rows = list(rows)
    g.setdefault("_appraisal_preloaded", []).extend(rows)
    return rows


def line_label(line):
    """ "Xã Thử A · 1.2": a line as refusals name it."""
    return f"{line.assessment.unit.name} · {line.criterion.code}"


def load_lines(ids):
    """The score lines with their unit, round and criterion, in one query."""
    from sqlalchemy.orm import joinedload

    if not ids:
        return []
    return keep(
        db.session.query(ScoreLine)
        .options(
            joinedload(ScoreLine.assessment).joinedload(Assessment.unit),
            joinedload(ScoreLine.assessment).joinedload(Assessment.round).joinedload(Round.grants),
            joinedload(ScoreLine.criterion),
        )
        .filter(ScoreLine.id.in_(ids))
        .order_by(ScoreLine.id)  # the same order, and the same messages, on every database
    )


# --- the outcome of a bulk action -----------------------------------------------------------


def group_refusals(refused):
    """[(row label, reason)] as one text per reason: "reason (row, row, …)"."""
    groups = {}
    for label, reason in refused:
        groups.setdefault(str(reason), []).append(label)
    texts = []
    for reason, labels in groups.items():
        shown = ", ".join(labels[:SHOWN_ROWS]) + (", …" if len(labels) > SHOWN_ROWS else "")
        texts.append(f"{reason.rstrip('.')} ({shown})")
    return texts


def flash_outcome(done_message, done, refused, refused_message=None):
    """One message: "3 lines approved; 2 lines refused: reason (rows); reason (rows)".
    `done_message` and `refused_message` take %(count)s (and %(reasons)s); `refused`:
    [(row label, reason)]."""
    parts = [done_message % {"count": done}] if done else []
    if refused:
        message = refused_message or _("%(count)s lines refused: %(reasons)s")
        parts.append(
            message % {"count": len(refused), "reasons": "; ".join(group_refusals(refused))}
        )
    if parts:
        category = "danger" if not done else ("warning" if refused else "success")
        flash("; ".join(parts), category)


# --- an action that needs a text -------------------------------------------------------------

FORM_TEMPLATE = "appraisal_action_form.html"
STEP_FIELD, TEXT_FIELD = "step", "text"


def submitted_text():
    """The text of the action's form, or None when the form was not shown yet."""
    if request.form.get(STEP_FIELD) != "apply":
        return None
    return request.form.get(TEXT_FIELD, "")


def action_form(view, action, rows, title, label, submit, text="", errors=(), help_text=""):
    """The page asking for the comment or reason of `action` on `rows` ([(pk, text)]); it
    posts back to the list's action_post with the same rows (checked again there)."""
    return view.render_template(
        FORM_TEMPLATE,
        title=title,
        label=label,
        submit=submit,
        help_text=help_text,
        rows=rows,
        action=action,
        text=text,
        errors=list(errors),
        post_url=url_for(f"{view.endpoint}.action_post"),
        back_url=url_for(f"{view.endpoint}.list"),
    )


# --- search filters -----------------------------------------------------------------------------


def _as_id(value):
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


class IdFilter(BaseFilter):
    """A filter whose value is a row id chosen in a list; a forged value matches nothing."""

    name = _l("Is")

    def clause(self, row_id):  # pragma: no cover - subclasses say what they filter
        raise NotImplementedError

    def apply(self, query, value):
        row_id = _as_id(value)
        if row_id is None:
            return query if not str(value or "").strip() else query.filter(false())
        return query.filter(self.clause(row_id))


class LineRoundFilter(IdFilter):
    arg_name = "line_round"

    def clause(self, row_id):
        return ScoreLine.assessment.has(Assessment.round_id == row_id)


class LineUnitFilter(IdFilter):
    arg_name = "line_unit"

    def clause(self, row_id):
        return ScoreLine.assessment.has(Assessment.unit_id == row_id)


class LineAssigneeFilter(IdFilter):
    """Lines the person holds (scores or appraises), as the sheets resolve assignments."""

    arg_name = "line_assignee"

    def clause(self, row_id):
        return ScoreLine.id.in_(held_lines(row_id))


class LineCodeFilter(BaseFilter):
    """Lines whose criterion code is the one typed or lies under it ("2", "2.1")."""

    name, arg_name = _l("Code starts with"), "line_code"

    def apply(self, query, value):
        code = (value or "").strip().rstrip(".")
        if not code:
            return query
        under = Criterion.code.startswith(code + ".", autoescape=True) | (Criterion.code == code)
        return query.filter(ScoreLine.criterion.has(under))


def round_choices():
    """(id, name) of the rounds the user may see, newest first, for the search forms."""
    query = policy.scope(g.user, Round, db.session.query(Round.id, Round.name, Round.year),
                         db.session)  # fmt: skip
    rows = query.filter(Round.phase != "draft").order_by(Round.year.desc(), Round.id.desc())
    return [(str(row_id), name) for row_id, name, _year in rows]


def unit_choices():
    """(id, name) of the units taking part in a round, as the user may see them."""
    query = db.session.query(Unit.id, Unit.name).filter(
        Unit.id.in_(db.session.query(round_unit.c.unit_id))
    )
    query = policy.scope(g.user, Unit, query, db.session).order_by(Unit.name_sort, Unit.id)
    return [(str(row_id), name) for row_id, name in query]


def assignee_choices():
    """(id, name) of the people holding an assignment the user may see."""
    holders = policy.scope(g.user, Assignment, db.session.query(Assignment.user_id), db.session)
    people = db.session.query(AppUser).filter(AppUser.id.in_(holders.distinct()))
    return sorted(((str(u.id), u.get_full_name()) for u in people), key=lambda pair: pair[1])


def install_filters(view, filters):
    """Put custom filters on search columns ({column: [filter class]}), FAB's own replaced."""
    for column, classes in filters.items():
        made = [cls(column, view.datamodel) for cls in classes]
        view._filters._search_filters[column] = made
        view._filters._all_filters[column] = list(made)
