"""The appraisal sheet in chromium, under the app's CSP: the support member scores two lines
with a comment (Enter saves), the appraiser adjusts one with a comment and accepts the other,
the team leader approves the field. Screenshots in tests/artifacts/screenshots/."""

import os

from tests.unit.appraisal_world import people, world  # noqa: F401
from tests.web.appraisal_web import web, web_people  # noqa: F401


def _row(page, w, code):
    return page.locator(f"#line-{w.line_id('A', code)}")


def _sign_in(page, login_as, live_server, w, key):
    page.goto(f"{live_server}/logout/")
    login_as(w.world.users[key].username)
    page.goto(f"{live_server}/appraisal/{w.world.assessments['A'].id}")


def test_support_scores_appraiser_adjusts_leader_approves_the_field(
    web,  # noqa: F811  (the fixture imported above)
    page,
    login_as,
    live_server,
    screenshot_dir,
):
    web.staff()
    errors = []
    # Script errors and CSP refusals; the expected 422 and the missing favicon are not.
    page.on(
        "console",
        lambda m: (
            errors.append(m.text)
            if m.type == "error" and not m.text.startswith("Failed to load resource")
            else None
        ),
    )
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("dialog", lambda dialog: dialog.accept())

    _sign_in(page, login_as, live_server, web, "support")
    for code, value, comment in (
        ("1.1", "3,5", "Có kế hoạch số 12/KH"),
        ("1.3.2", "1", "Một lần vi phạm"),
    ):
        row = _row(page, web, code)
        row.locator(".support-comment").fill(comment)
        row.locator(".support-input").fill(value)
        row.locator(".support-input").press("Enter")
        row.locator("td.support .save-status.saved").wait_for()
    page.locator('[data-total-col="support"]').first.wait_for()
    assert page.locator('[data-total-col="support"]').first.inner_text() == "5"  # 3,5 + (2 - 0,5)
    page.screenshot(path=os.path.join(screenshot_dir, "appraisal-1-support.png"), full_page=True)

    _sign_in(page, login_as, live_server, web, "appraiser")
    row = _row(page, web, "1.1")
    row.locator(".appraise-input").fill("3")
    row.locator(".appraise-input").press("Enter")
    row.locator("td.appraised .save-status.failed").wait_for()  # a comment is required
    row.locator(".appraise-comment").fill("Kế hoạch ban hành chậm")
    row.locator(".appraise-comment").press("Enter")
    row.locator("td.appraised .save-status.saved").wait_for()
    other = _row(page, web, "1.3.2")
    other.locator(".accept-score").click()
    other.locator("td.appraised .save-status.saved").wait_for()
    other.locator(".toggle-detail").click()
    page.locator(f"#detail-{web.line_id('A', '1.3.2')} .timeline").wait_for()
    page.screenshot(path=os.path.join(screenshot_dir, "appraisal-2-appraiser.png"), full_page=True)

    _sign_in(page, login_as, live_server, web, "leader")
    field = page.locator(f'.approve-field[data-criterion="{web.world.crit["1"].id}"]')
    with page.expect_navigation():
        field.click()
    assert _row(page, web, "1.1").locator("[data-state]").inner_text() == "Đã duyệt"
    assert _row(page, web, "1.1").locator("[data-approved]").inner_text() == "3"
    page.screenshot(path=os.path.join(screenshot_dir, "appraisal-3-approved.png"), full_page=True)
    assert web.state("A", "1.1") == web.state("A", "1.3.2") == "approved"
    assert web.fresh(web.line("A", "1.1")).appraisal_comment == "Kế hoạch ban hành chậm"
    assert not errors, errors
