"""What browser tests share, wherever they live: the app served on a free port (werkzeug in a
thread, same test database and FakeClock), Debian's chromium driven through Playwright, and one
browser window per person. A test module or conftest imports the fixtures it uses:

    from tests.browserkit import chromium, live_server, open_session  # noqa: F401 - fixtures

Without chromium the tests that use it are skipped, except in CI, where they must run."""
from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
NO_HORIZONTAL_SCROLL = "() => document.documentElement.scrollWidth <= document.documentElement.clientWidth"
PAGE_WIDTH = "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"


@pytest.fixture(scope="session")
def live_server(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)


@pytest.fixture(scope="module")
def chromium():
    """Per module: Playwright's sync API runs its own event loop, and other tests (diagram checks
    in tests/workflows) start theirs, which cannot happen while this one is open."""
    if not CHROMIUM:
        if os.environ.get("CI"):
            pytest.fail("chromium is required in CI (apt-get install -y chromium)")
        pytest.skip("Debian's chromium is not installed (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM,
                                             args=["--no-sandbox", "--disable-background-networking"])
        yield browser
        browser.close()


class Session:
    """One person's browser window."""

    def __init__(self, context, base_url: str):
        self.context = context
        self.page = context.new_page()
        self.base = base_url
        self.page.set_default_timeout(10_000)

    def go(self, path: str):
        self.page.goto(self.base + path)
        return self.page

    def login(self, username: str):
        page = self.go("/login")
        page.fill("#username", username)
        page.fill("#password", "pw-" + username)
        page.click("button[type=submit]")
        page.wait_for_url(lambda url: "/login" not in url)
        return page

    def logout(self):
        self.page.click("details.usermenu summary")
        self.page.click("form[action='/logout'] button")
        self.page.wait_for_url("**/login*")


@pytest.fixture
def open_session(chromium, live_server):
    contexts = []

    def make(username: str | None = None, *, width: int = 1280, height: int = 900, lang: str | None = None):
        context = chromium.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
        contexts.append(context)
        session = Session(context, live_server)
        if lang:
            context.add_cookies([{"name": "lang", "value": lang, "url": live_server}])
        if username:
            session.login(username)
        return session

    yield make
    for context in contexts:
        context.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
