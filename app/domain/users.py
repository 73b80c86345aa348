"""Rules about accounts: who must belong to a unit, how typed names are stored."""

from flask_babel import gettext as _

from app.domain.text import nfc
from app.security import roles


def unit_problem(role_names, unit):
    """Return why an account with `role_names` cannot have `unit` (None if it can)."""
    bound = [name for name in role_names if name in roles.UNIT_BOUND_ROLES]
    if bound and unit is None:
        return _("Unit leaders and unit staff must belong to a unit: choose the unit.")
    if unit is not None and not getattr(unit, "active", True):
        return _("This unit is no longer active; choose its successor unit.")
    return None


# The account fields people type: FAB's user table has plain strings, not NFC columns.
TYPED_FIELDS = ("first_name", "last_name", "username", "email")


def typed_value(value):
    """A typed account field as stored: NFC, blanks around it removed; non-text unchanged.

    "Văn" typed on a decomposing keyboard must find and match the "Văn" already stored."""
    return nfc(value) if isinstance(value, str) else value
