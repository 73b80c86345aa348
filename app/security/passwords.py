"""Password rules for local accounts: at least PASSWORD_MIN_LENGTH (10) characters, letters and
digits, and not the user name.

FAB calls `fab_validator` (FAB_PASSWORD_COMPLEXITY_VALIDATOR) on the user add form, both
password reset forms and the user REST API; `flask create-admin` and `flask demo-data` call
`password_problems` directly. FAB passes only the password, so `fab_validator` finds the
account's name in the request (see `_username_in_request`).
"""

from flask import current_app, g, has_request_context, request
from flask_appbuilder.exceptions import PasswordComplexityValidationError
from flask_babel import gettext as _

DEFAULT_MIN_LENGTH = 10


def password_problems(password, username=None, min_length=None):
    """The reasons `password` is not acceptable for the account `username` ([] when it is)."""
    if min_length is None:
        min_length = int(current_app.config.get("PASSWORD_MIN_LENGTH", DEFAULT_MIN_LENGTH))
    password = password or ""
    problems = []
    if len(password) < min_length:
        problems.append(
            _(
                "The password must have at least %(min)s characters (it has %(count)s).",
                min=min_length,
                count=len(password),
            )
        )
    if not (any(ch.isalpha() for ch in password) and any(ch.isdigit() for ch in password)):
        problems.append(_("The password must contain both letters and digits."))
    name = (username or "").strip().casefold()
    if name and name in password.casefold():
        problems.append(_("The password must not contain the user name."))
    return problems


def _user_name(pk):
    try:
        user = current_app.appbuilder.sm.get_user_by_id(int(pk))
    except (TypeError, ValueError):
        return None
    return getattr(user, "username", None)


def _username_in_request():
    """The name of the account whose password is being set: typed in the add form or the API
    body, the logged-in user on "reset my password", else the account of `pk` (an
    administrator resetting someone's password, the user API's PUT)."""
    if not has_request_context():
        return None
    typed = request.form.get("username")
    if not typed and request.is_json:
        body = request.get_json(silent=True)
        typed = body.get("username") if isinstance(body, dict) else None
    if typed:
        return str(typed)
    if (request.endpoint or "").startswith("ResetMyPasswordView."):
        return getattr(getattr(g, "user", None), "username", None)
    pk = request.args.get("pk") or (request.view_args or {}).get("pk")
    return _user_name(pk) if pk is not None else None


def fab_validator(password):
    """FAB_PASSWORD_COMPLEXITY_VALIDATOR: raises with every reason, in one message."""
    problems = password_problems(password, _username_in_request())
    if problems:
        raise PasswordComplexityValidationError(" ".join(str(p) for p in problems))
