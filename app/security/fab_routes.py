"""FAB routes that answer a server error instead of "not found" (found by the access matrix,
tests/security/test_access_matrix.py):

- every ModelView has `download/<filename>` for file columns; the app has none and no
  UPLOAD_FOLDER, so FAB raised KeyError for anyone allowed the view;
- `action/<name>/<pk>` and `action_post` with a name that is not one of the view's actions
  raised AttributeError while looking up its permission;
- FAB's own screens' actions (copy a role) crash on a row that does not exist; the app's own
  actions refuse such rows themselves (app/views/base.py, guarded_action);
- the users' chart (`chart/<group_by>`) takes the index of a grouping: anything else crashed.
They answer 404 here, before FAB runs.
"""

from flask import abort, request


def _action_name(method):
    if method == "action":
        return (request.view_args or {}).get("name")
    return request.form.get("action")


def _row_ids(method):
    if method == "action":
        return [(request.view_args or {}).get("pk")]
    return request.form.getlist("rowid")


def _missing(view, pks):
    return any(view.datamodel.get(pk) is None for pk in pks)


def _known_grouping(view):
    group_by = (request.view_args or {}).get("group_by")
    definitions = getattr(view, "definitions", None)
    if group_by is None or definitions is None:
        return True
    return str(group_by).isdigit() and int(group_by) < len(definitions)


def init_fab_routes(app):
    from app.views.base import AppModelView

    views = {type(view).__name__: view for view in app.appbuilder.baseviews}

    @app.before_request
    def _refuse_dead_fab_routes():
        view_name, _dot, method = (request.endpoint or "").partition(".")
        view = views.get(view_name)
        if view is None:
            return None
        if method == "chart" and not _known_grouping(view):
            abort(404)
        if method not in ("download", "action", "action_post"):
            return None
        if method == "download":
            abort(404)
        if _action_name(method) not in (getattr(view, "actions", None) or {}):
            abort(404)
        if not isinstance(view, AppModelView) and _missing(view, _row_ids(method)):
            abort(404)
        return None
