"""The dashboard's window and time left (to the minute, Asia/Ho_Chi_Minh), the Vietnamese
time-left text, and the SVG charts' geometry, without HTTP."""

import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest

from app.domain.clock import to_utc
from app.domain.dashboard import (
    CLOSED,
    LOCKED,
    OPEN,
    TEAM_WINDOWS,
    UNIT_WINDOWS,
    UPCOMING,
    format_minutes,
    window_status,
)
from app.views.charts import BAR_WIDTH, LABEL_CHARS, bar_chart, nice_max
from tests.vietnamese import install

MINUTE = datetime.timedelta(minutes=1)


def local(day, month, hour, minute=0):
    return to_utc(datetime.datetime(2031, month, day, hour, minute))


SELF = (local(1, 10, 8), local(10, 10, 17))
APPRAISAL = (local(16, 10, 8), local(27, 10, 17))
SUPPLEMENT = (local(12, 11, 8), local(19, 11, 17))


def round_(phase="self_assessment", grants=(), locked=False):
    return SimpleNamespace(
        phase=phase, locked=locked, grants=list(grants),
        self_start=SELF[0], self_end=SELF[1], appraisal_start=APPRAISAL[0],
        appraisal_end=APPRAISAL[1], supplement_start=SUPPLEMENT[0], supplement_end=SUPPLEMENT[1],
    )  # fmt: skip


def grant(window, until, unit_id=None):
    return SimpleNamespace(window=window, unit_id=unit_id, until=until)


@pytest.fixture()
def vietnamese(app, monkeypatch):
    install(monkeypatch)
    with app.test_request_context("/"):
        yield


def test_open_window_counts_down_to_the_minute():
    now = SELF[1] - datetime.timedelta(days=2, hours=3, minutes=5, seconds=30)
    status = window_status(round_(), None, now)
    assert (status.window, status.state, status.at) == ("self", OPEN, SELF[1])
    assert status.minutes_left == 2 * 24 * 60 + 3 * 60 + 5  # the half minute does not count
    assert window_status(round_(), None, SELF[1] - MINUTE).minutes_left == 1
    assert window_status(round_(), None, SELF[1] - MINUTE / 2).minutes_left == 0
    # At 17:00 sharp the window is closed, as the deadline lock says.
    closed = window_status(round_(), None, SELF[1])
    assert (closed.state, closed.window) == (UPCOMING, "appraisal")


def test_a_units_window_skips_the_teams_and_the_reverse():
    between = SELF[1] + datetime.timedelta(days=1)
    unit = window_status(round_(), 5, between, UNIT_WINDOWS)
    assert (unit.window, unit.state, unit.at) == ("supplement", UPCOMING, SUPPLEMENT[0])
    team = window_status(round_(), None, between, TEAM_WINDOWS)
    assert (team.window, team.state, team.at) == ("appraisal", UPCOMING, APPRAISAL[0])
    during = APPRAISAL[0] + MINUTE
    assert window_status(round_("appraisal"), None, during, TEAM_WINDOWS).state == OPEN
    after_all = SUPPLEMENT[1] + MINUTE
    last = window_status(round_("supplement"), 5, after_all, UNIT_WINDOWS)
    assert (last.window, last.state, last.at) == ("supplement", CLOSED, SUPPLEMENT[1])


def test_an_extension_for_one_unit_keeps_its_window_open_in_a_later_phase():
    until = APPRAISAL[0] + datetime.timedelta(days=2)
    r = round_("appraisal", [grant("self", until, unit_id=7)])
    now = APPRAISAL[0] + datetime.timedelta(hours=1)
    mine = window_status(r, 7, now, UNIT_WINDOWS)
    assert (mine.window, mine.state, mine.at, mine.extended) == ("self", OPEN, until, True)
    other = window_status(r, 8, now, UNIT_WINDOWS)
    assert (other.window, other.state) == ("supplement", UPCOMING)


def test_locked_round_and_phases_without_a_window():
    assert window_status(round_(locked=True), None, SELF[0] + MINUTE).state == LOCKED
    for phase in ("draft", "verification", "finalised", "published"):
        assert window_status(round_(phase), None, SELF[0] + MINUTE) is None


def test_time_left_reads_in_vietnamese(vietnamese):
    assert format_minutes(2 * 24 * 60 + 3 * 60 + 5) == "2 ngày 3 giờ 5 phút"
    assert format_minutes(60) == "1 giờ"
    assert format_minutes(24 * 60 + 1) == "1 ngày 1 phút"
    assert format_minutes(0) == "dưới 1 phút"


def test_bar_chart_geometry_labels_and_decimal_commas():
    items = [("Xã Một", [Decimal("95.37")]), ("Xã Hai", [Decimal("47.5")]), ("Xã Ba", [None])]
    chart = bar_chart("c", "Tiêu đề", "Mô tả", items, ["2040"], scale_max=100)
    first, second, third = chart.rows
    assert first.bars[0].width == pytest.approx(BAR_WIDTH * 0.9537, abs=0.1)
    assert second.bars[0].width == pytest.approx(BAR_WIDTH / 2 * 0.95, abs=0.1)
    assert (first.bars[0].text, second.bars[0].text) == ("95,37", "47,5")
    assert third.bars == [] and third.cells == ["—"]
    assert second.bars[0].y > first.bars[0].y
    assert [text for _x, text in chart.ticks] == ["0", "25", "50", "75", "100"]


def test_two_series_long_labels_and_counts():
    long_name = "Ủy ban nhân dân phường có một cái tên rất dài để thử"
    chart = bar_chart("g", "Xếp loại", "", [(long_name, [3, 1234])], ["2040", "2039"], places=0)
    row = chart.rows[0]
    assert len(row.label) == LABEL_CHARS and row.label.endswith("…")
    assert row.full_label == long_name
    assert [b.series for b in row.bars] == [0, 1]
    assert row.cells == ["3", "1.234"]
    assert row.bars[1].title == f"{long_name} (2039): 1.234"
    assert nice_max(1234) == 1236 and nice_max(3) == 4 and nice_max(0) == 4
