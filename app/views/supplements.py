"""The council's supplement requests (Yêu cầu bổ sung) as a FAB list: the council and the
organiser see every request, a unit its own (the policy scopes the rows). The unit answers a
request with the action "respond" (a text form), inside the supplement window, through
app/domain/supplement.respond; the score sheet's panel posts the same action.

There is no "close" action: the domain closes a request when the team approves its line
again (app/domain/approval.py -> supplement.close_requests)."""

from flask import g, redirect, request
from flask_appbuilder.actions import action
from flask_appbuilder.fieldwidgets import BS3TextFieldWidget
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import joinedload
from wtforms import SelectField, StringField

from app.domain import policy, supplement
from app.domain.errors import DomainError
from app.extensions import db
from app.formatting import vn_datetime
from app.models import Assessment, Criterion, ScoreLine, SupplementRequest, Unit
from app.security import roles
from app.views import appraisal_common as common
from app.views.base import AppModelView, guarded_action
from app.views.list_helpers import PreloadingInterface, remember_users, shorten, user_name


def _safe_next():
    """Where a form asked to come back to (a path of this site only), or None."""
    target = (request.form.get("next") or "").strip()
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return None


def request_label(item):
    line = item.score_line
    return common.line_label(line) if line is not None else str(item.id)


def _sheet_link(line_id):
    """The requested line on the unit's score sheet."""
    line = db.session.get(ScoreLine, line_id)  # loaded by preload(): no query
    if line is None:
        return ""
    return Markup('<a href="%s/sheet/%s#line-%s">%s</a>') % (
        request.script_root, line.assessment_id, line.id, line.criterion,
    )  # fmt: skip


class RequestUnitFilter(common.IdFilter):
    arg_name = "request_unit"

    def clause(self, row_id):
        return SupplementRequest.score_line.has(
            ScoreLine.assessment.has(Assessment.unit_id == row_id)
        )


class RequestCodeFilter(common.LineCodeFilter):
    arg_name = "request_code"

    def apply(self, query, value):
        code = (value or "").strip().rstrip(".")
        if not code:
            return query
        under = Criterion.code.startswith(code + ".", autoescape=True) | (Criterion.code == code)
        return query.filter(SupplementRequest.score_line.has(ScoreLine.criterion.has(under)))


class RequestInterface(PreloadingInterface):
    def apply_order_by(self, query, order_column, order_direction, *args, **kwargs):
        if order_column:
            return super().apply_order_by(query, order_column, order_direction, *args, **kwargs)
        line_unit = (
            select(Unit.name_sort)
            .join(Assessment, Assessment.unit_id == Unit.id)
            .join(ScoreLine, ScoreLine.assessment_id == Assessment.id)
            .where(ScoreLine.id == SupplementRequest.score_line_id)
            .scalar_subquery()
        )
        line_code = (
            select(Criterion.sort_key)
            .join(ScoreLine, ScoreLine.criterion_id == Criterion.id)
            .where(ScoreLine.id == SupplementRequest.score_line_id)
            .scalar_subquery()
        )
        return query.order_by(line_unit, line_code, SupplementRequest.id)

    def preload(self, rows):
        common.load_lines({r.score_line_id for r in rows})
        remember_users(
            user for r in rows for user in (r.requested_by_id, r.responded_by_id)
        )  # fmt: skip


