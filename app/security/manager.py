"""FAB security manager: users carry a unit, and the user screens show and check it."""

from functools import lru_cache

from flask import current_app
from flask_appbuilder.security.sqla.manager import SecurityManager
from flask_appbuilder.security.sqla.models import Group, assoc_permissionview_role
from flask_appbuilder.security.views import UserDBModelView
from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload
from wtforms.validators import ValidationError

from app.domain.clock import format_local
from app.domain.users import typed_value, unit_problem
from app.formatting import blank_if_none, yes_no, zero_if_none
from app.models.users import AppUser
from app.security import apis, permission_cache, roles
from app.security.login_guard import AppAuthDBView, LockoutMixin, UnlockActionMixin
from app.security.sso import SsoSecurityMixin
from app.views.rel_order import order_dropdowns


class AppUserDBModelView(UnlockActionMixin, UserDBModelView):
    """FAB's user screen plus the unit; unit-bound roles are refused without a unit."""

    class_permission_name = roles.USER_VIEW
    list_title = _l("List Users")
    show_title = _l("Show User")
    add_title = _l("Add User")
    edit_title = _l("Edit User")
    label_columns = {
        **UserDBModelView.label_columns,
        "unit": _l("Unit"),
        "locked_until": _l("Locked until"),
    }
    description_columns = {
        **UserDBModelView.description_columns,
        "unit": _l("The unit this person works for; required for unit leaders and staff."),
    }
    # Empty values show as blanks (a count as 0), never as Python's "None".
    formatters_columns = {
        "active": yes_no,
        "unit": blank_if_none,
        "email": blank_if_none,
        "first_name": blank_if_none,
        "last_name": blank_if_none,
        "login_count": zero_if_none,
        "fail_login_count": zero_if_none,
        "last_login": format_local,
        "created_on": format_local,
        "changed_on": format_local,
        "locked_until": format_local,
    }
    list_columns = ["first_name", "last_name", "username", "unit", "email", "active", "roles"]
    search_columns = ["first_name", "last_name", "username", "email", "unit", "active", "roles"]
    add_columns = [
        "first_name",
        "last_name",
        "username",
        "active",
        "email",
        "unit",
        "roles",
        "password",
        "conf_password",
    ]
    edit_columns = ["first_name", "last_name", "username", "active", "email", "unit", "roles"]
    show_fieldsets = [
        (_l("User info"), {"fields": ["username", "active", "unit", "roles", "login_count"]}),
        (_l("Personal Info"), {"fields": ["first_name", "last_name", "email"], "expanded": True}),
        (
            _l("Audit Info"),
            {
                "fields": [
                    "last_login",
                    "fail_login_count",
                    "locked_until",
                    "created_on",
                    "changed_on",
                ],
                "expanded": False,
            },
        ),
    ]

    def __init__(self, **kwargs):
        # The unit dropdowns (form and search) in the Vietnamese order, as on every screen;
        # FAB gives the view its datamodel only when the security manager is built.
        order_dropdowns(self)
        super().__init__(**kwargs)


def _roles_need_unit(form, field):
    # On the roles field, not the unit: WTForms skips an empty optional field's validators.
    unit_field = getattr(form, "unit", None)
    problem = unit_problem(
        [r.name for r in (field.data or [])], unit_field.data if unit_field else None
    )
    if problem:
        raise ValidationError(problem)


AppUserDBModelView.validators_columns = {"roles": [_roles_need_unit]}


@lru_cache(maxsize=1)
def _user_query():
    # Built once: session.get() with loader options costs four times as much, at every request.
    return (
        select(AppUser)
        .options(joinedload(AppUser.roles), joinedload(AppUser.groups).joinedload(Group.roles))
        .where(AppUser.id == bindparam("id"))
    )


class AppSecurityManager(SsoSecurityMixin, LockoutMixin, SecurityManager):
    user_model = AppUser
    userdbmodelview = AppUserDBModelView
    authdbview = AppAuthDBView
    # With single sign-on on (app/security/sso.py), the same user screen as without.
    useroauthmodelview = AppUserDBModelView
    # FAB's security REST API, answering 4xx where FAB answers 500 (app/security/apis.py).
    user_api = apis.UserApi
    role_api = apis.RoleApi
    group_api = apis.GroupApi
    permission_api = apis.PermissionApi
    view_menu_api = apis.ViewMenuApi
    permission_view_menu_api = apis.PermissionViewMenuApi

    def find_user(self, username=None, email=None):
        """FAB's look-up with the name typed as it is stored (NFC, app/domain/users.py)."""
        return super().find_user(username=typed_value(username), email=typed_value(email))

    def get_user_by_id(self, pk):
        """The user with roles and groups in one query (the login loader runs every request)."""
        return self.session.execute(_user_query(), {"id": pk}).unique().scalar()

    def exist_permission_on_roles(self, view_name, permission_name, role_ids):
        """FAB asks this once per menu item and per protected view: answer from the roles'
        permissions, kept a few seconds per process (app/security/permission_cache.py)."""
        return (permission_name, view_name) in self._role_permissions(role_ids)

    def _role_permissions(self, role_ids):
        ids = tuple(sorted(role_ids))

        def load():
            rows = self.session.execute(self._permissions_query(), {"roles": list(ids)})
            return frozenset((p, v) for p, v in rows)

        seconds = current_app.config.get("PERMISSIONS_CACHE_SECONDS", 5)
        return permission_cache.lookup(ids, load, seconds)

    def _permissions_query(self):
        # Built once per manager: the same statement object skips SQLAlchemy's cache-key work.
        if getattr(self, "_permissions_statement", None) is None:
            pv, perm, view = self.permissionview_model, self.permission_model, self.viewmenu_model
            link = assoc_permissionview_role
            self._permissions_statement = (
                select(perm.name, view.name)
                .select_from(pv)
                .join(link, link.c.permission_view_id == pv.id)
                .join(perm, perm.id == pv.permission_id)
                .join(view, view.id == pv.view_menu_id)
                .where(link.c.role_id.in_(bindparam("roles", expanding=True)))
            )
        return self._permissions_statement
