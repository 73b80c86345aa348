"""What every REST call must look like before any resource reads it, and JSON for every error
under /api/.

FAB's resources (and its security API) trust the request's shape: a body that is a list or no
JSON at all, a `q` that `prison` cannot parse, or an id beyond what the database column holds
reached their code and answered 500 ("Fatal error"). Checked here once for all of them, with a
Vietnamese message; the answers are declared for every operation in app/api/openapi.py.
"""

import json
import urllib.parse

import prison
from flask import current_app, jsonify, request
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException, MethodNotAllowed

# Every id, version and count column is a (PostgreSQL) INTEGER: nothing larger can name a row.
INT_MAX = 2**31 - 1
WRITES = {"POST", "PUT", "PATCH"}
# Writes that take no body: the refresh token is all they read.
NO_BODY = {"SecurityApi.refresh"}
# Path parameters that name a row (FAB: `pk`, the role API: `role_id`).
ROW_ARGS = ("pk", "role_id")


def is_api():
    return request.path.startswith("/api/")


def _message(status, message):
    response = jsonify(message=message)
    response.status_code = status
    return response


def _too_large(value):
    """True when a number anywhere in `value` is a whole number beyond INT_MAX."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, bool):
            continue
        if isinstance(item, int) and abs(item) > INT_MAX:
            return True
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def _row_arg_problem():
    for name in ROW_ARGS:
        value = (request.view_args or {}).get(name)
        if value is None:
            continue
        # FAB's PUT and DELETE take `<pk>` as text: anything but a whole number names no row.
        text = str(value)
        if not text.isdigit() or int(text) > INT_MAX:
            return _message(404, _("Not found"))
    return None


def parse_q(value):
    """The `q` argument as FAB reads it (Rison, else JSON); ValueError when it is neither."""
    try:
        return prison.loads(value)
    except Exception:  # noqa: BLE001 (prison raises ParserException, ValueError, IndexError...)
        pass
    try:
        return json.loads(urllib.parse.parse_qs(f"q={value}")["q"][0])
    except Exception as err:  # noqa: BLE001
        raise ValueError(value) from err


def _q_problem():
    value = request.args.get("q")
    if not value:
        return None
    try:
        parsed = parse_q(value)
    except ValueError:
        return _message(400, _("The q parameter is neither Rison nor JSON."))
    if _too_large(parsed):
        return _message(400, _("A number in the request is too large."))
    if isinstance(parsed, dict):
        for key in ("page", "page_size"):
            value = parsed.get(key, 0)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                # PostgreSQL refuses a negative OFFSET or LIMIT (FAB passes them on).
                return _message(400, _("page and page_size are whole numbers from 0."))
    return None


def _body_problem():
    if request.method not in WRITES or request.endpoint in NO_BODY:
        return None
    body = request.get_json(silent=True) if request.is_json else None
    if not isinstance(body, dict):
        return _message(400, _("Send a JSON object (Content-Type: application/json)."))
    if _too_large(body):
        return _message(400, _("A number in the request is too large."))
    return None


def check_request():
    """before_request: None, or the 400/404 answer of a request no resource should read."""
    if not is_api() or request.url_rule is None:
        return None
    return _row_arg_problem() or _q_problem() or _body_problem()


def _pk_only_for_other_methods():
    """FAB routes GET as /<int:pk> but PUT and DELETE as /<pk>: a GET of /unit/abc matches
    only the latter and werkzeug answers 405. No item has that id: 404."""
    adapter = current_app.url_map.bind_to_environ(request.environ)
    for method in ("PUT", "DELETE"):
        try:
            _, args = adapter.match(method=method)
        except HTTPException:
            continue
        if "pk" in args:
            return True
    return False


def json_error(error):
    """HTTP errors under /api/ as {"message": ...} (werkzeug and Flask answer HTML)."""
    if not is_api():
        return error
    if isinstance(error, MethodNotAllowed) and request.method in ("GET", "HEAD"):
        if _pk_only_for_other_methods():
            return _message(404, _("Not found"))
    messages = {
        404: _("Not found"),
        405: _("This method is not allowed here."),
        413: _("The request is too large."),
        415: _("Send a JSON object (Content-Type: application/json)."),
    }
    response = _message(error.code or 500, messages.get(error.code, error.name))
    if isinstance(error, MethodNotAllowed) and error.valid_methods:
        response.headers["Allow"] = ", ".join(error.valid_methods)
    return response


def init_guards(app):
    app.before_request(check_request)
    app.register_error_handler(HTTPException, json_error)
