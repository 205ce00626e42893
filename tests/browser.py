"""Browser fixtures: the portal served on a free local port, and Chromium through Playwright.

Loaded by browser test modules with ``pytest_plugins = ["tests.browser"]``, which also
registers the hook that keeps each test's outcome, so that a failing browser
test leaves a screenshot and the page's HTML in ``test-artifacts/``.
"""
from __future__ import annotations

import os
import re
import threading
from pathlib import Path

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
TIMEOUT_MS = 15_000
_REPORTS = pytest.StashKey[dict]()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Keep the report of each phase on the item, for the ``page`` fixture's teardown."""
    report = yield
    item.stash.setdefault(_REPORTS, {})[report.when] = report
    return report


ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


def screenshot(page, name: str, full_page: bool = True) -> None:
    """Keep a screenshot of ``page`` as test-artifacts/``name``.png (CI keeps the folder)."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=full_page)


class _QuietHandler(WSGIRequestHandler):
    """Leave out the access log (one line per asset); errors are still logged."""

    def log_request(self, code="-", size="-"):
        pass


class LiveServer:
    """The portal served by werkzeug in a daemon thread."""

    def __init__(self, app):
        self.app = app
        self.server = make_server("127.0.0.1", 0, app, threaded=True,
                                  request_handler=_QuietHandler)
        # Request threads are joined at stop: a request still running when the test ends
        # (a search the page fired as it closed) must not reach the next test's database.
        self.server.daemon_threads = False
        self.server.block_on_close = True
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True,
                                       name=f"live-server-{self.server.server_port}")

    def __call__(self, path: str = "/") -> str:
        """Return the absolute URL of ``path``."""
        return self.url + path

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)


@pytest.fixture
def live_server(app):
    """Serve the ``app`` fixture's app on 127.0.0.1 and a free port for one test."""
    server = LiveServer(app)
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def chromium():
    """Launch Debian's Chromium once per session (never a downloaded browser)."""
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        pytest.skip(f"browser tests need Chromium at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                             args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def _artifact_name(nodeid: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", nodeid).strip("_")


@pytest.fixture
def page(chromium, live_server, request):
    """Return a fresh browser page (own cookies) whose relative URLs go to ``live_server``.

    JavaScript errors raised on the page are collected in ``page.js_errors``.
    When the test fails, a full-page screenshot and the HTML are saved in test-artifacts/.
    """
    from playwright.sync_api import expect

    expect.set_options(timeout=TIMEOUT_MS)
    context = chromium.new_context(base_url=live_server.url, locale="zh-CN",
                                   viewport={"width": 1366, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.js_errors = []
    page.on("pageerror", lambda exc: page.js_errors.append(str(exc)))
    yield page
    reports = request.node.stash.get(_REPORTS, {})
    if any(r.failed for r in reports.values()):
        folder = ARTIFACTS
        folder.mkdir(exist_ok=True)
        stem = folder / _artifact_name(request.node.nodeid)
        try:
            page.screenshot(path=f"{stem}.png", full_page=True)
            (folder / f"{stem.name}.html").write_text(page.content(), encoding="utf-8")
        except Exception as exc:  # noqa: BLE001  (a broken page must not hide the failure)
            print(f"could not save the failure screenshot: {exc}")
        else:
            print(f"failure screenshot: {stem}.png (URL {page.url})")
    context.close()
