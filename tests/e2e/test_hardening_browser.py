"""The hardened app in chromium, with CSRF on as in production: FAB's pages, the score sheet
(autosave and an evidence upload) and Swagger UI work under the Content-Security-Policy, the
console reports no CSP violation, and nothing is loaded from outside the app."""

import datetime
import io
import logging
import os
import re
import threading
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect
from pypdf import PdfWriter
from sqlalchemy.orm import Session
from werkzeug.serving import make_server

from app.domain.clock import utcnow
from app.models import AppUser
from app.security import roles
from tests.security.conftest import build_app, dispose, ensure_account
from tests.web.test_sheet import build_small_sheet, remove_small_sheet

SAVED = re.compile(r"Đã lưu|Saved")


@pytest.fixture(scope="module")
def guarded_server(app, database_url, tmp_path_factory):
    """A second app on the suite's database, CSRF on, served on a free local port."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    upload_dir = str(tmp_path_factory.mktemp("browser-uploads"))
    guarded = build_app(database_url, WTF_CSRF_ENABLED=True, UPLOAD_DIR=upload_dir)
    server = make_server("127.0.0.1", 0, guarded, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="guarded-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)
    dispose(guarded)


@pytest.fixture()
def watched(page, guarded_server):
    """The page, with lists of CSP complaints, script errors and requests leaving the app."""
    problems = {"csp": [], "errors": [], "outside": []}
    own = urlsplit(guarded_server).netloc

    def on_console(message):
        if "Content Security Policy" in message.text or "Refused to" in message.text:
            problems["csp"].append(message.text)

    def on_request(request):
        parts = urlsplit(request.url)
        if parts.scheme in ("http", "https", "ws", "wss") and parts.netloc != own:
            problems["outside"].append(request.url)

    page.on("console", on_console)
    page.on("pageerror", lambda error: problems["errors"].append(str(error)))
    page.on("request", on_request)
    return page, problems


@pytest.fixture()
def small_sheet(test_engine):
    with Session(test_engine) as s:
        from app.models import AppUser, ScoreLine

        ids = build_small_sheet(s, year=2001)
        staff = s.query(AppUser).filter_by(username="canbo.xa").one()
        for line in s.query(ScoreLine).filter(ScoreLine.id.in_(ids["lines"].values())):
            line.preparer_id = staff.id
        s.commit()
    yield ids
    with Session(test_engine) as s:
        remove_small_sheet(s, ids)


def sign_in(page, server, username):
    from tests.conftest import DEMO_PASSWORD

    page.goto(f"{server}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    with page.expect_navigation():
        page.click("form[name=login] input[type=submit]")
    assert "/login" not in page.url, f"login failed for {username}"


def assert_clean(problems):
    assert problems["csp"] == [], problems["csp"]
    assert problems["errors"] == [], problems["errors"]
    assert problems["outside"] == [], problems["outside"]


def test_fab_pages_work_under_the_policy(watched, guarded_server, screenshot_dir, session):
    page, problems = watched
    locked = ensure_account(session, "test.sec.browser", roles.VIEWER, None)
    locked.fail_login_count, locked.locked_until = 5, utcnow() + datetime.timedelta(minutes=9)
    session.commit()
    sign_in(page, guarded_server, "admin")
    for path in ("/users/list/", "/unittypeview/list/", "/unitview/list/"):
        page.goto(guarded_server + path)
        page.wait_for_load_state("networkidle")
    # The add form's dropdowns are select2 widgets, drawn by script.
    page.goto(f"{guarded_server}/unitview/add")
    page.wait_for_load_state("networkidle")
    expect(page.locator(".select2-container").first).to_be_visible()
    page.screenshot(path=os.path.join(screenshot_dir, "hardening-unit-add.png"), full_page=True)
    # A FAB action: FAB's nonce'd inline script asks for confirmation, then posts the form
    # with its CSRF token.
    page.goto(f"{guarded_server}/users/list/?_flt_0_username={locked.username}")
    page.locator("input[name=rowid]").first.check()
    page.locator(".btn-group button.dropdown-toggle.btn-sm").click()
    page.locator("a.unlock_menu_item").click()
    with page.expect_navigation():
        page.locator("#modal-confirm-ok").click()
    expect(page.locator(".alert-success")).to_contain_text("1")
    session.expire_all()
    assert session.get(AppUser, locked.id).locked_until is None
    page.goto(f"{guarded_server}/swagger/v1")
    expect(page.locator("#swagger-ui .info")).to_be_visible(timeout=15_000)
    page.screenshot(path=os.path.join(screenshot_dir, "hardening-swagger.png"))
    assert_clean(problems)
    # The policy is enforced, and the console complaint is seen: an injected script does not run.
    page.evaluate(
        """() => { const s = document.createElement("script");
                   s.textContent = "window.injected = 1"; document.body.appendChild(s); }"""
    )
    page.wait_for_timeout(200)
    assert page.evaluate("window.injected") is None
    assert problems["csp"], "an injected inline script raised no CSP complaint"


def test_sheet_autosaves_and_uploads_with_the_token(
    watched, guarded_server, small_sheet, screenshot_dir
):
    page, problems = watched
    sign_in(page, guarded_server, "canbo.xa")
    page.goto(f"{guarded_server}/sheet/{small_sheet['assessment']}")
    line = small_sheet["lines"]["1.1"]
    page.locator(f"#score-{line}").fill("8,5")
    page.keyboard.press("Tab")
    row = page.locator(f"#line-{line}")
    expect(row.locator(".save-status")).to_have_text(SAVED)
    # Evidence: open the line's panel and attach a PDF through the sheet's script.
    row.locator(".toggle-detail").click()
    detail = page.locator(f"#detail-{line}")
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    detail.locator("input[type=file]").set_input_files(
        files=[{"name": "Biên bản.pdf", "mimeType": "application/pdf", "buffer": buffer.getvalue()}]
    )
    detail.locator("form.upload-evidence [type=submit]").click()
    expect(detail.locator(".evidence-list")).to_contain_text("Biên bản.pdf")
    page.screenshot(path=os.path.join(screenshot_dir, "hardening-sheet.png"), full_page=True)
    assert_clean(problems)
