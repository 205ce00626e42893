"""End-to-end in Chromium: a 送温暖 campaign from preview to sign-off sheet (issue 18).

Staff preview, generate and verify all; the manager approves and pays all (each step
confirmed on the page that says what will move), then opens the sign-off sheets.
"""
from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser import screenshot
from tests.factories import make_fund, make_worker
from tests.factories_campaigns import make_campaign
from tests.factories_inventory import make_item
from tests.test_browser import log_in
from tests.test_browser_assistance import log_out

pytest_plugins = ["tests.browser"]
pytestmark = pytest.mark.browser


def confirm_step(page: Page, button: str, summary: str, done: str) -> None:
    page.locator(button).click()
    expect(page.locator("#confirm-summary")).to_contain_text(summary)
    page.locator("#confirm-button").click()
    expect(page.locator(".alert-success").first).to_contain_text(done)


def test_a_campaign_from_preview_to_sign_off_sheet(app, page: Page):
    with app.app_context():
        for n in range(4):
            make_worker(name=f"困难户{n}", category="deep" if n % 2 else "relative",
                        base_union="机床厂工会" if n < 3 else "纺织厂工会")
        rice = make_item("大米 5kg", stock=4, price="25")
        campaign_id = make_campaign(goods=[(rice, 1)],
                                    fund=make_fund(name="送温暖资金", balance="5000")).id

    log_in(page, "staff")
    page.goto(f"/admin/campaign/details/?id={campaign_id}")
    page.locator("#preview-button").click()
    expect(page.locator("#preview-households")).to_have_text("4")
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("#generate-button").click()
    expect(page.locator(".alert-success").first).to_contain_text("已生成 4 条帮扶申请")
    confirm_step(page, "#batch-verify-button", "核实本活动 4 条", "已核实 4 条帮扶")
    log_out(page)

    log_in(page, "manager")
    page.goto(f"/admin/campaign/details/?id={campaign_id}")
    confirm_step(page, "#batch-approve-button", "审批本活动 4 条", "已审批 4 条帮扶")
    page.locator("#batch-pay-button").click()
    expect(page.locator("#confirm-facts")).to_contain_text("3,200.00")
    screenshot(page, "campaign-pay-confirm")
    page.locator("#confirm-button").click()
    expect(page.locator(".alert-success").first).to_contain_text("已发放 4 条帮扶")
    expect(page.locator("#progress-totals [data-state=paid]")).to_have_text("4")
    page.locator("#signoff-link").click()
    expect(page.locator(".sheet-page")).to_have_count(2)
    expect(page.locator(".sheet-page").first).to_contain_text("困难户0")
    expect(page.locator(".sheet-page").first).to_contain_text("本页合计")
    screenshot(page, "campaign-signoff")
    with page.expect_download() as download:
        page.locator("a:has-text('发放签收表（Excel）')").click()
    assert download.value.suggested_filename.endswith("发放签收表.xlsx")
    assert page.js_errors == []
