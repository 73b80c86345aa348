"""Column types shared by the models."""

import unicodedata

from sqlalchemy import Numeric, String, Text
from sqlalchemy.types import TypeDecorator


def nfc(value):
    """Vietnamese typed on different keyboards arrives composed or decomposed: store one form."""
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value).strip()
    return value


class NFCString(TypeDecorator):
    impl = String
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return nfc(value)


class NFCText(TypeDecorator):
    impl = Text
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return nfc(value)


def Points():  # noqa: N802  (reads like a type in the models)
    """Points are exact decimals: 0.25 steps must add up to the last half-point."""
    return Numeric(8, 2, asdecimal=True)


def SortKey(length):  # noqa: N802
    """A machine-made sort key: compare byte-wise whatever the database's locale is."""
    return String(length).with_variant(String(length, collation="C"), "postgresql")
