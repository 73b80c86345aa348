"""How numbers and dates look in Vietnamese pages: "8,5", dd/mm/yyyy, local time."""

from decimal import Decimal, InvalidOperation

from app.domain.clock import format_local


def vn_number(value, places=2):
    """8.50 -> "8,5"; 10 -> "10"; 1234.5 -> "1.234,5" (Vietnamese separators)."""
    if value is None or value == "":
        return ""
    try:
        number = Decimal(str(value)).quantize(Decimal(1).scaleb(-places))
    except (InvalidOperation, ValueError):
        return str(value)
    text = f"{number:,.{places}f}".rstrip("0").rstrip(".")
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def vn_datetime(value):
    return format_local(value) if value is not None else ""


def vn_date(value):
    if value is None:
        return ""
    if hasattr(value, "hour"):
        return format_local(value, with_time=False)
    return value.strftime("%d/%m/%Y")


def yes_no(value):
    """Booleans as Vietnamese words rather than Python's True/False."""
    from flask_babel import gettext

    return gettext("Yes") if value else gettext("No")


def blank_if_none(value):
    return "" if value is None else value


def zero_if_none(value):
    """A count never recorded yet (e.g. a user who never logged in) reads as 0."""
    return 0 if value is None else value


def register_template_filters(app):
    app.jinja_env.filters["vn_number"] = vn_number
    app.jinja_env.filters["vn_datetime"] = vn_datetime
    app.jinja_env.filters["vn_date"] = vn_date
