"""CSRF on every state change.

Flask-WTF's CSRFProtect (app/extensions.py) checks every POST/PUT/PATCH/DELETE of the screens:
FAB forms and actions, the score sheet's autosave (header X-CSRFToken from the page's
<meta name="csrf-token">), evidence uploads and deletes, imports. FAB exempts its REST APIs
(they are meant for JWT), but they also accept the browser's session cookie
(allow_browser_login): a page on another site could then write through the API with the
user's cookie. So an API write that carries no `Authorization: Bearer` header and whose
session holds a logged-in user must carry the CSRF token too. JWT clients are unaffected: a
cross-site page cannot add an Authorization header (no CORS here).
"""

from flask import current_app, request, session
from flask_appbuilder.api import BaseApi
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError

from app.extensions import csrf
from app.security.pages import refusal

# These authenticate by what they are sent, never by the cookie.
_NO_COOKIE_ENDPOINTS = {"SecurityApi.login", "SecurityApi.refresh"}


def _api_blueprints(appbuilder):
    return {view.blueprint.name for view in appbuilder.baseviews if isinstance(view, BaseApi)}


def _bearer(req):
    return req.headers.get("Authorization", "").strip().lower().startswith("bearer ")


def cookie_authenticated_api_write(api_blueprints):
    """True when this request writes through the REST API on the strength of the session
    cookie alone (flask-login keeps the user id in the session as `_user_id`)."""
    return (
        request.method in current_app.config["WTF_CSRF_METHODS"]
        and request.blueprint in api_blueprints
        and request.endpoint not in _NO_COOKIE_ENDPOINTS
        and not _bearer(request)
        and session.get("_user_id") is not None
    )


def csrf_message():
    return _(
        "This page has expired or the request did not come from this application (the "
        "security token is missing or wrong). Nothing was saved: reload the page and try again."
    )


def _csrf_refused(error):
    current_app.logger.info("CSRF refused %s %s: %s", request.method, request.path, error)
    return refusal(_("Request refused"), csrf_message(), 400)


def init_csrf(app):
    """Check the token on cookie-authenticated API writes; answer refusals in Vietnamese.
    Call after the APIs are registered."""
    api_blueprints = _api_blueprints(app.appbuilder)

    @app.before_request
    def _protect_cookie_api_writes():
        if app.config.get("WTF_CSRF_ENABLED", True) and cookie_authenticated_api_write(
            api_blueprints
        ):
            csrf.protect()

    app.register_error_handler(CSRFError, _csrf_refused)
