"""Browser fixtures: the test app served on a free local port, headless Debian chromium."""

import logging
import os
import threading

import pytest
from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

from tests.conftest import ARTIFACTS, DEMO_PASSWORD

SCREENSHOTS = os.path.join(ARTIFACTS, "screenshots")
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def live_server(app):
    """Serve the session's test app on 127.0.0.1 (port 0: the OS picks a free one)."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per static file
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture(scope="session")
def browser():
    # A missing browser fails the suite: a skipped browser suite would pass without testing
    # anything a person does (`make system-deps` installs it).
    if not os.path.exists(CHROMIUM):
        pytest.fail(
            f"{CHROMIUM} is not installed: the browser tests need it. Run `make system-deps` "
            "(apt-get install chromium poppler-utils).",
            pytrace=False,
        )
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture()
def page(browser):
    context = browser.new_context(locale="vi-VN", viewport={"width": 1400, "height": 900})
    context.set_default_timeout(10_000)
    tab = context.new_page()
    yield tab
    context.close()


@pytest.fixture(scope="session")
def screenshot_dir():
    os.makedirs(SCREENSHOTS, exist_ok=True)
    return SCREENSHOTS


@pytest.fixture()
def login_as(page, live_server):
    """login_as("admin") signs in through the real login form and returns the page."""

    def sign_in(username, password=DEMO_PASSWORD):
        page.goto(f"{live_server}/login/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", password)
        with page.expect_navigation():
            page.click("form[name=login] input[type=submit]")
        assert "/login" not in page.url, f"login failed for {username}: still on {page.url}"
        return page

    return sign_in
