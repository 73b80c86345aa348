"""Account lockout: LOCKOUT_ATTEMPTS failed logins in a row (5) lock a local account for
LOCKOUT_MINUTES (15). A locked account refuses even its right password until the time is up
or an administrator unlocks it (action "Unlock" on the user list). Every failed login of an
existing account, every lock and every unlock goes to the change log with the user name and
the client's IP address. The login page says the same thing whether the account exists, is
locked or the password is wrong (`login_failed_message`).

FAB counts failures in ab_user.fail_login_count (reset by a successful login);
AppUser.locked_until holds the end of the lock (UTC, like every timestamp).
"""

import datetime
import logging

from flask import current_app, has_request_context, request
from flask_babel import gettext as _

from app.domain import audit
from app.domain.clock import format_local, utcnow

log = logging.getLogger(__name__)

DEFAULT_ATTEMPTS = 5
DEFAULT_MINUTES = 15


def settings():
    """(attempts, minutes) from the config; attempts 0 turns the lockout off."""
    config = current_app.config
    attempts = int(config.get("LOCKOUT_ATTEMPTS", DEFAULT_ATTEMPTS))
    return attempts, int(config.get("LOCKOUT_MINUTES", DEFAULT_MINUTES))


def client_ip():
    """The client's address (the proxy's unless PROXY_FIX trusts X-Forwarded-For)."""
    return (request.remote_addr or "?") if has_request_context() else "-"


def login_failed_message():
    """The one message of every refused login: it does not tell whether the account exists."""
    attempts, minutes = settings()
    if attempts <= 0:
        return _("Wrong user name or password. Please try again.")
    return _(
        "Wrong user name or password, or the account is temporarily locked. After "
        "%(count)s failed attempts in a row an account is locked for %(minutes)s minutes: "
        "wait, or ask an administrator to unlock it.",
        count=attempts,
        minutes=minutes,
    )


def is_locked(user, now=None):
    """True while `user` is locked."""
    until = getattr(user, "locked_until", None)
    return until is not None and until > (now or utcnow())


def check_before_login(session, user, now=None):
    """Called before a password is checked: True when `user` is locked (refuse the login).
    A lock whose time is up is lifted here, and the failure count starts again."""
    now = now or utcnow()
    if is_locked(user, now):
        log.info("Login refused: account %s is locked (from %s)", user.username, client_ip())
        return True
    if user.locked_until is not None:
        user.locked_until, user.fail_login_count = None, 0
        session.commit()
    return False


def record_failure(session, user, now=None):
    """Called after FAB counted a failed login of `user`: logs it, and locks the account when
    the count reaches LOCKOUT_ATTEMPTS. Commits."""
    now = now or utcnow()
    attempts, minutes = settings()
    count, ip = user.fail_login_count or 0, client_ip()
    reason = _(
        "Failed login %(count)s in a row; user name %(username)s, IP address %(ip)s",
        count=count, username=user.username, ip=ip,
    )  # fmt: skip
    audit.record(session, None, "login_failed", "user", user.id, reason=reason)
    if attempts > 0 and count >= attempts and not is_locked(user, now):
        user.locked_until = now + datetime.timedelta(minutes=minutes)
        audit.record(
            session, None, "account_locked", "user", user.id,
            new=format_local(user.locked_until), reason=reason,
        )  # fmt: skip
        log.warning("Account %s locked after %s failed logins from %s", user.username, count, ip)
    session.commit()


def unlock(session, user, actor):
    """An administrator lifts the lock of `user` and clears the failure count (the caller
    commits). Returns False when there was nothing to unlock."""
    if user.locked_until is None and not user.fail_login_count:
        return False
    old = format_local(user.locked_until) if user.locked_until else None
    user.locked_until, user.fail_login_count = None, 0
    reason = _("Unlocked by %(admin)s from IP address %(ip)s", admin=actor.username, ip=client_ip())
    audit.record(session, actor, "account_unlocked", "user", user.id, old=old, reason=reason)
    return True
