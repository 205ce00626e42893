"""Security headers: the CSP with its per-request nonce, framing, sniffing, referrer and
caching rules on every admin page, the login page and downloads; no server banner; and,
in Chromium, the admin pages still working under the policy."""
from __future__ import annotations

import http.client
import re
import threading
from html.parser import HTMLParser

import pytest
from playwright.sync_api import expect
from werkzeug.serving import make_server

from portal.headers import RequestHandler
from tests.conftest import PASSWORDS
from tests.factories import make_assistance, make_worker
from tests.factories_inventory import SAMPLE_MAKERS, make_card
from tests.factories_notices import make_published
from tests.samples import MAKERS, make_sample
from tests.test_browser import log_in
from tests.test_browser_assistance import pick_worker

pytest_plugins = ["tests.browser"]

SECURITY = {"X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "same-origin"}
DIRECTIVES = ("default-src 'self'", "style-src-attr 'unsafe-inline'", "img-src 'self' data:",
              "object-src 'none'", "base-uri 'self'", "form-action 'self'",
              "frame-ancestors 'none'")
NONCE = re.compile(r"(?:^|; )script-src 'self' 'nonce-([\w-]{16,})'; "
                   r"style-src 'self' 'nonce-\1'(?:;|$)")


def nonce_of(response) -> str:
    """Return the nonce of ``response``'s policy (scripts and style blocks), checking it."""
    policy = response.headers.get("Content-Security-Policy", "")
    match = NONCE.search(policy)
    assert match, f"no nonce-only script-src in {policy!r}"
    for directive in DIRECTIVES:
        assert directive in policy.split("; "), (directive, policy)
    return match.group(1)


def assert_private(response, url: str = "") -> str:
    """Assert the portal's security headers and no-store on ``response``; return its nonce."""
    nonce = nonce_of(response)
    for name, value in SECURITY.items():
        assert response.headers.get(name) == value, (url, name)
    assert response.headers.get("Cache-Control") == "no-store", url
    return nonce


class InlineCode(HTMLParser):
    """Collect what the policy refuses: inline handlers, inline scripts and style blocks
    without the nonce, scripts from elsewhere."""

    def __init__(self, nonce: str):
        super().__init__()
        self.nonce, self.refused, self.scripts = nonce, [], []

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        self.refused += [f"<{tag} {name}=…>" for name, _ in attrs if name.startswith("on")]
        if tag == "style" and values.get("nonce") != self.nonce:
            self.refused.append("<style> without this response's nonce")
        if tag != "script":
            return
        if values.get("src"):
            self.scripts.append(values["src"])
            if not values["src"].startswith("/"):
                self.refused.append(f"script from elsewhere: {values['src']}")
        elif values.get("type") != "application/json" and values.get("nonce") != self.nonce:
            self.refused.append("inline <script> without this response's nonce")


def refused(html: str, nonce: str) -> tuple[list[str], list[str]]:
    """Return what the browser would refuse to run on the page, and the scripts it loads."""
    parser = InlineCode(nonce)
    parser.feed(html)
    return parser.refused, parser.scripts


def login(client, role: str) -> None:
    """Log ``client`` in as the test user of ``role``."""
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    response = client.post("/login", data={"username": role, "password": PASSWORDS[role],
                                           "csrf_token": token})
    assert response.status_code == 302


def admin_urls(app) -> list[str]:
    """Return every GET address of the admin, each record page asking for a sample record."""
    with app.app_context():
        ids = {endpoint: make_sample(endpoint) for endpoint in MAKERS}
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or not rule.rule.startswith("/admin/") or (
                rule.endpoint.endswith(".static")):
            continue
        view = rule.endpoint.partition(".")[0]
        query = f"?id={ids[view]}" if view in ids else ""
        for path in ([rule.rule.replace("<export_type>", kind) for kind in ("xlsx", "csv")]
                     if "<export_type>" in rule.rule else [rule.rule]):
            urls.append(path + query)
    return urls


def test_every_admin_page_and_download_carries_the_headers(app, client):
    """Every admin response, page or workbook, is private and runs only nonce'd script."""
    urls = admin_urls(app)
    login(client, "admin")
    pages = downloads = 0
    for url in urls:
        response = client.get(url)
        assert response.status_code < 500, url
        nonce = assert_private(response, url)
        if response.status_code != 200:
            continue
        if response.mimetype == "text/html":
            pages += 1
            problems, scripts = refused(response.get_data(as_text=True), nonce)
            assert not problems, (url, problems)
            assert "/static/portal.js" in scripts, f"{url} lacks the handlers of portal.js"
        elif "attachment" in response.headers.get("Content-Disposition", ""):
            downloads += 1
    assert pages >= 100 and downloads >= 30, (pages, downloads)  # the walk reached them


def test_export_download_is_not_stored(app, client):
    """An Excel export replaces send_file's "no-cache" by "no-store"."""
    login(client, "manager")
    response = client.get("/admin/worker/export/xlsx/")
    assert response.status_code == 200 and response.data[:2] == b"PK"
    assert_private(response)


@pytest.mark.parametrize("role", PASSWORDS)
def test_login_logout_and_each_roles_start_page_carry_the_headers(client, role):
    """The login page (shown, refused, done), the start page and the logout page."""
    assert_private(client.get("/login"))
    assert_private(client.post("/login", data={"username": role, "password": "wrong"}))
    login(client, role)
    start = client.get("/admin/")
    assert start.status_code == 200
    problems, _ = refused(start.get_data(as_text=True), assert_private(start))
    assert not problems
    assert_private(client.get("/logout"))
    assert_private(client.get("/admin/no-such-page/"))


def test_each_response_has_its_own_nonce(app, client):
    """The nonce is new on every response, and the page's scripts carry that one."""
    login(client, "admin")
    first, second = client.get("/admin/worker/"), client.get("/admin/worker/")
    assert nonce_of(first) != nonce_of(second)
    html = second.get_data(as_text=True)
    assert f'nonce="{nonce_of(second)}"' in html and nonce_of(first) not in html


@pytest.mark.parametrize("path", ["/static/portal.js", "/admin/static/vendor/jquery.min.js",
                                  "/notices/static/notices.js"])
def test_static_assets_stay_cacheable(client, path):
    """Scripts and styles hold no personal data: no no-store, but nosniff all the same."""
    response = client.get(path)
    assert response.status_code == 200
    assert "no-store" not in response.headers.get("Cache-Control", "")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.mimetype == "text/javascript"


def test_public_board_keeps_its_own_policy(app, client):
    """The notice board's stricter headers win; framing is refused there too."""
    with app.app_context():
        pk = make_published().id
    for url in ("/notices/", f"/notices/{pk}"):
        response = client.get(url)
        assert response.status_code == 200
        policy = response.headers["Content-Security-Policy"]
        assert "script-src 'self';" in policy and "base-uri 'none'" in policy
        assert response.headers["Cache-Control"] == "no-cache"
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["Referrer-Policy"] == "same-origin"


def _headers_from_server(app, handler=None) -> list[tuple[str, str]]:
    """Return the headers a real werkzeug server sends for GET /login."""
    options = {"request_handler": handler} if handler else {}
    server = make_server("127.0.0.1", 0, app, threaded=True, **options)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        connection = http.client.HTTPConnection("127.0.0.1", server.server_port, timeout=10)
        connection.request("GET", "/login")
        response = connection.getresponse()
        response.read()
        connection.close()
        return response.getheaders()
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def test_real_server_sends_no_server_banner(app):
    """Served with the portal's handler, no Server header reaches the client."""
    assert not app.debug
    headers = _headers_from_server(app, RequestHandler)
    assert [value for name, value in headers if name.lower() == "server"] == []
    assert dict(headers)["X-Frame-Options"] == "DENY"


def test_portal_serve_uses_the_bannerless_handler(runner, monkeypatch):
    """``portal serve`` starts werkzeug with the handler that drops the banner."""
    seen = {}
    monkeypatch.setattr("werkzeug.serving.run_simple", lambda *args, **kwargs: seen.update(kwargs))
    runner.invoke(args=["serve", "--port", "5999"])
    assert seen.get("request_handler") is RequestHandler


# --- in Chromium: the admin pages work under the policy --------------------------------------

def _records(app) -> dict[str, int]:
    """Create what the walks open: workers, an aid record, a card, a stocktake, a notice."""
    with app.app_context():
        make_worker(name="欧阳秀英", status="active")
        return {"aid": make_assistance().id, "card": make_card("50.00", name="欧阳建国").id,
                "stocktake": SAMPLE_MAKERS["stocktake"](), "notice": make_published().id}


def _dialog(page, locator) -> str:
    """Click ``locator``, answer "no" to the dialog that opens, and return its type."""
    page.once("dialog", lambda dialog: dialog.dismiss())
    with page.expect_event("dialog") as shown:
        locator.click()
    return shown.value.type


def _filters_and_actions(page, action: str) -> None:
    """Add a filter from the list's menu, then run a bulk ``action`` with nothing selected."""
    page.locator("li.dropdown:has(.field-filters) > a.dropdown-toggle").click()
    page.locator("a.dropdown-item.filter").first.click()
    expect(page.locator("#filter_form table.filters tr")).to_have_count(1)
    page.locator("li.dropdown:has([data-action]) > a.dropdown-toggle").click()
    # actions.js runs: "select at least one record".
    assert _dialog(page, page.locator(f"a[data-action='{action}']")) == "alert"


def _list_widgets(page) -> None:
    _filters_and_actions(page, "delete")
    _row_delete_asks(page)


def _row_delete_asks(page) -> None:
    """The row's delete button asks first, and "no" keeps the record."""
    rows = page.locator("table.model-list tbody tr").count()
    button = page.locator("td.list-buttons-column button[data-confirm]").first
    assert _dialog(page, button) == "confirm"
    expect(page.locator("table.model-list tbody tr")).to_have_count(rows)


def _add_member(page) -> None:
    page.locator("#members-button").click()
    expect(page.locator("#members-0-name")).to_be_visible()


def _open_date_picker(page) -> None:
    page.locator("input[data-role=datepicker]").first.click()
    expect(page.locator(".daterangepicker").first).to_be_visible()


def _pick_worker(page) -> None:
    """The select2 ajax worker picker finds a worker by name."""
    pick_worker(page, "欧阳秀英")


def _pick_worker_and_date(page) -> None:
    _pick_worker(page)
    _open_date_picker(page)


def _counter_finds_holder(page) -> None:
    page.locator("#holder-q").fill("欧阳建国")
    page.keyboard.press("Enter")
    expect(page.locator("#holder-name")).to_have_text("欧阳建国")


def _confirm_is_asked(page) -> None:
    """A button that commits something asks first; "no" sends nothing."""
    url = page.url
    assert _dialog(page, page.locator("button[data-confirm]").first) == "confirm"
    page.wait_for_load_state("load")
    assert page.url == url


def _year_autosubmits(page) -> None:
    value = page.locator("select#year option:not([selected])").first.get_attribute("value")
    page.locator("select#year").select_option(value)
    expect(page).to_have_url(re.compile(rf"year={value}"))


def _nothing(page) -> None:
    pass


# Per role: the main pages it uses, each with what is tried on it ({...} are record ids).
WALKS = {
    "admin": [("/admin/", _nothing),
              ("/admin/worker/", _list_widgets),
              ("/admin/worker/new/", _add_member),
              ("/admin/lovecard/new/", _pick_worker_and_date),
              ("/admin/counter/", _counter_finds_holder),
              ("/admin/assistance/step/?id={aid}", _nothing),
              ("/admin/worker/import/", _nothing),
              ("/admin/worker/export/", _nothing),
              ("/admin/report/", _year_autosubmits)],
    "staff": [("/admin/", _nothing),
              ("/admin/assistance/", lambda page: _filters_and_actions(page, "verify")),
              ("/admin/assistance/new/", _pick_worker),
              ("/admin/trainingclass/new/", _open_date_picker),
              ("/admin/worker/new/", _add_member),
              ("/admin/assistance/step/?id={aid}", _nothing),
              ("/admin/worker/import/", _nothing),
              ("/admin/notice/manage/?id={notice}", _nothing)],
    "clerk": [("/admin/", _nothing),
              ("/admin/lovecard/", lambda page: _filters_and_actions(page, "topup")),
              ("/admin/lovecard/new/", _pick_worker_and_date),
              ("/admin/counter/", _counter_finds_holder),
              ("/admin/stocktake/sheet/?id={stocktake}", _confirm_is_asked),
              ("/admin/lovecard/card/?id={card}", _confirm_is_asked)],
    "manager": [("/admin/", _nothing),
                ("/admin/assistance/", lambda page: _filters_and_actions(page, "approve")),
                ("/admin/assistance/step/?id={aid}", _nothing),
                ("/admin/worker/export/", _nothing),
                ("/admin/notice/manage/?id={notice}", _nothing),
                ("/admin/report/", _year_autosubmits)],
}


@pytest.mark.browser
@pytest.mark.parametrize("role", WALKS)
def test_admin_pages_work_under_the_policy(app, page, role):
    """Each role's main pages and widgets run with no CSP refusal and no script error."""
    ids = _records(app)
    refusals = []
    page.on("console", lambda message: refusals.append(f"{page.url}: {message.text}")
            if "Content Security Policy" in message.text else None)
    log_in(page, role)
    for url, tries in WALKS[role] + [("/notices/{notice}", _nothing)]:
        response = page.goto(url.format(**ids))
        assert response is not None and response.status == 200, url
        page.wait_for_load_state("load")
        tries(page)
    assert refusals == []
    assert page.js_errors == []
