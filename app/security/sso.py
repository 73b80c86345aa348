"""Single sign-on with OpenID Connect through FAB's AUTH_OAUTH and Authlib.

Off unless OIDC_CLIENT_ID and OIDC_DISCOVERY_URL (or OIDC_ISSUER) are set: then the app is
exactly AUTH_DB. On: FAB's OAuth flow runs unchanged (Authlib checks state, nonce, PKCE and the
id_token's RS256 signature, issuer, audience and expiry; FAB checks its signed state), and:

- the login page shows the provider's button and the local user/password form together;
- the person's unit and roles come from app/domain/sso.py (administrator's mapping or claims);
- a refusal says why, in Vietnamese, instead of FAB's generic English messages;
- local accounts keep working, SSO accounts ("sso:<subject>") never sign in locally.
"""

import logging

from flask import current_app, flash, g, redirect, request, session, url_for
from flask_appbuilder.baseviews import expose
from flask_appbuilder.const import AUTH_OAUTH
from flask_appbuilder.security.forms import LoginForm_db
from flask_appbuilder.security.views import AuthOAuthView
from flask_appbuilder.utils.base import get_safe_redirect
from flask_babel import lazy_gettext as _l
from flask_login import login_user

from app.domain import sso as domain
from app.domain.errors import DomainError
from app.extensions import db

log = logging.getLogger(__name__)


def enabled(config):
    return bool(config.get("OIDC_CLIENT_ID")) and bool(
        config.get("OIDC_DISCOVERY_URL") or config.get("OIDC_ISSUER")
    )


def discovery_url(config):
    url = config.get("OIDC_DISCOVERY_URL")
    if url:
        return url
    return config["OIDC_ISSUER"].rstrip("/") + "/.well-known/openid-configuration"


def configure(config):
    """Turn the OIDC_* settings into FAB's AUTH_OAUTH ones (nothing when SSO is off)."""
    if not enabled(config):
        return
    config["AUTH_TYPE"] = AUTH_OAUTH
    config["OAUTH_PROVIDERS"] = [
        {
            "name": config.get("OIDC_PROVIDER_NAME") or "sso",
            "icon": "fa-sign-in",
            # The name of the field of the token answer that holds the token: no secret.
            "token_key": "access_token",  # nosec B105
            "remote_app": {
                "client_id": config["OIDC_CLIENT_ID"],
                "client_secret": config.get("OIDC_CLIENT_SECRET") or None,
                "server_metadata_url": discovery_url(config),
                "client_kwargs": {
                    "scope": config.get("OIDC_SCOPES") or "openid email profile",
                    "code_challenge_method": "S256",
                },
            },
        }
    ]
    # Roles come from app/domain/sso.py at every login, not from FAB's registration.
    config["AUTH_USER_REGISTRATION"] = False
    config["AUTH_ROLES_SYNC_AT_LOGIN"] = False


# FAB's OAuth view flashes these English literals (not through gettext): say them our way.
_FAB_FLASHES = {
    "The request to sign in was denied.": _l(
        "Single sign-on failed: the sign-on service's answer could not be verified. Sign in again."
    ),
    "You denied the request to sign in.": _l("Single sign-on was cancelled."),
    "Invalid state signature": _l(
        "Single sign-on failed: the sign-in request expired or was not started here. Sign in again."
    ),
    "Provider not supported.": _l("This sign-on service is not configured here."),
    "You are not authorized.": _l("You may not sign in to this system."),
}


def _translate_flashes(refusal, generic):
    flashes = session.get("_flashes", [])
    kept = []
    for category, message in flashes:
        if message == generic and refusal:
            continue
        if message in _FAB_FLASHES:
            category, message = "danger", str(_FAB_FLASHES[message])
        kept.append((category, message))
    if refusal:
        kept.append(("danger", refusal))
    session["_flashes"] = kept


