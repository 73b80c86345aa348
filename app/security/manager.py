"""FAB security manager: users carry a unit, and the user screens show and check it."""

from functools import lru_cache

from flask import current_app
from flask_appbuilder.exceptions import DatabaseException
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.sqla.manager import SecurityManager
from flask_appbuilder.security.sqla.models import Group, assoc_permissionview_role
from flask_appbuilder.security.views import UserDBModelView
from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import joinedload
from wtforms.validators import ValidationError

from app.domain.clock import format_local
from app.domain.errors import DomainError
from app.domain.users import typed_value, unit_problem, user_delete_problems, username_problem
from app.extensions import db
from app.formatting import blank_if_none, yes_no, zero_if_none
from app.models.users import AppUser
from app.security import apis, permission_cache, roles
from app.security.login_guard import AppAuthDBView, LockoutMixin, UnlockActionMixin
from app.security.sso import SsoSecurityMixin
from app.views.rel_order import order_dropdowns

# Also app/api/base.py's NOT_SAVED: the one message for a write the database refuses.
NOT_SAVED = _l("The record could not be saved; nothing was changed.")


class _UserInterface(SQLAInterface):
    """FAB's interface, but a write the database refuses is the Vietnamese message: FAB's
    user screen flashes the driver's error, SQL and parameters (the password hash) included."""

    def add(self, item, commit=True):
        try:
            super().add(item, commit)
        except (SQLAlchemyError, DatabaseException) as err:
            self.session.rollback()
            raise DomainError(NOT_SAVED) from err

    def edit(self, item, commit=True):
        try:
            super().edit(item, commit)
        except (SQLAlchemyError, DatabaseException) as err:
            self.session.rollback()
            raise DomainError(NOT_SAVED) from err


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
        if type(self.datamodel) is SQLAInterface:
            self.datamodel = _UserInterface(self.datamodel.obj, self.datamodel.session)
        super().__init__(**kwargs)

    database_error_message = NOT_SAVED

    # FAB fills the item and asks the roles with autoflush on: a refused row would be flushed
    # there, and its driver error (SQL, password hash) flashed. Flushed at the commit only.
    def _add(self):
        with self.datamodel.session.no_autoflush:
            return super()._add()

    def _edit(self, pk):
        with self.datamodel.session.no_autoflush:
            return super()._edit(pk)

    def pre_delete(self, item):
        problems = user_delete_problems(self.datamodel.session, item)
        if problems:
            raise DomainError(" ".join(str(p) for p in problems))
        super().pre_delete(item)


def _roles_need_unit(form, field):
    # On the roles field, not the unit: WTForms skips an empty optional field's validators.
    unit_field = getattr(form, "unit", None)
    problem = unit_problem(
        [r.name for r in (field.data or [])], unit_field.data if unit_field else None
    )
    if problem:
        raise ValidationError(problem)


def _username_free(form, field):
    # On edit FAB sets form._id to the row's id before validating; on add there is none.
    problem = username_problem(db.session, field.data, getattr(form, "_id", None))
    if problem:
        raise ValidationError(problem)


AppUserDBModelView.validators_columns = {
    "roles": [_roles_need_unit],
    "username": [_username_free],
}


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