class SupplementRequestView(AppModelView):
    datamodel = RequestInterface(SupplementRequest, db.session)
    class_permission_name = roles.SUPPLEMENT_REQUESTS
    method_permission_name = {
        k: v for k, v in roles.METHOD_PERMISSIONS.items() if k not in ("add", "edit", "delete")
    }
    exclude_route_methods = {"add", "edit", "delete", "download"}
    list_title, show_title = _l("Supplement requests"), _l("Supplement request")
    label_columns = {
        "round": _l("Assessment round"), "unit": _l("Unit"),
        "score_line.assessment.unit": _l("Unit"), "score_line_id": _l("Line"),
        "criterion": _l("Criterion"), "reason": _l("What the council asks for"),
        "status": _l("Status"), "requested_by_id": _l("Requested by"),
        "requested_at": _l("Requested at"), "response": _l("The unit's answer"),
        "responded_by_id": _l("Answered by"), "responded_at": _l("Answered at"),
        "closed_at": _l("Closed at"),
    }  # fmt: skip
    list_columns = ["score_line.assessment.unit", "score_line_id", "reason", "status",
                    "requested_at", "response", "responded_at"]  # fmt: skip
    show_columns = ["round", "score_line.assessment.unit", "score_line_id", "reason", "status",
                    "requested_by_id", "requested_at", "response", "responded_by_id",
                    "responded_at", "closed_at"]  # fmt: skip
    search_columns = ["round", "unit", "criterion", "status"]
    order_columns = ["status", "requested_at", "responded_at"]
    search_form_extra_fields = {
        "unit": SelectField(_l("Unit"), choices=common.unit_choices),
        "criterion": StringField(_l("Criterion"), widget=BS3TextFieldWidget()),
        "status": SelectField(_l("Status"), choices=list(common.REQUEST_LABELS.items())),
    }
    formatters_columns = {
        "status": lambda s: common.label_of(common.REQUEST_LABELS, s),
        "score_line_id": _sheet_link, "reason": shorten, "response": shorten,
        "requested_by_id": user_name, "responded_by_id": user_name,
        "requested_at": vn_datetime, "responded_at": vn_datetime, "closed_at": vn_datetime,
    }  # fmt: skip

    def _init_properties(self):
        from flask_appbuilder.models.sqla.filters import FilterEqual

        super()._init_properties()
        common.install_filters(self, {
            "unit": [RequestUnitFilter], "criterion": [RequestCodeFilter],
            "status": [FilterEqual],
        })  # fmt: skip

    @action("respond", _l("Answer the request"), "", "fa-reply")
    @guarded_action(policy.VIEW)
    def respond(self, items):
        """The unit's answer to the selected requests (their evidence goes on the lines)."""
        items = self._loaded(items)
        rows = [(item.id, f"{request_label(item)}: {shorten(item.reason, 120)}") for item in items]
        form = dict(
            title=_("Answer the council's supplement requests"),
            label=_("The unit's answer"), submit=_("Send the answer"),
            help_text=_("Add the evidence on the score sheet, on the requested lines; write "
                        "here what it shows or what changed."),
        )  # fmt: skip
        text = common.submitted_text()
        if text is None:
            current = items[0].response if len(items) == 1 else ""
            return common.action_form(self, "respond", rows, text=current or "", **form)
        done, refused = 0, []
        for item in items:
            try:
                supplement.respond(db.session, item, text, g.user)
                done += 1
            except DomainError as err:
                refused.append((request_label(item), err.message))
        if not done:
            db.session.rollback()
            errors = common.group_refusals(refused)
            return common.action_form(self, "respond", rows, text=text, errors=errors, **form)
        try:
            db.session.commit()
        except SQLAlchemyError:
            db.session.rollback()
            errors = [_("The record could not be saved; nothing was changed.")]
            return common.action_form(self, "respond", rows, text=text, errors=errors, **form)
        common.flash_outcome(_("%(count)s requests answered"), done, refused,
                             _("%(count)s requests refused: %(reasons)s"))  # fmt: skip
        target = _safe_next()
        return redirect(target) if target else None

    @staticmethod
    def _loaded(items):
        """The requests with their line, unit, round and criterion, in one query."""
        ids = [item.id for item in items]
        rows = (
            db.session.query(SupplementRequest)
            .options(
                joinedload(SupplementRequest.score_line)
                .joinedload(ScoreLine.assessment)
                .joinedload(Assessment.unit),
                joinedload(SupplementRequest.score_line).joinedload(ScoreLine.criterion),
            )
            .filter(SupplementRequest.id.in_(ids))
            .order_by(SupplementRequest.id)
        )
        return common.keep(rows)
