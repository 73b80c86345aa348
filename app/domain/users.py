"""Rules about accounts: who must belong to a unit, how typed names are stored."""

from flask_babel import gettext as _
from sqlalchemy import literal, select

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


def name_key(username):
    """What two user names are compared by: NFC, blanks trimmed, case folded ("CANBO.XA" and
    "canbo.xa", or "nguyễn" typed decomposed and composed, are the same name)."""
    return nfc(username).casefold() if isinstance(username, str) else None


def username_problem(session, username, user_id=None):
    """Why `username` cannot name the account `user_id` (None: a new one), or None.

    FAB's check and the unique index compare the bytes: a name differing only in case got in
    and then neither account could log in; one typed decomposed got to the insert."""
    from app.models.users import AppUser

    key = name_key(username)
    if not key:
        return None
    with session.no_autoflush:
        rows = session.execute(select(AppUser.id, AppUser.username)).all()
    if any(pk != user_id and name_key(name) == key for pk, name in rows):
        return _("Another account already has this user name (capitals and accents typed "
                 "differently count as the same name): choose another one.")  # fmt: skip
    return None


# Links removed with the account itself (its roles and groups), not a history of its work.
_OWN_LINKS = {"ab_user_role", "ab_user_group"}


def user_delete_problems(session, user):
    """Why the account `user` cannot be deleted (its work is recorded), or []."""
    with session.no_autoflush:
        for table in user.metadata.sorted_tables:
            if table.name in _OWN_LINKS:
                continue
            for fk in table.foreign_keys:
                if fk.column.table.name != "ab_user":
                    continue
                query = select(literal(1)).select_from(table).where(fk.parent == user.id)
                if table.name == "ab_user":
                    query = query.where(table.c.id != user.id)
                if session.execute(query.limit(1)).first():
                    return [_("This account has a history (change log, assignments, scores or "
                              "other accounts it created): it cannot be deleted; untick "
                              "\"Is Active?\" to close it instead.")]  # fmt: skip
    return []
