"""End-to-end in Chromium: staff preview a 送温暖 campaign and generate its applications."""
from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser import screenshot
from tests.factories import make_worker
from tests.factories_campaigns import make_campaign
from tests.factories_inventory import make_item
from tests.test_browser import log_in

pytest_plugins = ["tests.browser"]
pytestmark = pytest.mark.browser


def test_staff_preview_then_generate_a_campaign(app, page: Page):
    with app.app_context():
        for n in range(4):
            make_worker(category="deep" if n % 2 else "relative", base_union="机床厂工会")
        make_worker(category="migrant")
        rice = make_item("大米 5kg", stock=2, price="25")
        campaign_id = make_campaign(goods=[(rice, 1)]).id

    log_in(page, "staff")
    page.goto(f"/admin/campaign/details/?id={campaign_id}")
    expect(page.locator("#campaign-progress")).to_contain_text("尚未生成申请")
    page.locator("#preview-button").click()
    expect(page.locator("#preview-households")).to_have_text("4")
    expect(page.locator("#preview-cash")).to_contain_text("3,200.00")
    expect(page.locator("#preview-goods")).to_contain_text("大米 5kg")
    expect(page.locator("#preview-excluded")).to_contain_text("困难类别未设标准")
    screenshot(page, "campaign-preview")
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("#generate-button").click()
    expect(page.locator(".alert-success").first).to_contain_text("已生成 4 条帮扶申请")
    expect(page.locator("#progress-totals")).to_contain_text("4")
    expect(page.locator("#campaign-progress")).to_contain_text("机床厂工会")
    screenshot(page, "campaign-generated")
