"""FAB's security REST API (/api/v1/security/...), answering 4xx where FAB answers 500.

Same class names as FAB's, so the same endpoints and permissions. What changes:
- a write the database refuses (a duplicate name, a missing permission or resource) is a 422
  with a Vietnamese message: FAB's POST lets the driver's error through (500) and its PUT
  wraps it where the users' and groups' routes do not look (app/api/base.py ApiInterface);
- PUT of a user or a group that does not exist is a 404 (FAB sets fields on None: 500);
- the user API applies the rule of the user screen: unit leaders and staff need a unit
  (app/domain/users.py; the API cannot set one, so such roles are refused on a user without).
Bodies that are not JSON objects, unparsable `q` and ids out of range are refused before any
of this (app/api/guards.py).
"""

import inspect

from flask_appbuilder.api import expose, protect, safe
from flask_appbuilder.security.decorators import permission_name
from flask_appbuilder.security.sqla.apis import group as fab_group
from flask_appbuilder.security.sqla.apis import permission as fab_permission
from flask_appbuilder.security.sqla.apis import permission_view_menu as fab_pvm
from flask_appbuilder.security.sqla.apis import role as fab_role
from flask_appbuilder.security.sqla.apis import user as fab_user
from flask_appbuilder.security.sqla.apis import view_menu as fab_view_menu
from flask_appbuilder.security.sqla.models import Group, Permission, PermissionView, Role, ViewMenu

from app.api.base import RefusalMixin, RefusedError, interface
from app.domain.users import unit_problem, user_delete_problems, username_problem
from app.extensions import db
from app.models.users import AppUser


def _route(fab_method, url, methods, permission, must_exist=False):
    """FAB's route `fab_method` under the same URL, decorators and docstring, its refusals
    answered (RefusalMixin) and, with `must_exist`, a 404 when `pk` names no row."""
    inner = inspect.unwrap(fab_method)

    def route(self, *args, **kwargs):
        if must_exist and self.datamodel.get(kwargs.get("pk"), self._base_filters) is None:
            return self.response_404()
        return self._refusable(inner, self, *args, **kwargs)

    route.__name__, route.__doc__ = inner.__name__, inner.__doc__
    return expose(url, methods=methods)(protect()(safe(permission_name(permission)(route))))


class PermissionApi(RefusalMixin, fab_permission.PermissionApi):
    datamodel = interface(Permission)


class ViewMenuApi(RefusalMixin, fab_view_menu.ViewMenuApi):
    datamodel = interface(ViewMenu)


class PermissionViewMenuApi(RefusalMixin, fab_pvm.PermissionViewMenuApi):
    datamodel = interface(PermissionView)


class RoleApi(RefusalMixin, fab_role.RoleApi):
    datamodel = interface(Role)
    add_role_permissions = _route(
        fab_role.RoleApi.add_role_permissions, "/<int:role_id>/permissions", ["POST"],
        "add_role_permissions",
    )  # fmt: skip
    update_role_users = _route(
        fab_role.RoleApi.update_role_users, "/<int:role_id>/users", ["PUT"], "update_role_users"
    )
    update_role_groups = _route(
        fab_role.RoleApi.update_role_groups, "/<int:role_id>/groups", ["PUT"],
        "update_role_groups",
    )  # fmt: skip


class GroupApi(RefusalMixin, fab_group.GroupApi):
    datamodel = interface(Group)
    post = _route(fab_group.GroupApi.post, "/", ["POST"], "post")
    put = _route(fab_group.GroupApi.put, "/<pk>", ["PUT"], "put", must_exist=True)


def _unit_rule(user):
    # FAB's POST builds a plain User (no unit); PUT loads the AppUser, with its unit.
    problem = unit_problem([role.name for role in user.roles], getattr(user, "unit", None))
    if problem:
        raise RefusedError(422, [problem])


def _username_rule(user):
    # The user screen's rule: no second account named the same up to case and accents.
    problem = username_problem(db.session, user.username, user.id)
    if problem:
        raise RefusedError(422, [problem])


class UserApi(RefusalMixin, fab_user.UserApi):
    datamodel = interface(AppUser)
    post = _route(fab_user.UserApi.post, "/", ["POST"], "post")
    put = _route(fab_user.UserApi.put, "/<pk>", ["PUT"], "put", must_exist=True)

    def pre_add(self, item):
        _username_rule(item)
        _unit_rule(item)
        super().pre_add(item)

    def pre_update(self, item, data):
        _username_rule(item)
        _unit_rule(item)
        super().pre_update(item, data)

    def pre_delete(self, item):
        problems = user_delete_problems(db.session, item)
        if problems:
            raise RefusedError(422, problems)
        super().pre_delete(item)

    def _refusable(self, func, *args, **kwargs):
        # FAB's PUT sets the typed fields, then loads and replaces the roles: with autoflush a
        # refused name is flushed there, before pre_update, and the driver's English error
        # answered. Written at the commit only.
        with db.session.no_autoflush:
            return super()._refusable(func, *args, **kwargs)