class AppAuthOAuthView(AuthOAuthView):
    """FAB's OAuth login plus the local form on the same page."""

    login_template = "security/login_sso.html"

    @property
    def invalid_login_message(self):
        # The local form's refusal in the words of the AUTH_DB login page (lockout-aware).
        if self.appbuilder is None:  # FAB's view set-up looks at every attribute
            return AuthOAuthView.invalid_login_message
        attr = self.appbuilder.sm.authdbview.invalid_login_message
        return attr.__get__(self) if isinstance(attr, property) else attr

    def _providers(self):
        label = current_app.config.get("OIDC_BUTTON_LABEL") or _l("Sign in with single sign-on")
        nxt = request.args.get("next", "")
        return [
            {
                "name": p["name"],
                "icon": p.get("icon", "fa-sign-in"),
                "label": label,
                "url": url_for(".login", provider=p["name"], **({"next": nxt} if nxt else {})),
            }
            for p in self.appbuilder.sm.oauth_providers
        ]

    @expose("/login/", methods=["GET", "POST"])
    @expose("/login/<provider>")
    def login(self, provider=None):
        if provider is not None or (g.user is not None and g.user.is_authenticated):
            return super().login(provider)
        form = LoginForm_db()
        if form.validate_on_submit():
            next_url = get_safe_redirect(request.args.get("next", ""))
            user = self.appbuilder.sm.auth_user_db(form.username.data, form.password.data)
            if not user:
                flash(str(self.invalid_login_message), "warning")
                return redirect(self.appbuilder.get_url_for_login_with(next_url))
            login_user(user, remember=False)
            return redirect(next_url)
        return self.render_template(
            self.login_template,
            providers=self._providers(),
            form=form,
            title=self.title,
            appbuilder=self.appbuilder,
        )

    @expose("/oauth-authorized/<provider>")
    def oauth_authorized(self, provider):
        response = super().oauth_authorized(provider)
        _translate_flashes(g.pop("sso_refusal", None), str(self.invalid_login_message))
        return response


class SsoSecurityMixin:
    """Security-manager methods for SSO; mixed into app/security/manager.py's manager."""

    authoauthview = AppAuthOAuthView

    def register_views(self):
        super().register_views()
        if self.auth_type == AUTH_OAUTH:
            # Local accounts stay: their password screens exist in SSO mode too.
            self.appbuilder.add_view_no_menu(self.resetpasswordview())
            self.appbuilder.add_view_no_menu(self.resetmypasswordview())

    def get_oauth_user_info(self, provider, resp):
        """The verified id_token claims (Authlib checked signature and nonce), completed by the
        userinfo endpoint when it speaks of the same subject."""
        claims = dict(resp.get("userinfo") or {})
        if not claims.get("sub"):
            g.sso_refusal = str(_l("The sign-on service sent no identity token."))
            raise DomainError(g.sso_refusal)
        remote = self.oauth_remotes[provider]
        if remote.load_server_metadata().get("userinfo_endpoint"):
            extra = dict(remote.userinfo(token=resp))
            if extra.get("sub") == claims["sub"]:
                claims = {**extra, **claims}
        return {"username": domain.USERNAME_PREFIX + claims["sub"], "claims": claims}

    def auth_user_oauth(self, userinfo):
        settings = domain.Settings.from_config(current_app.config)
        try:
            identity = domain.identity_from_claims(userinfo.get("claims") or {}, settings)
            user = domain.sign_in(db.session, self, identity, settings)
        except DomainError as refusal:
            db.session.rollback()
            log.warning("SSO sign-in refused for %s: %s", userinfo.get("username"), refusal)
            g.sso_refusal = refusal.message
            return None
        self.update_user_auth_stat(user)
        return user

    def auth_user_db(self, username, password):
        user = super().auth_user_db(username, password)
        # An SSO account never signs in with a password, even one set through "reset password".
        if user is not None and (user.username or "").startswith(domain.USERNAME_PREFIX):
            return None
        return user
