"""Write the role table of app/security/roles.py into FAB's permission tables (idempotent)."""

from app.security import roles


def _menu_names_by_resource(appbuilder):
    """Map each view's permission resource to the menu items (and categories) that show it."""
    view_of = {view.__class__.__name__: view for view in appbuilder.baseviews}
    by_resource = {}
    for category in appbuilder.menu.get_list():
        children = category.childs or [category]
        for item in children:
            view = view_of.get(item.baseview.__class__.__name__) if item.baseview else None
            if view is None:
                continue
            names = by_resource.setdefault(view.class_permission_name, set())
            names.add(item.name)
            if category.childs:
                names.add(category.name)
    return by_resource


def sync_roles(appbuilder):
    """Create every view's permissions, then set each role's permissions exactly."""
    sm = appbuilder.sm
    # FAB grants every new permission to the admin role while creating it: it must exist first.
    admin = sm.find_role(roles.ADMIN) or sm.add_role(roles.ADMIN)
    appbuilder.add_permissions(update_perms=True)
    menus = _menu_names_by_resource(appbuilder)
    admin.permissions = appbuilder.session.query(sm.permissionview_model).all()

    for role_name in roles.ALL_ROLES:
        if role_name == roles.ADMIN:
            continue
        role = sm.find_role(role_name) or sm.add_role(role_name)
        wanted = []
        for resource, permission in roles.ROLE_PERMISSIONS.get(role_name, []):
            wanted.append(sm.add_permission_view_menu(permission, resource))
            if permission == roles.READ:
                for menu_name in menus.get(resource, ()):
                    wanted.append(sm.add_permission_view_menu("menu_access", menu_name))
        for resource, permission in roles.COMMON_PERMISSIONS:
            if role_name != roles.PUBLIC:
                wanted.append(sm.add_permission_view_menu(permission, resource))
        role.permissions = list({pv.id: pv for pv in wanted if pv is not None}.values())
    appbuilder.session.commit()
