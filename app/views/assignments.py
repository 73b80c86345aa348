"""The appraisal's assignments (phân công chấm điểm) as a FAB list: read, filter, and take
back through app/domain/assignment.remove_assignment (the team's leader, confirmed, logged).
New assignments are made on the assignment screen, which previews them first."""

from flask import g, url_for
from flask_appbuilder.actions import action
from flask_appbuilder.fieldwidgets import BS3TextFieldWidget
from flask_appbuilder.models.filters import BaseFilter
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.routing import BuildError
from wtforms import SelectField, StringField

from app.domain import assignment as assignment_domain
from app.domain import policy
from app.domain.errors import DomainError
from app.extensions import db
from app.formatting import vn_datetime
from app.models import AppraisalTeam, AppUser, Assignment, Criterion, Round, Unit
from app.security import roles
from app.views import appraisal_common as common
from app.views.base import AppModelView, guarded_action
from app.views.list_helpers import PreloadingInterface, remember_users, user_name

# The assignment screen (preview, then apply) is another view's: its endpoint if registered.
ASSIGN_ENDPOINTS = ("AssignmentScreenView.assign_form",)
ASSIGN_FALLBACK = "/appraisal/assign/"


def assign_screen_url():
    for endpoint in ASSIGN_ENDPOINTS:
        try:
            return url_for(endpoint)
        except BuildError:
            continue
    return ASSIGN_FALLBACK


class AssignmentCodeFilter(BaseFilter):
    """Assignments whose subtree root is the code typed or lies under it."""

    name, arg_name = _l("Code starts with"), "assignment_code"

    def apply(self, query, value):
        code = (value or "").strip().rstrip(".")
        if not code:
            return query
        under = Criterion.code.startswith(code + ".", autoescape=True) | (Criterion.code == code)
        return query.filter(Assignment.criterion.has(under))


class AssignmentInterface(PreloadingInterface):
    def apply_order_by(self, query, order_column, order_direction, *args, **kwargs):
        if order_column:
            return super().apply_order_by(query, order_column, order_direction, *args, **kwargs)
        unit_sort = select(Unit.name_sort).where(Unit.id == Assignment.unit_id)
        code_sort = select(Criterion.sort_key).where(Criterion.id == Assignment.criterion_id)
        return query.order_by(
            unit_sort.scalar_subquery(), Assignment.unit_id, code_sort.scalar_subquery(),
            Assignment.kind,
        )  # fmt: skip

    def preload(self, rows):
        for model, column in ((Unit, "unit_id"), (Criterion, "criterion_id"), (Round, "round_id"),
                              (AppraisalTeam, "team_id"), (AppUser, "user_id")):  # fmt: skip
            ids = {getattr(r, column) for r in rows}
            common.keep(db.session.query(model).filter(model.id.in_(ids)))
        remember_users(r.assigned_by_id for r in rows)


class AssignmentView(AppModelView):
    datamodel = AssignmentInterface(Assignment, db.session)
    class_permission_name = roles.ASSIGNMENTS
    method_permission_name = {
        k: v for k, v in roles.METHOD_PERMISSIONS.items() if k not in ("add", "edit", "delete")
    }
    exclude_route_methods = {"add", "edit", "delete", "download"}
    list_template = "assignment_list.html"
    list_title, show_title = _l("Scoring assignments"), _l("Scoring assignment")
    label_columns = {
        "round": _l("Assessment round"), "team": _l("Appraisal team"), "unit": _l("Unit"),
        "criterion": _l("Field, criterion or sub-criterion"), "kind": _l("Task"),
        "user": _l("Assigned to"), "assigned_by_id": _l("Assigned by"),
        "assigned_at": _l("Assigned at"),
    }  # fmt: skip
    list_columns = ["unit", "criterion", "kind", "user", "team", "assigned_by_id", "assigned_at"]
    show_columns = ["round", "team", "unit", "criterion", "kind", "user", "assigned_by_id",
                    "assigned_at"]  # fmt: skip
    search_columns = ["round", "unit", "criterion", "kind", "user", "team"]
    order_columns = ["kind", "assigned_at"]
    search_form_extra_fields = {
        "criterion": StringField(_l("Field, criterion or sub-criterion"),
                                 widget=BS3TextFieldWidget()),
        "kind": SelectField(_l("Task"), choices=list(common.KIND_LABELS.items())),
    }  # fmt: skip
    formatters_columns = {
        "kind": lambda k: common.label_of(common.KIND_LABELS, k),
        "assigned_by_id": user_name,
        "assigned_at": vn_datetime,
    }

    def _init_properties(self):
        super()._init_properties()
        common.install_filters(self, {"criterion": [AssignmentCodeFilter]})

    def render_template(self, template, **kwargs):
        kwargs.setdefault("assign_url", assign_screen_url())
        return super().render_template(template, **kwargs)

    @action("unassign", _l("Take back"), _l("Take back the selected assignments? The lines go "
            "back to the assignment above them, if any; scores already given stay."),
            "fa-user-times")  # fmt: skip
    @guarded_action(policy.VIEW)
    def unassign(self, items):
        done, refused = 0, []
        for item in items:
            label = str(item)
            try:
                assignment_domain.remove_assignment(db.session, item, g.user)
                done += 1
            except DomainError as err:
                refused.append((label, err.message))
        try:
            db.session.commit()
        except SQLAlchemyError:
            db.session.rollback()
            done, refused = 0, [(_("All"), _("The record could not be saved; nothing was "
                                              "changed."))]  # fmt: skip
        common.flash_outcome(_("%(count)s assignments taken back"), done, refused,
                             _("%(count)s assignments refused: %(reasons)s"))  # fmt: skip
