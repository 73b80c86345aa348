"""Form fields that speak Vietnamese: "8,5" decimals and dd/mm/yyyy hh:mm local times."""

import datetime
from decimal import Decimal, InvalidOperation

from flask_appbuilder.fieldwidgets import BS3TextFieldWidget
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from wtforms import Field

from app.domain.clock import format_local, local_zone, to_utc
from app.formatting import vn_number

_DATETIME_FORMATS = (
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d %H:%M:%S",
)


def _local_time_help():
    return _("Local time (%(zone)s), dd/mm/yyyy hh:mm.", zone=local_zone().key)


# The help under every window field: it names the zone the app is configured for (TIMEZONE),
# so it is worked out when shown, not when the module is imported.
LOCAL_TIME_HELP = LazyString(_local_time_help)


class LocalDateTimeField(Field):
    """Typed and shown in local time (dd/mm/yyyy hh:mm); `data` is the naive UTC value to store."""

    widget = BS3TextFieldWidget()

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return format_local(self.data) if self.data else ""

    def process_formdata(self, valuelist):
        self.data = None
        text = (valuelist[0] if valuelist else "").strip()
        if not text:
            return
        for fmt in _DATETIME_FORMATS:
            try:
                self.data = to_utc(datetime.datetime.strptime(text, fmt))
                return
            except ValueError:
                continue
        raise ValueError(_l("Enter the date and time as dd/mm/yyyy hh:mm, e.g. 27/10/2026 17:00."))


class VNDecimalField(Field):
    """A decimal typed the Vietnamese way ("8,5") or the English way ("8.5")."""

    widget = BS3TextFieldWidget()

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return vn_number(self.data) if self.data is not None else ""

    def process_formdata(self, valuelist):
        self.data = None
        text = (valuelist[0] if valuelist else "").strip()
        if not text:
            return
        try:
            if text.count(",") + text.count(".") > 1:
                raise InvalidOperation
            value = Decimal(text.replace(",", "."))
            if not value.is_finite():
                raise InvalidOperation
        except InvalidOperation:
            raise ValueError(_l("Enter a number such as 8,5.")) from None
        self.data = value
