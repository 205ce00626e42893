"""The UI speaks Simplified Chinese by default and English with PORTAL_LOCALE=en."""
from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from models import db
from portal import create_app
from portal.i18n import TRANSLATIONS
from tests.conftest import Auth, flashes

ROOT = Path(__file__).resolve().parent.parent
SOURCE_DIRS = ("portal", "models", "views", "seed")   # as in the command in babel.cfg
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}
# Babel parses PORTAL_LOCALE=zh_CN as zh_Hans_CN: that is the directory Flask-Babel loads.
CATALOGUE = TRANSLATIONS / "zh_Hans_CN" / "LC_MESSAGES" / "messages.po"
PLACEHOLDER = re.compile(r"%(?:\(\w+\))?[sdifr]")
CJK = re.compile(r"[\u4e00-\u9fff]")


def source_msgids() -> dict[str, str]:
    """Return every msgid wrapped for translation in the source, with where it first occurs."""
    with (ROOT / "babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg, "babel.cfg")
    found: dict[str, str] = {}
    for folder in SOURCE_DIRS:
        for filename, lineno, message, _comments, _context in extract_from_dir(
                ROOT / folder, method_map, options_map, KEYWORDS):
            msgid = message[0] if isinstance(message, tuple) else message
            if msgid:
                found.setdefault(msgid, f"{folder}/{filename}:{lineno}")
    return found


def catalogue():
    with CATALOGUE.open("rb") as po:
        return read_po(po)


def strings(message) -> tuple[str, ...]:
    return message.string if isinstance(message.string, tuple) else (message.string,)


@pytest.fixture
def en_app(app):
    """Return an English portal on the same database as ``app`` (users included)."""
    database = {key: app.config[key] for key in ("SQLALCHEMY_DATABASE_URI",
                                                 "SQLALCHEMY_ENGINE_OPTIONS")}
    english = create_app({"TESTING": True, "SECRET_KEY": "test-secret", "PORTAL_LOCALE": "en",
                          **database})
    yield english
    with english.app_context():
        db.engine.dispose()


def test_every_msgid_is_translated():
    """Every msgid in the source has a non-empty, non-fuzzy translation in the zh catalogue."""
    zh = catalogue()
    missing = [f"  {where}  {msgid!r}" for msgid, where in sorted(source_msgids().items())
               if (m := zh.get(msgid)) is None or m.fuzzy or not all(strings(m))]
    assert not missing, (f"{len(missing)} msgid(s) untranslated or fuzzy in {CATALOGUE}; "
                         "re-extract and update as babel.cfg says, then translate:\n"
                         + "\n".join(missing))


def test_translations_keep_placeholders():
    """The %(name)s / %(n)d placeholders of every translation are those of its msgid."""
    wrong = []
    for m in catalogue():
        if not m.id:
            continue
        ids = m.id if isinstance(m.id, tuple) else (m.id,)
        expected = Counter(PLACEHOLDER.findall(ids[-1]))
        wrong += [f"  {m.id!r} -> {s!r}" for s in strings(m)
                  if s and Counter(PLACEHOLDER.findall(s)) != expected]
    assert not wrong, "placeholders differ from the msgid:\n" + "\n".join(wrong)


def test_login_page_chinese_by_default_english_on_request(monkeypatch, database_config):
    """Without PORTAL_LOCALE the login page is Chinese; with PORTAL_LOCALE=en, English."""
    monkeypatch.delenv("PORTAL_LOCALE", raising=False)
    default = create_app({"TESTING": True, "SECRET_KEY": "x", **database_config})
    page = default.test_client().get("/login").get_data(as_text=True)
    for text in ("登录", "用户名", "密码", "困难职工帮扶中心", 'lang="zh-CN"'):
        assert text in page
    english = create_app({"TESTING": True, "SECRET_KEY": "x", "PORTAL_LOCALE": "en",
                          **database_config})
    page = english.test_client().get("/login").get_data(as_text=True)
    for text in ("Log in", "Username", "Password", "Assistance Centre", 'lang="en"'):
        assert text in page
    assert not CJK.search(page)


def test_login_errors_in_the_portal_language(auth, en_app):
    """A failed login is reported in Chinese, or in English on an English portal."""
    page = auth.login("staff", password="wrong-password").get_data(as_text=True)
    assert "用户名或密码错误" in flashes(page)
    page = Auth(en_app.test_client()).login("staff", password="wrong-password")
    assert "Wrong username or password" in flashes(page.get_data(as_text=True))


def test_admin_and_form_errors_in_chinese(client, auth):
    """Flask-Admin's strings, our menu and WTForms' required-field error are Chinese."""
    auth.login("staff")
    page = client.get("/admin/worker/").get_data(as_text=True)
    for text in ("列表", "创建", "搜索", "困难职工档案", "档案管理", "家庭成员", "帮扶专干"):
        assert text in page, text
    for text in (">List<", "Create", "Search", "Hardship workers", "Worker files"):
        assert text not in page, text
    response = client.post("/admin/worker/new/", data={"csrf_token": auth.token()})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "该字段是必填字段。" in page
    assert "This field is required." not in page


def test_admin_in_english_on_request(en_app):
    """With PORTAL_LOCALE=en, Flask-Admin, our menu and WTForms speak English."""
    client = en_app.test_client()
    auth = Auth(client)
    auth.login("staff")
    page = client.get("/admin/worker/").get_data(as_text=True)
    for text in ("List", "Create", "Hardship workers", "Worker files", "Assistance officer"):
        assert text in page, text
    page = client.post("/admin/worker/new/", data={"csrf_token": auth.token()})
    assert "This field is required." in page.get_data(as_text=True)


def test_forbidden_page_in_chinese(client, auth):
    """The 403 page a staff member gets on the user list is in Chinese."""
    auth.login("staff")
    response = client.get("/admin/user/")
    page = response.get_data(as_text=True)
    assert response.status_code == 403
    assert "您的角色无权打开此页面或执行此操作。" in page
    assert "返回首页" in page


def test_every_list_and_details_column_has_a_chinese_label(app):
    """Flask-Admin names a column without a label after its attribute ("Recorded At",
    "Id"): every column a list or a details page shows has its own, in Chinese."""
    untranslated = []
    with app.test_request_context():
        for view in app.extensions["admin"][0]._views:
            for attribute in ("_list_columns", "_details_columns"):
                for name, text in getattr(view, attribute, None) or ():
                    if not re.search(r"[\u4e00-\u9fff]", str(text)):
                        untranslated.append((view.endpoint, name, str(text)))
    assert not untranslated, untranslated


def test_every_create_form_takes_dates_as_yyyy_mm_dd(app, client, auth):
    """A model form's date fields use the portal's picker (YYYY-MM-DD), never the
    browser's own date box, which shows the browser's order (mm/dd/yyyy in English)."""
    auth.login("admin")
    with app.test_request_context():
        urls = [view.url for view in app.extensions["admin"][0]._views
                if hasattr(view, "create_form")]
    seen = 0
    for url in urls:
        response = client.get(f"{url}/new/")
        if response.status_code != 200:
            continue
        seen += 1
        page = response.get_data(as_text=True)
        assert not re.search(r'<input[^>]*type="date"', page), url
    assert seen >= 20
