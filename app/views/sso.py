"""The administrator's single sign-on mapping screen (Ánh xạ đăng nhập một lần)."""

from flask_babel import lazy_gettext as _l

from app.domain import sso
from app.domain.clock import utcnow
from app.extensions import db
from app.models.sso import SsoMapping
from app.security import roles
from app.views.base import AppModelView, interface


class SsoMappingView(AppModelView):
    datamodel = interface(SsoMapping)
    class_permission_name = roles.SSO_MAPPINGS
    list_title = _l("Single sign-on mappings")
    show_title = _l("Single sign-on mapping")
    add_title = _l("Add single sign-on mapping")
    edit_title = _l("Edit single sign-on mapping")
    label_columns = {
        "subject": _l("Subject (sub)"),
        "email": _l("E-mail"),
        "unit": _l("Unit"),
        "roles": _l("Roles"),
        "active": _l("Active"),
        "note": _l("Note"),
        "changed_at": _l("Changed at"),
    }
    description_columns = {
        "subject": _l(
            'The person\'s permanent identifier at the sign-on service (claim "sub"). '
            "Leave empty to match by e-mail."
        ),
        "email": _l("Used when no subject is given; compared without regard to case."),
        "unit": _l("Required for unit leaders and unit staff."),
        "roles": _l("The roles this person gets at every single sign-on."),
        "active": _l("Untick to stop this person signing in with single sign-on."),
    }
    list_columns = ["email", "subject", "unit", "roles", "active"]
    show_columns = ["email", "subject", "unit", "roles", "active", "note", "changed_at"]
    add_columns = edit_columns = ["email", "subject", "unit", "roles", "active", "note"]
    search_columns = ["email", "subject", "unit", "active"]
    order_columns = ["email", "subject", "active"]
    base_order = ("email", "asc")

    def item_problems(self, item, creating):
        return sso.mapping_problems(db.session, item)

    def pre_add(self, item):
        item.changed_at = utcnow()

    def pre_update(self, item):
        item.changed_at = utcnow()
