"""The dashboard in chromium, per main role, on the hand-built round of
tests/web/dashboard_world.py (12 units: top and bottom charts): the SVG charts are drawn
(bars with a size, no script), nothing is refused by the page's CSP, and a screenshot per
role is saved in tests/artifacts/screenshots."""

import os

import pytest
from sqlalchemy.orm import Session

from tests.vietnamese import install
from tests.web.dashboard_world import PREVIOUS_NAME, ROUND_NAME, build_world, remove_world


@pytest.fixture()
def dash(test_engine, monkeypatch):
    install(monkeypatch)  # the live server runs in this process: it reads Vietnamese too
    with Session(test_engine) as s:
        world = build_world(s, 12)
    yield world
    with Session(test_engine) as s:
        remove_world(s, world)


@pytest.fixture()
def open_home(login_as, live_server):
    """open_home(world, key, refused): logged in, on the home page; CSP refusals collected."""

    def go(world, key, refused):
        page = login_as(world.users[key])
        page.on("console", lambda m: refused.append(m.text) if "Refused" in m.text else None)
        page.goto(f"{live_server}/")
        page.wait_for_selector(".dashboard")
        return page

    return go


def _bars(page, chart_id):
    """The drawn size of each bar of a chart, as the browser lays it out."""
    return page.eval_on_selector_all(
        f"#{chart_id} rect.dash-bar",
        "rs => rs.map(r => { const b = r.getBoundingClientRect(); return [b.width, b.height]; })",
    )


def test_organiser_dashboard_and_charts(open_home, dash, screenshot_dir):
    refused = []
    page = open_home(dash, "organiser", refused)
    panel = page.locator(f"#round-{dash.round_id}")
    assert panel.locator("[data-figure=submitted] [data-value]").inner_text() == "6"
    assert "còn 2 ngày 3 giờ" in panel.inner_text()
    results = page.locator("#dash-results")
    assert ROUND_NAME in results.inner_text() and "Chưa công bố" in results.inner_text()
    for chart in ("chart-grades", "chart-fields", "chart-top", "chart-bottom", "chart-years"):
        bars = _bars(page, chart)
        assert bars and all(h > 5 for _w, h in bars), chart
        assert any(w > 20 for w, _h in bars), chart
    top = _bars(page, "chart-top")
    assert [w for w, _h in top] == sorted((w for w, _h in top), reverse=True)
    # The table behind a chart opens on a click.
    page.click("#chart-top details summary")
    assert page.locator("#chart-top details table").is_visible()
    assert not refused, refused
    page.screenshot(path=os.path.join(screenshot_dir, "dashboard_organiser.png"), full_page=True)


def test_unit_leader_dashboard(open_home, dash, screenshot_dir):
    refused = []
    page = open_home(dash, "lead1", refused)
    sheet = page.locator(f".dash-sheet[data-round='{dash.round_id}']")
    assert sheet.locator("[data-figure=scored] [data-value]").inner_text() == "3"
    assert "còn 1 ngày 2 giờ 30 phút" in sheet.inner_text()
    assert "Xã Thử Bảng 02" not in page.inner_text("body")
    assert page.locator("svg").count() == 0
    page.click(".dash-missing li:last-child a")
    page.wait_for_url("**/sheet/**")
    assert "show=missing" in page.url
    page.go_back()
    page.wait_for_selector(".dashboard")
    assert not refused, refused
    page.screenshot(path=os.path.join(screenshot_dir, "dashboard_unit_leader.png"), full_page=True)


def test_support_member_dashboard(open_home, dash, screenshot_dir):
    refused = []
    page = open_home(dash, "support_a", refused)
    work = page.locator(f".dash-work[data-round='{dash.round_id}']")
    assert work.locator("[data-figure=support] [data-total]").inner_text() == str(3 * 12 - 1)
    assert "còn 2 ngày 3 giờ" in work.inner_text()
    assert not refused, refused
    page.screenshot(
        path=os.path.join(screenshot_dir, "dashboard_support_member.png"), full_page=True
    )


def test_viewer_dashboard(open_home, dash, screenshot_dir):
    refused = []
    page = open_home(dash, "viewer", refused)
    body = page.inner_text("body")
    assert PREVIOUS_NAME in body and ROUND_NAME not in body
    assert _bars(page, "chart-grades")
    assert not refused, refused
    page.screenshot(path=os.path.join(screenshot_dir, "dashboard_viewer.png"), full_page=True)
