"""Time: stored in UTC (naive), shown and typed in the configured zone (Asia/Ho_Chi_Minh)."""

import datetime
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

DEFAULT_TZ = "Asia/Ho_Chi_Minh"


def local_zone():
    name = current_app.config.get("TIMEZONE", DEFAULT_TZ) if has_app_context() else DEFAULT_TZ
    return ZoneInfo(name)


def utcnow():
    """Now as a naive UTC datetime, the form every timestamp column stores."""
    return datetime.datetime.now(datetime.UTC).replace(tzinfo=None)


def to_local(utc_naive):
    """A stored UTC timestamp as an aware local datetime (None stays None)."""
    if utc_naive is None:
        return None
    return utc_naive.replace(tzinfo=datetime.UTC).astimezone(local_zone())


def to_utc(local_value):
    """A local wall-clock datetime (naive or aware) as the naive UTC value to store."""
    if local_value is None:
        return None
    if local_value.tzinfo is None:
        local_value = local_value.replace(tzinfo=local_zone())
    return local_value.astimezone(datetime.UTC).replace(tzinfo=None)


def format_local(utc_naive, with_time=True):
    """dd/mm/yyyy HH:MM in the local zone, as Vietnamese documents write dates."""
    value = to_local(utc_naive)
    if value is None:
        return ""
    return value.strftime("%d/%m/%Y %H:%M" if with_time else "%d/%m/%Y")
