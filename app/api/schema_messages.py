"""The English messages of REST answers (400, 422), in the user's language.

FAB loads a POST or PUT body with marshmallow and answers its messages as they are: English
("Not a valid number.", "Missing data for required field."); so are FAB's own answers to a
bad query ("Invalid order by column: x"). The messages below are those of marshmallow's
fields and validators FAB's schemas use, and FAB's; the others (already ours, already
translated) pass unchanged."""

import re

from flask_babel import gettext


def N_(message):
    """Marks `message` for the catalogue (app/i18n.py extracts N_) without translating it:
    the answer is translated when it is sent, in the asker's language."""
    return message


FIXED = {
    N_("Missing data for required field."),
    N_("Field may not be null."),
    N_("Invalid value."),
    N_("Invalid type."),
    N_("Invalid input type."),
    N_("Unknown field."),
    N_("Not a valid string."),
    N_("Not a valid utf-8 string."),
    N_("Not a valid integer."),
    N_("Not a valid number."),
    N_("Number too large."),
    N_("Special numeric values (nan or infinity) are not permitted."),
    N_("Not a valid boolean."),
    N_("Not a valid datetime."),
    N_("Not a valid date."),
    N_("Not a valid time."),
    N_("Not a valid list."),
    N_("Not a valid mapping type."),
    N_("Not a valid email address."),
    N_("Not a valid URL."),
    N_("Not a valid rison argument"),
    N_("Not a valid rison/json argument"),
    N_("Request is not JSON"),
}

# Messages marshmallow fills in: (its wording as a pattern, our msgid with the same values).
FILLED = [
    (re.compile(r"Invalid order by column: (?P<column>.+)"),
     N_("The list cannot be sorted by %(column)s.")),
    (re.compile(r"Filter column: (?P<column>.+) not allowed to filter"),
     N_("The list cannot be filtered by %(column)s.")),
    (re.compile(r"Longer than maximum length (?P<max>\d+)\."),
     N_("Longer than maximum length %(max)s.")),
    (re.compile(r"Shorter than minimum length (?P<min>\d+)\."),
     N_("Shorter than minimum length %(min)s.")),
    (re.compile(r"Length must be between (?P<min>\d+) and (?P<max>\d+)\."),
     N_("Length must be between %(min)s and %(max)s.")),
    (re.compile(r"Must be one of: (?P<choices>.*)\."), N_("Must be one of: %(choices)s.")),
    (re.compile(r"Must be greater than or equal to (?P<min>\S+)\."),
     N_("Must be greater than or equal to %(min)s.")),
    (re.compile(r"Must be less than or equal to (?P<max>\S+)\."),
     N_("Must be less than or equal to %(max)s.")),
    (re.compile(r"Must be greater than or equal to (?P<min>\S+) and less than or equal to "
                r"(?P<max>\S+)\."),
     N_("Must be greater than or equal to %(min)s and less than or equal to %(max)s.")),
]  # fmt: skip


def translated(messages):
    """`messages` (marshmallow's dict / list / str of errors) with its own wording translated."""
    if isinstance(messages, dict):
        return {key: translated(value) for key, value in messages.items()}
    if isinstance(messages, list):
        return [translated(value) for value in messages]
    if not isinstance(messages, str):
        return messages
    if messages in FIXED:
        return gettext(messages)
    for pattern, msgid in FILLED:
        if found := pattern.fullmatch(messages):
            return gettext(msgid, **found.groupdict())
    return messages
