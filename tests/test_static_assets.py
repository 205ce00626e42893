"""The favicon, and the Chinese date picker script every Chinese admin page loads."""
from __future__ import annotations

import re

from tests.conftest import Auth
from tests.factories import make_worker
from tests.test_i18n import en_app  # noqa: F401  (the English portal fixture)


def test_favicon_is_served_and_linked(client, auth):
    """/favicon.ico answers a small icon, and the pages link it (login, admin, public)."""
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml" and b"<svg" in response.data
    assert len(response.data) < 2048
    for url in ("/login", "/notices/"):
        assert 'rel="icon"' in client.get(url).get_data(as_text=True), url
    auth.login("staff")
    assert 'rel="icon"' in client.get("/admin/").get_data(as_text=True)


def test_date_picker_script_is_chinese_and_runs_under_the_csp(app, client, auth):
    """A page with date pickers loads datepicker-zh.js with the CSP nonce; it names the
    weekdays 日 一 二 … and the buttons 确定/取消."""
    with app.app_context():
        make_worker()
    auth.login("staff")
    response = client.get("/admin/assistance/")
    html = response.get_data(as_text=True)
    assert 'data-role="datepicker"' in html or "daterangepicker" in html
    tag = re.search(r'<script src="([^"]*datepicker-zh\.js)" nonce="([^"]+)"', html)
    assert tag, "the Chinese date picker script is not loaded"
    assert f"'nonce-{tag.group(2)}'" in response.headers["Content-Security-Policy"]
    script = client.get(tag.group(1)).get_data(as_text=True)
    for text in ('"日", "一", "二", "三", "四", "五", "六"', "确定", "取消", "dow: 1"):
        assert text in script
    # It must come before Flask-Admin's form.js, which makes the pickers when the page is ready.
    assert html.index("datepicker-zh.js") < html.index("admin/js/form.js")


def test_english_pages_keep_the_english_picker(en_app):  # noqa: F811
    """The English portal does not load the Chinese date picker."""
    client = en_app.test_client()
    Auth(client).login("staff")
    assert "datepicker-zh.js" not in client.get("/admin/assistance/").get_data(as_text=True)


def test_pickers_speak_chinese(app, client, auth):
    """The select2 pickers' own words ("No matches found", "Searching…") come in Chinese:
    select2-zh.js is loaded after select2 and before Flask-Admin's form.js makes them."""
    with app.app_context():
        make_worker()
    auth.login("staff")
    response = client.get("/admin/assistance/new/")
    html = response.get_data(as_text=True)
    tag = re.search(r'<script src="([^"]*select2-zh\.js)" nonce="([^"]+)"', html)
    assert tag, "the Chinese picker words are not loaded"
    assert f"'nonce-{tag.group(2)}'" in response.headers["Content-Security-Policy"]
    order = [html.index(name) for name in ("select2.min.js", "select2-zh.js", "admin/js/form.js")]
    assert order == sorted(order)
    script = client.get(tag.group(1)).get_data(as_text=True)
    for text in ("formatNoMatches", "未找到匹配项", "formatSearching", "formatInputTooShort"):
        assert text in script


def test_english_pages_keep_the_english_picker_words(en_app):  # noqa: F811
    client = en_app.test_client()
    Auth(client).login("staff")
    assert "select2-zh.js" not in client.get("/admin/assistance/new/").get_data(as_text=True)
