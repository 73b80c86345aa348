"""In chromium: the organiser imports a survey file, computes the results and publishes them
(on a round the test prepared: finalised by the council, tests/web/secret_world.py), and an
anonymous browser then sees the ranking and a unit's page. Screenshots in
tests/artifacts/screenshots/results-*.png."""

import os

from playwright.sync_api import expect

from tests.web.secret_world import secret_world_fixture  # noqa: F401  (secret_world)

SURVEY = "Mã đơn vị;Tên đơn vị;Kết quả\nBM-1;Xã Bí Mật 1;72,5\nBM-2;Xã Bí Mật 2;61\n"


def _shot(page, folder, name):
    page.screenshot(path=os.path.join(folder, f"results-{name}.png"), full_page=True)


def _round_action(page, server, round_id, name):
    """Run the publication screen's action `name` on the round, confirmed in FAB's dialog."""
    page.goto(f"{server}/publicationroundview/list/")
    page.locator(f"input[name=rowid][value='{round_id}']").check()
    page.locator(".btn-group button.dropdown-toggle.btn-sm").click()
    page.locator(f"a.{name}_menu_item").click()
    with page.expect_navigation():
        page.locator("#modal-confirm-ok").click()
    expect(page.locator(".alert-success")).to_be_visible()


def test_the_organiser_imports_publishes_and_the_public_sees_the_ranking(
    browser, login_as, live_server, screenshot_dir, secret_world, tmp_path
):
    page = login_as("tochuc")
    survey = tmp_path / "Kết quả SIPAS.csv"
    survey.write_text(SURVEY, encoding="utf-8")
    page.goto(f"{live_server}/survey-import/")
    page.select_option("#round_id", str(secret_world.round_id))
    page.select_option("#kind", "sipas")
    page.check("input[name=mode][value=points]")
    page.set_input_files("#file", str(survey))
    with page.expect_navigation():
        page.click("#survey-check")
    preview = page.locator("#survey-preview")
    expect(preview).to_be_visible()
    expect(preview.locator("tr.survey-row")).to_have_count(2)
    expect(preview.locator("tr[data-unit='BM-1']")).to_contain_text("68,91 → 72,5")
    expect(page.locator("#survey-replaces")).to_contain_text("bi-mat.csv")
    _shot(page, screenshot_dir, "survey-preview")
    with page.expect_navigation():
        page.click("#confirm-survey button[type=submit]")
    expect(page.locator(".alert-success")).to_be_visible()
    expect(page.locator("table.table-bordered")).to_contain_text("Kết quả SIPAS.csv")
    _shot(page, screenshot_dir, "survey-imported")

    # The survey changed the points: compute again, then publish.
    _round_action(page, live_server, secret_world.round_id, "compute")
    _round_action(page, live_server, secret_world.round_id, "publish")
    expect(page.locator(f"input[name=rowid][value='{secret_world.round_id}']")).to_be_visible()
    _shot(page, screenshot_dir, "published")

    visitor = browser.new_context(locale="vi-VN", viewport={"width": 1400, "height": 900})
    try:
        public = visitor.new_page()
        public.goto(f"{live_server}/cong-bo/")
        expect(public.locator("a", has_text="Đăng nhập")).to_be_visible()  # not logged in
        with public.expect_navigation():
            public.click(f"tr[data-round='{secret_world.round_id}'] a")
        rows = public.locator("tr.ranking-row")
        expect(rows).to_have_count(2)
        # 72,5 + 104,56 = 177,06 of 200 = 88,53 (rank 1); 61 + 90,54 = 151,54 -> 75,77.
        expect(rows.nth(0)).to_contain_text("Xã Bí Mật 1")
        expect(rows.nth(0)).to_contain_text("88,53")
        expect(rows.nth(1)).to_contain_text("75,77")
        _shot(public, screenshot_dir, "public-ranking")
        with public.expect_navigation():
            rows.nth(0).locator("a").click()
        expect(public.locator("#result-index")).to_have_text("88,53%")
        expect(public.locator("#result-rank")).to_have_text("1/2")
        _shot(public, screenshot_dir, "public-unit")
    finally:
        visitor.close()
