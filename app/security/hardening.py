"""Web hardening, wired in one call from create_app(): headers and cookies (headers.py), CSRF
on API writes made with the session cookie (csrf.py), the login rate limit (ratelimit.py) and
the password rules (passwords.py), 404 for FAB routes that would crash (fab_routes.py). The
lockout hooks live in the security manager."""

from app.security import passwords
from app.security.csrf import init_csrf
from app.security.fab_routes import init_fab_routes
from app.security.headers import init_headers
from app.security.ratelimit import init_rate_limit


def init_app(app):
    """Call after appbuilder.post_init(): the API blueprints must exist."""
    app.config.setdefault("FAB_PASSWORD_COMPLEXITY_VALIDATOR", passwords.fab_validator)
    init_headers(app)
    init_csrf(app)
    init_rate_limit(app)
    init_fab_routes(app)
