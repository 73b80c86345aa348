"""Application configuration: safe defaults, every value overridable from the environment."""

import os

BASE_DIR = os.path.abspath(os.path.dirname(__file__))
DEFAULT_SECRET_KEY = "dev-only-change-me"


def _env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


def _database_url():
    url = os.environ.get(
        "DATABASE_URL", f"sqlite:///{os.path.join(BASE_DIR, 'instance', 'cchc.db')}"
    )
    # Heroku-style URLs and plain "postgresql://" both mean psycopg 3 here.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


class Config:
    APP_NAME = "Chỉ số CCHC"
    SECRET_KEY = os.environ.get("SECRET_KEY", DEFAULT_SECRET_KEY)
    DEBUG = _env_bool("FLASK_DEBUG")
    # Demo mode lets the app start with the default key (make run); production must set SECRET_KEY.
    DEMO_MODE = _env_bool("DEMO_MODE")
    DEMO_PASSWORD = os.environ.get("DEMO_PASSWORD", "Cchc@2025vn")

    SQLALCHEMY_DATABASE_URI = _database_url()
    SQLALCHEMY_TRACK_MODIFICATIONS = False
    # A pooled connection idle this long is pinged before use (app/engine.py); not every one.
    DB_PING_IDLE_SECONDS = float(os.environ.get("DB_PING_IDLE_SECONDS", "10"))

    UPLOAD_DIR = os.environ.get("UPLOAD_DIR", os.path.join(BASE_DIR, "instance", "uploads"))
    MAX_UPLOAD_MB = int(os.environ.get("MAX_UPLOAD_MB", "20"))
    TIMEZONE = os.environ.get("TIMEZONE", "Asia/Ho_Chi_Minh")

    MAIL_SERVER = os.environ.get("MAIL_SERVER", "127.0.0.1")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
    MAIL_USE_TLS = _env_bool("MAIL_USE_TLS")
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME", "")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD", "")
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "cchc@localhost")
    MAIL_TIMEOUT = float(os.environ.get("MAIL_TIMEOUT", "10"))
    # None: suppressed when testing (app/notifications/mailer.py); "1" / "0" force it.
    MAIL_SUPPRESS_SEND = (
        _env_bool("MAIL_SUPPRESS_SEND") if "MAIL_SUPPRESS_SEND" in os.environ else None
    )
    # Where the links in e-mails point (the address users open the app at).
    APP_BASE_URL = os.environ.get("APP_BASE_URL", "http://localhost:5000")

    # Flask-AppBuilder
    AUTH_TYPE = 1  # AUTH_DB
    AUTH_ROLE_ADMIN = "Admin"
    AUTH_ROLE_PUBLIC = "Public"
    AUTH_USER_REGISTRATION = False
    FAB_CREATE_DB = False  # Alembic owns the schema
    FAB_UPDATE_PERMS = _env_bool("FAB_UPDATE_PERMS", False)  # `flask sync-roles` does it once
    FAB_SECURITY_MANAGER_CLASS = "app.security.manager.AppSecurityManager"
    FAB_ADD_SECURITY_API = True
    FAB_API_SWAGGER_UI = True
    # The spec endpoint is app/api/openapi.py's (FAB's, with its answers corrected).
    FAB_ADD_OPENAPI_VIEWS = False
    FAB_API_MAX_PAGE_SIZE = 500
    FAB_INDEX_VIEW = "app.views.home.HomeIndexView"
    APP_THEME = ""

    BABEL_DEFAULT_LOCALE = "vi"
    BABEL_DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
    BABEL_TRANSLATION_DIRECTORIES = os.path.join(BASE_DIR, "translations")
    LANGUAGES = {
        "vi": {"flag": "vn", "name": "Tiếng Việt"},
        "en": {"flag": "gb", "name": "English"},
    }

    WTF_CSRF_ENABLED = True
    WTF_CSRF_TIME_LIMIT = None
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    # Secure cookies always when set; without it they are Secure on every https request
    # (app/security/headers.py), so plain http (make run) still works.
    SESSION_COOKIE_SECURE = _env_bool("SESSION_COOKIE_SECURE")
    # Number of reverse proxies whose X-Forwarded-For/-Proto/-Host to trust (0: none).
    PROXY_FIX = int(os.environ.get("PROXY_FIX", "0"))
    # Roles' permissions kept per process this long (app/security/permission_cache.py).
    PERMISSIONS_CACHE_SECONDS = float(os.environ.get("PERMISSIONS_CACHE_SECONDS", "5"))
    # Login rate limit (Flask-Limiter via FAB), per client address; Redis when several workers.
    RATELIMIT_ENABLED = _env_bool("RATELIMIT_ENABLED", True)
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_HEADERS_ENABLED = True
    RATELIMIT_SWALLOW_ERRORS = True  # Redis down: log it and let logins through (lockout holds)
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    AUTH_RATE_LIMITED = True
    AUTH_RATE_LIMIT = os.environ.get("AUTH_RATE_LIMIT", "20 per minute")
    # Passwords of local accounts (app/security/passwords.py) and lockout (lockout.py).
    FAB_PASSWORD_COMPLEXITY_ENABLED = True
    PASSWORD_MIN_LENGTH = int(os.environ.get("PASSWORD_MIN_LENGTH", "10"))
    LOCKOUT_ATTEMPTS = int(os.environ.get("LOCKOUT_ATTEMPTS", "5"))
    LOCKOUT_MINUTES = int(os.environ.get("LOCKOUT_MINUTES", "15"))
    JWT_ACCESS_TOKEN_EXPIRES = 3600

    # Single sign-on (OpenID Connect): on when OIDC_CLIENT_ID and OIDC_DISCOVERY_URL (or
    # OIDC_ISSUER) are set; app/security/sso.py turns these into FAB's AUTH_OAUTH settings.
    OIDC_DISCOVERY_URL = os.environ.get("OIDC_DISCOVERY_URL", "")
    OIDC_ISSUER = os.environ.get("OIDC_ISSUER", "")
    OIDC_CLIENT_ID = os.environ.get("OIDC_CLIENT_ID", "")
    OIDC_CLIENT_SECRET = os.environ.get("OIDC_CLIENT_SECRET", "")
    OIDC_SCOPES = os.environ.get("OIDC_SCOPES", "openid email profile")
    OIDC_PROVIDER_NAME = os.environ.get("OIDC_PROVIDER_NAME", "sso")
    OIDC_BUTTON_LABEL = os.environ.get("OIDC_BUTTON_LABEL", "")
    OIDC_UNIT_CLAIM = os.environ.get("OIDC_UNIT_CLAIM", "unit_code")
    OIDC_ROLES_CLAIM = os.environ.get("OIDC_ROLES_CLAIM", "roles")
    OIDC_EMAIL_CLAIM = os.environ.get("OIDC_EMAIL_CLAIM", "email")
    # "idp-group=OurRole,other-group=OtherRole"; empty: a claim value that is one of our role
    # names (Admin excepted) is taken as that role.
    OIDC_ROLE_MAP = os.environ.get("OIDC_ROLE_MAP", "")
