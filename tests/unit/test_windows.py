"""The deadline lock, to the minute, in Asia/Ho_Chi_Minh."""

import datetime
from types import SimpleNamespace

from app.domain.clock import to_utc
from app.domain.windows import deadline, time_left, window_open

START = to_utc(datetime.datetime(2026, 10, 16, 8, 0))  # 08:00 local = 01:00 UTC
END = to_utc(datetime.datetime(2026, 10, 27, 17, 0))


def round_(grants=(), locked=False):
    return SimpleNamespace(self_start=START, self_end=END, locked=locked, grants=list(grants))


def grant(until, unit_id=None):
    return SimpleNamespace(window="self", unit_id=unit_id, until=until)


def test_open_from_the_start_minute_to_just_before_the_end():
    assert not window_open(round_(), "self", 1, START - datetime.timedelta(minutes=1))
    assert window_open(round_(), "self", 1, START)
    assert window_open(round_(), "self", 1, END - datetime.timedelta(seconds=1))
    closed = window_open(round_(), "self", 1, END)
    assert not closed
    assert "27/10/2026 17:00" in closed.reason


def test_end_is_17_00_local_which_is_10_00_utc():
    assert END == datetime.datetime(2026, 10, 27, 10, 0)


def test_extension_for_one_unit_only():
    later = END + datetime.timedelta(days=2)
    r = round_([grant(later, unit_id=7)])
    after = END + datetime.timedelta(hours=1)
    assert window_open(r, "self", 7, after)
    assert not window_open(r, "self", 8, after)
    assert deadline(r, "self", 7, after) == later
    assert deadline(r, "self", 8, after) == END


def test_reopen_for_all_units_until_its_time():
    until = END + datetime.timedelta(days=1)
    r = round_([grant(until)])
    assert window_open(r, "self", 3, until - datetime.timedelta(minutes=1))
    assert not window_open(r, "self", 3, until)


def test_manual_lock_closes_an_open_window():
    decision = window_open(round_(locked=True), "self", 1, START + datetime.timedelta(days=1))
    assert not decision and decision.reason


def test_time_left_counts_down_to_the_deadline():
    assert time_left(round_(), "self", 1, END - datetime.timedelta(minutes=90)) == 5400
