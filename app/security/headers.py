"""Security headers on every response, the CSP nonce, session cookies and the reverse proxy.

Content-Security-Policy (see README "Security"):

- script-src 'self' plus a per-request nonce. FAB's templates already print
  `nonce="{{ csp_nonce() }}"` on every <script> (baselib.get_nonce, written for
  Flask-Talisman): giving them `csp_nonce` makes every inline script of FAB's pages run and
  every injected one fail. The app's own templates have no inline script (app/static/*.js).
- style-src 'self' 'unsafe-inline': FAB's templates and widgets (select2, the datepicker, the
  filters) write style="" attributes and jQuery/Swagger UI add inline styles at run time;
  styles cannot run code, and scripts are what the policy is for.
- img-src adds data: (Bootstrap, select2 and Swagger UI draw icons as data: URIs); nothing
  else is allowed from outside the app: no CDN, the app works on a closed network.
- object-src 'none', base-uri 'self', form-action 'self', frame-ancestors 'none'.

PDF responses (evidence opened in the browser) get no CSP: browsers' built-in PDF viewers are
plugins that a restrictive object-src/default-src blocks, a PDF cannot run the app's scripts,
and PDFs with JavaScript are refused at upload (app/domain/evidence.py).
"""

import secrets

from flask import g, request
from flask.sessions import SecureCookieSessionInterface
from werkzeug.middleware.proxy_fix import ProxyFix

CSP_DIRECTIVES = (
    ("default-src", "'self'"),
    ("script-src", "'self' 'nonce-{nonce}'"),
    ("style-src", "'self' 'unsafe-inline'"),
    ("img-src", "'self' data:"),
    ("font-src", "'self'"),
    ("connect-src", "'self'"),
    ("object-src", "'none'"),
    ("base-uri", "'self'"),
    ("form-action", "'self'"),
    ("frame-ancestors", "'none'"),
)
STATIC_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    # Same-origin requests keep the Referer (Flask-WTF checks it over https); other sites
    # (the links attached as evidence) learn nothing of the app's addresses.
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}
HSTS = "max-age=31536000"


def csp_nonce():
    """The nonce of this request's scripts (made on first use, the same for the whole page)."""
    nonce = getattr(g, "_csp_nonce", None)
    if nonce is None:
        nonce = g._csp_nonce = secrets.token_urlsafe(18)
    return nonce


def content_security_policy(nonce):
    """The Content-Security-Policy header value for an HTML page carrying `nonce`."""
    return "; ".join(f"{name} {value.format(nonce=nonce)}" for name, value in CSP_DIRECTIVES)


def _set_headers(response):
    for name, value in STATIC_HEADERS.items():
        response.headers.setdefault(name, value)
    if response.mimetype != "application/pdf":
        response.headers.setdefault("Content-Security-Policy", content_security_policy(csp_nonce()))
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    return response


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, whose cookie is Secure when SESSION_COOKIE_SECURE says so
    or when this request came over https (directly, or through the proxy with PROXY_FIX)."""

    def get_cookie_secure(self, app):
        if super().get_cookie_secure(app):
            return True
        try:
            return request.is_secure
        except RuntimeError:  # outside a request
            return False


def init_headers(app):
    """Security headers, the `csp_nonce()` template function, cookies and ProxyFix."""
    proxies = int(app.config.get("PROXY_FIX") or 0)
    if proxies > 0:
        # Trust X-Forwarded-For/-Proto/-Host/-Port/-Prefix from that many proxies: the client's
        # address for rate limits and the audit log, https for Secure cookies and CSRF checks.
        app.wsgi_app = ProxyFix(
            app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies, x_port=proxies,
            x_prefix=proxies,
        )  # fmt: skip
    app.session_interface = SessionInterface()
    app.jinja_env.globals["csp_nonce"] = csp_nonce
    app.after_request(_set_headers)
