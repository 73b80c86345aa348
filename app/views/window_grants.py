"""The organiser's screen for deadline extensions and reopenings (app/domain/window_grants.py)."""

from flask import g
from flask_appbuilder.fieldwidgets import BS3TextAreaFieldWidget
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import lazy_gettext as _l
from wtforms import SelectField, TextAreaField

from app.domain.window_grants import MIN_REASON_LENGTH, grant_problems, record_grant, unit_or_all
from app.extensions import db
from app.formatting import vn_datetime
from app.models import WindowGrant
from app.models.rounds import WINDOW_APPRAISAL, WINDOW_SELF, WINDOW_SUPPLEMENT
from app.security import roles
from app.views.base import AppModelView
from app.views.fields import LOCAL_TIME_HELP, LocalDateTimeField
from app.views.list_helpers import permissions_without, shorten, user_name

WINDOW_LABELS = {
    WINDOW_SELF: _l("Self-assessment"), WINDOW_APPRAISAL: _l("Appraisal"),
    WINDOW_SUPPLEMENT: _l("Supplementary appraisal"),
}  # fmt: skip
_REASON_HELP = _l(
    "Required: why the window is extended or reopened (at least %(count)s characters).",
    count=MIN_REASON_LENGTH,
)


class WindowGrantView(AppModelView):
    datamodel = SQLAInterface(WindowGrant, db.session)
    class_permission_name = roles.WINDOW_GRANTS
    method_permission_name = permissions_without("edit", "delete")
    # A grant is a logged act: it is not edited or deleted afterwards, a new one supersedes it.
    exclude_route_methods = {"edit", "delete", "download"}
    list_title = _l("Deadline extensions and reopenings")
    show_title, add_title = _l("Deadline extension"), _l("Extend or reopen a window")
    label_columns = {
        "round": _l("Assessment round"), "unit": _l("Unit"), "window": _l("Window"),
        "until": _l("Open until"), "reason": _l("Reason"), "granted_by_id": _l("Granted by"),
        "granted_at": _l("Granted at"),
    }  # fmt: skip
    description_columns = {
        "unit": _l("Leave empty to reopen the window for every unit of the round."),
        "until": LOCAL_TIME_HELP, "reason": _REASON_HELP,
    }  # fmt: skip
    list_columns = ["round", "unit", "window", "until", "reason", "granted_by_id", "granted_at"]
    show_columns = list_columns
    add_columns = ["round", "unit", "window", "until", "reason"]
    search_columns = ["round", "unit", "window"]
    base_order = ("granted_at", "desc")
    formatters_columns = {
        "unit": unit_or_all, "window": lambda w: WINDOW_LABELS.get(w, w), "until": vn_datetime,
        "granted_at": vn_datetime, "granted_by_id": user_name, "reason": shorten,
    }  # fmt: skip
    add_form_extra_fields = {
        "window": SelectField(_l("Window"), choices=list(WINDOW_LABELS.items()),
                              default=WINDOW_SELF),
        "until": LocalDateTimeField(_l("Open until"), description=LOCAL_TIME_HELP),
        "reason": TextAreaField(_l("Reason"), description=_REASON_HELP,
                                widget=BS3TextAreaFieldWidget()),
    }  # fmt: skip

    def item_problems(self, item, creating):
        return grant_problems(item)

    def pre_add(self, item):
        # Logged with the grant, in one commit.
        record_grant(db.session, g.user, item)
