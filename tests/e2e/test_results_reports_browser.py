"""The results reports in chromium, under the app's CSP: the organiser opens a round's
reports, fills in the announcement's letterhead and downloads it, downloads the units x
criteria Excel, and opens a unit's gap analysis (CSS bars, nothing from outside the app);
the unit's leader, once published, sees their own. Screenshots in tests/artifacts/screenshots/.
"""

import os

import pytest
from sqlalchemy.orm import Session

from tests.web.results_reports_world import committed_world, set_published


@pytest.fixture()
def world(app, test_engine):
    with committed_world(test_engine) as built:
        yield built


def _watch(page, live_server):
    """Script errors, CSP refusals, failed responses (the browser's own favicon request
    aside) and any request leaving the app."""
    problems = []
    page.on(
        "console",
        lambda m: (
            problems.append(m.text)
            if m.type == "error" and not m.text.startswith("Failed to load resource")
            else None
        ),
    )
    page.on(
        "response",
        lambda r: (
            problems.append(f"{r.status} {r.url}")
            if r.status >= 400 and not r.url.endswith("/favicon.ico")
            else None
        ),
    )
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on(
        "request",
        lambda r: None if r.url.startswith((live_server, "data:")) else problems.append(r.url),
    )
    return problems


def test_organiser_and_unit_use_the_reports(
    world, page, login_as, live_server, screenshot_dir, test_engine
):
    problems = _watch(page, live_server)
    login_as("tochuc")
    page.goto(f"{live_server}/bao-cao-ket-qua/{world.round_id}/")
    page.fill("#number", "125/TB-SNV")
    page.fill("#signer_name", "Nguyễn Văn Minh")
    page.screenshot(path=os.path.join(screenshot_dir, "results-reports-round.png"),
                    full_page=True)  # fmt: skip
    with page.expect_download() as download:
        page.click("#announcement-download")
    assert download.value.suggested_filename.endswith(f"-{world.round_id}.pdf")
    with page.expect_download() as download:
        page.click("#matrix-download")
    assert download.value.suggested_filename.endswith(".xlsx")

    page.click("text=Xã Đồng Tâm")
    page.locator("#gap-fields .gap-bar").first.wait_for()
    assert page.locator("#gap-lines tr[data-code]").count() == 7
    assert page.locator("#gap-losses tbody tr").first.locator("td").first.inner_text() == "4.1"
    # The bar of field 1 (50%) is half as wide as its box; the best units' mark at 100%.
    bar = page.locator("#gap-fields .gap-bar").first
    fill = bar.locator(".gap-fill").bounding_box()
    box = bar.bounding_box()
    assert abs(fill["width"] - box["width"] / 2) <= 2
    page.screenshot(path=os.path.join(screenshot_dir, "results-gap.png"), full_page=True)

    with Session(test_engine) as s:
        set_published(s, world, True)
    page.goto(f"{live_server}/logout/")
    login_as("rr.lead2")
    page.goto(f"{live_server}/bao-cao-ket-qua/{world.round_id}/")
    assert page.locator("#matrix-download").count() == 0
    page.click("#own-gap")
    page.locator("#gap-summary").wait_for()
    assert "Xã Ân Thịnh" in page.locator("h2").first.inner_text()
    page.screenshot(path=os.path.join(screenshot_dir, "results-gap-own-unit.png"),
                    full_page=True)  # fmt: skip
    assert problems == []
