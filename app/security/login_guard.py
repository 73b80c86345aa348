"""The lockout (lockout.py) hooked into FAB: the security manager refuses locked accounts
and counts failures, the login view shows one message for every refusal, and the user list
gets an "Unlock" action for administrators."""

from flask import flash, g, redirect
from flask_appbuilder.actions import action
from flask_appbuilder.security.views import AuthDBView
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.security import check_password_hash

from app.security import lockout


class LockoutMixin:
    """For the SecurityManager: local logins (form and REST) go through auth_user_db."""

    def _account(self, username):
        if not username:
            return None
        return self.find_user(username=username) or self.find_user(email=username)

    def auth_user_db(self, username, password):
        user = self._account(username)
        if user is not None and lockout.check_before_login(self.session, user):
            # As long as a password check, so a locked account does not answer faster.
            check_password_hash(user.password or "", password or "")
            return None
        return super().auth_user_db(username, password)

    def on_user_login_failed(self, user):
        super().on_user_login_failed(user)
        lockout.record_failure(self.session, user)


class AppAuthDBView(AuthDBView):
    """FAB's login form, with the message that does not tell whether the account exists."""

    @property
    def invalid_login_message(self):
        return lockout.login_failed_message()


class UnlockActionMixin:
    """For the user screen: administrators lift locks (by time they lift themselves)."""

    @action(
        "unlock",
        _l("Unlock"),
        _l("Unlock the selected accounts (clear their failed logins)?"),
        "fa-unlock",
    )
    def unlock(self, items):
        items = items if isinstance(items, list) else [items]
        session = self.datamodel.session
        count = sum(1 for user in items if lockout.unlock(session, user, g.user))
        session.commit()
        flash(_("Accounts unlocked: %(count)s.", count=count), "success")
        self.update_redirect()
        return redirect(self.get_redirect())
