"""Refusal answers shared by the CSRF check and the rate limit: JSON for scripts and API
clients, a Vietnamese page for people."""

import logging
from urllib.parse import urlsplit

from flask import current_app, g, jsonify, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

log = logging.getLogger(__name__)

# Used when FAB's layout cannot be drawn (e.g. refused before FAB loaded the user).
_PLAIN_PAGE = """<!DOCTYPE html>
<html lang="vi"><head><meta charset="utf-8"><title>{title}</title>
<link href="{css}" rel="stylesheet"></head>
<body><div class="container"><div class="alert alert-danger" role="alert">
<h4>{title}</h4><p>{message}</p></div>
<a class="btn btn-default" href="{back}">{back_label}</a></div></body></html>
"""


def wants_json():
    """True for the REST API, the sheet's script (Accept: application/json) and JSON bodies."""
    if request.path.startswith("/api/"):
        return True
    return request.is_json or "application/json" in request.headers.get("Accept", "")


def _back_url():
    """Where the page's button leads: the page the user came from when it is ours."""
    referrer = request.referrer or ""
    parts = urlsplit(referrer)
    if referrer and parts.netloc == request.host and parts.scheme in ("http", "https"):
        return referrer
    return request.script_root + "/"


def refusal(title, message, status, headers=None):
    """A response saying `message`: {"ok": false, "error", "message"} or an HTML page."""
    title, message = str(title), str(message)
    if wants_json():
        response = jsonify(ok=False, error=message, message=message)
    else:
        response = current_app.make_response(_page(title, message))
    response.status_code = status
    response.headers.update(headers or {})
    return response


def _page(title, message):
    back, back_label = _back_url(), _("Back")
    if not hasattr(g, "user"):
        # Refused in a before_request that ran before FAB's, which sets the user for the menu.
        g.user = current_user
    try:
        appbuilder = current_app.appbuilder
        return render_template(
            "security_refusal.html",
            appbuilder=appbuilder,
            base_template=appbuilder.base_template,
            title=title,
            message=message,
            back=back,
            back_label=back_label,
        )
    except Exception:  # the layout needs FAB's request state; never turn a refusal into a 500
        log.exception("Drawing the refusal page failed; answering with the plain page")
        from markupsafe import escape

        css = request.script_root + "/static/appbuilder/css/bootstrap.min.css"
        return _PLAIN_PAGE.format(
            title=escape(title), message=escape(message), back=escape(back),
            back_label=escape(back_label), css=css,
        )  # fmt: skip
