"""End-to-end in Chromium: a manager publishes, the public objects on a phone, staff see it."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from models import Objection, db
from tests.factories_notices import make_education, make_notice
from tests.test_browser import log_in
from tests.test_browser_assistance import log_out

pytest_plugins = ["tests.browser"]
pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2,
         "is_mobile": True, "has_touch": True}


def test_manager_publishes_public_objects_staff_sees(app, page: Page, chromium, live_server):
    with app.app_context():
        pk = make_notice([make_education("欧阳娜娜"), make_education("张明")]).id

    log_in(page, "manager")
    page.goto(f"/admin/notice/manage/?id={pk}")
    expect(page.locator("#notice-lines")).to_contain_text("欧**娜")
    page.locator("#publish").click()
    expect(page.locator("#confirm-facts")).to_contain_text("公示期")
    page.locator("#confirm-button").click()
    expect(page.locator("#notice-state")).to_have_text("已发布")
    expect(page.locator("#public-link")).to_have_attribute("href", re.compile(f"/notices/{pk}$"))
    log_out(page)

    # The public, in a fresh browser context (no cookies), on a phone.
    context = chromium.new_context(base_url=live_server.url, locale="zh-CN", **PHONE)
    visitor = context.new_page()
    problems = []
    visitor.on("pageerror", lambda exc: problems.append(str(exc)))
    visitor.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    try:
        visitor.goto("/notices/")
        visitor.locator(f"a[href='/notices/{pk}']").click()
        lines = visitor.locator("#notice-lines")
        expect(lines).to_contain_text("欧**娜")
        expect(lines).to_contain_text("张*")
        assert "欧阳娜娜" not in visitor.content() and "张明" not in lines.inner_text()
        expect(visitor.locator("svg.segno")).to_be_visible()
        # Readable on a phone: the page itself never scrolls sideways.
        assert visitor.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        expect(visitor.locator("#open-objections")).to_have_count(0)

        visitor.locator("#name").fill("热心群众")
        visitor.locator("#contact").fill("0531-86001234")
        visitor.locator("#text").fill("名单中欧**娜家庭今年已有稳定收入，请核实。")
        visitor.locator("#objection-submit").click()
        expect(visitor.locator(".alert-success")).to_contain_text("已收到")

        # On paper: the form and buttons are gone, the QR code stays.
        visitor.emulate_media(media="print")
        expect(visitor.locator("#objection")).to_be_hidden()
        expect(visitor.locator("[data-print]")).to_be_hidden()
        expect(visitor.locator("svg.segno")).to_be_visible()
        assert problems == [], problems  # no script error, no CSP violation
    finally:
        context.close()

    with app.app_context():
        objection = db.session.scalar(select(Objection))
        assert (objection.notice_id, objection.name, objection.state) == (pk, "热心群众", "open")

    log_in(page, "staff")
    page.goto("/admin/objection/")
    expect(page.locator("table.model-list")).to_contain_text("请核实")
    page.goto(f"/notices/{pk}")
    expect(page.locator("#open-objections")).to_contain_text("1")
    assert page.js_errors == []
