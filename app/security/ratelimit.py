"""Login rate limit (Flask-Limiter, created by FAB's security manager).

FAB limits POSTs to the login form when AUTH_RATE_LIMITED is on (AUTH_RATE_LIMIT, per client
address); the REST login (/api/v1/security/login) gets the same limit here. Counters live in
RATELIMIT_STORAGE_URI: memory:// counts per process, so with several gunicorn workers use
Redis (redis://127.0.0.1:6379) and every worker counts together. Over the limit: 429 with a
Vietnamese page (or JSON for the API) and Retry-After.
"""

from flask_babel import gettext as _
from werkzeug.exceptions import TooManyRequests

from app.security.pages import refusal


def _too_many(error):
    retry = None
    limit = getattr(error, "limit", None)
    if limit is not None:
        retry = limit.limit.get_expiry()
    message = _(
        "Too many login attempts from your computer. Wait a minute and try again; if you "
        "forgot your password, ask an administrator."
    )
    headers = {"Retry-After": str(retry)} if retry else None
    return refusal(_("Too many attempts"), message, 429, headers)


def init_rate_limit(app):
    """Limit the REST login like the login form; answer 429 in Vietnamese."""
    sm = app.appbuilder.sm
    api = app.blueprints.get("SecurityApi")
    if sm.is_auth_limited and api is not None:
        sm.limiter.limit(sm.auth_rate_limit, methods=["POST"])(api)
    app.register_error_handler(TooManyRequests, _too_many)
