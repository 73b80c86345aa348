"""Security headers on every response, a CSP whose nonce is the one on every script, no asset
from outside the app (closed network), and session cookies HttpOnly, SameSite=Lax and Secure
over https (directly, or behind the reverse proxy with PROXY_FIX)."""

import os
import re
from urllib.parse import urlsplit

import pytest

from app.security.headers import content_security_policy
from tests.conftest import ROOT
from tests.security.conftest import build_app, csrf_login, dispose

ALWAYS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}
SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script>", re.S | re.I)
ASSET = re.compile(r'<(?:script|link|img)\b[^>]*?\b(?:src|href)="([^"]+)"', re.I)


def csp_of(response):
    return dict(
        part.strip().split(" ", 1)
        for part in response.headers["Content-Security-Policy"].split(";")
        if part.strip()
    )


def nonce_of(response):
    return re.search(r"'nonce-([^']+)'", csp_of(response)["script-src"]).group(1)


@pytest.fixture()
def admin_page_client(guarded_app, session):
    from app.security import roles
    from tests.security.conftest import ensure_account

    ensure_account(session, "test.sec.admin", roles.ADMIN, None)
    client = guarded_app.test_client()
    assert csrf_login(client, "test.sec.admin").status_code == 302
    return client


PAGES = [
    "/login/",
    "/users/list/",
    "/users/add",
    "/unittypeview/list/",
    "/unittypeview/add",
    "/sheet/",
    "/swagger/v1",
]


def test_the_policy_forbids_everything_from_outside():
    policy = dict(p.split(" ", 1) for p in content_security_policy("N").split("; "))
    assert policy["default-src"] == "'self'"
    assert policy["script-src"] == "'self' 'nonce-N'"  # no 'unsafe-inline', no 'unsafe-eval'
    assert policy["frame-ancestors"] == "'none'"
    assert policy["object-src"] == "'none'"
    assert policy["form-action"] == "'self'"
    for value in policy.values():
        assert "http" not in value and "*" not in value


@pytest.mark.parametrize("url", PAGES)
def test_every_page_has_the_headers_and_every_script_the_nonce(admin_page_client, url):
    response = admin_page_client.get(url, follow_redirects=True)
    assert response.status_code == 200
    for name, value in ALWAYS.items():
        assert response.headers[name] == value
    nonce = nonce_of(response)
    scripts = SCRIPT.findall(response.text)
    assert scripts
    for attributes, body in scripts:
        if body.strip():  # an inline script runs only with this page's nonce
            assert f'nonce="{nonce}"' in attributes, f"inline script without the nonce: {body[:80]}"
        else:
            assert "src=" in attributes
    again = admin_page_client.get(url, follow_redirects=True)
    assert nonce_of(again) != nonce  # a new nonce for every page


@pytest.mark.parametrize("url", PAGES)
def test_every_asset_is_served_by_the_app(admin_page_client, url):
    """A closed network: no CDN, no font or script from anywhere else."""
    page = admin_page_client.get(url, follow_redirects=True).text
    assets = {a for a in ASSET.findall(page) if not a.startswith(("#", "data:"))}
    assert assets
    for asset in assets:
        parts = urlsplit(asset)
        assert not parts.scheme and not parts.netloc, f"{url} loads {asset} from outside"
        if asset.endswith((".css", ".js")):
            served = admin_page_client.get(asset)
            assert served.status_code == 200, asset
            text = served.get_data(as_text=True)
            if asset.endswith(".css"):
                outside = re.findall(r"(?:@import|url\()\s*['\"]?(?:https?:)?//[^)'\"]+", text)
                assert not outside, f"{asset} pulls {outside[:3]}"
            served.close()


def test_the_apps_own_templates_have_no_inline_script():
    folder = os.path.join(ROOT, "templates")
    found = []
    for directory, _subdirs, names in os.walk(folder):
        for name in names:
            if not name.endswith(".html") or directory.endswith("reports"):
                continue  # reports/ are PDFs (xhtml2pdf), never shown by a browser
            text = open(os.path.join(directory, name), encoding="utf-8").read()
            for attributes, body in SCRIPT.findall(text):
                if body.strip() and "csp_nonce" not in attributes:
                    found.append(f"{name}: inline <script>")
            for handler in re.findall(r"\son[a-z]+\s*=\s*[\"']", text):
                found.append(f"{name}: event handler attribute {handler.strip()}")
            if "javascript:" in text:
                found.append(f"{name}: javascript: URL")
    assert not found


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/unit_type/",
        "/static/sheet.js",
        "/static/appbuilder/css/bootstrap.min.css",
        "/no-such-page",
        "/sheet/",
    ],
)
def test_other_responses_have_the_headers_too(guarded_app, url):
    response = guarded_app.test_client().get(url)
    for name, value in ALWAYS.items():
        assert response.headers[name] == value, (url, name)
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    response.close()


def session_cookie(response):
    cookies = [h for h in response.headers.getlist("Set-Cookie") if h.startswith("session=")]
    assert cookies, "no session cookie set"
    return cookies[-1].lower()


def test_session_cookie_is_httponly_and_lax_and_not_secure_over_http(guarded_app, session):
    cookie = session_cookie(guarded_app.test_client().get("/login/"))
    assert "httponly" in cookie and "samesite=lax" in cookie
    assert "secure" not in cookie.replace("samesite", "")


def test_session_cookie_is_secure_over_https(guarded_app):
    response = guarded_app.test_client().get("/login/", base_url="https://cchc.example")
    assert "; secure" in session_cookie(response)
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_forwarded_https_counts_only_behind_a_trusted_proxy(app, database_url):
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7"}
    plain = app.test_client().get("/login/", headers=forwarded)
    assert "; secure" not in session_cookie(plain)  # PROXY_FIX off: the header is ignored
    assert "Strict-Transport-Security" not in plain.headers
    proxied_app = build_app(database_url, PROXY_FIX=1)
    try:
        proxied = proxied_app.test_client().get("/login/", headers=forwarded)
        assert "; secure" in session_cookie(proxied)
        assert "Strict-Transport-Security" in proxied.headers
    finally:
        dispose(proxied_app)


def test_session_cookie_secure_setting_forces_it(database_url, app):
    forced = build_app(database_url, SESSION_COOKIE_SECURE=True)
    try:
        assert "; secure" in session_cookie(forced.test_client().get("/login/"))
    finally:
        dispose(forced)
