"""In Chromium: the manager approves with the facts and confirms payments and publishing."""
from __future__ import annotations

from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from models import Assistance, Fund, Notice, db
from models.assistance_rules import approve, pay
from tests.browser import screenshot
from tests.factories import make_assistance, make_fund, make_worker, user
from tests.factories_notices import make_education, make_notice
from tests.test_browser import log_in

pytest_plugins = ["tests.browser"]
pytestmark = pytest.mark.browser

def test_manager_approves_with_the_facts_and_confirms_the_payment(app, page: Page):
    with app.app_context():
        fund = make_fund(name="市总工会帮扶资金", balance="20000.00")
        worker = make_worker(name="刘建国", category="deep")
        earlier = make_assistance(worker=worker, kind="festival", campaign="2026年春节送温暖",
                                  cash_amount=Decimal("800.00"), state="verified", fund=fund)
        approve(earlier, user("manager"))
        pay(earlier, user("manager"))
        pk = make_assistance(worker=worker, kind="medical", campaign="", state="verified",
                             reason="妻子患乳腺癌住院手术，医保报销后自付费用较高",
                             cash_amount=Decimal("5000.00"), out_of_pocket=Decimal("38600.00"),
                             fund=fund).id
        fund_id = fund.id
    log_in(page, "manager")
    page.goto(f"/admin/assistance/step/?id={pk}")
    facts = page.locator("#decision-facts")
    for shown in ("妻子患乳腺癌住院手术", "38,600.00 元", "深度困难", "家庭 3 人",
                  "送温暖 800.00 元", "19,200.00 元", "14,200.00 元"):
        expect(facts).to_contain_text(shown)
    expect(page.locator("#step-approve textarea")).to_have_count(0)  # no override needed
    screenshot(page, "decision-approval-page")
    page.locator("#step-approve button").click()
    expect(page.locator("#record-state")).to_have_text("已审批")

    page.locator("#step-pay button").click()
    expect(page.locator("#confirm-summary")).to_contain_text("5,000.00 元")
    expect(page.locator("#confirm-facts")).to_contain_text("市总工会帮扶资金")
    expect(page.locator("#confirm-facts")).to_contain_text("14,200.00 元")
    screenshot(page, "decision-pay-confirm")
    with app.app_context():
        assert db.session.get(Assistance, pk).state == "approved"
    page.locator("#confirm-button").click()
    expect(page.locator("#record-state")).to_have_text("已发放")
    with app.app_context():
        assert db.session.get(Fund, fund_id).balance == Decimal("14200.00")
    assert page.js_errors == []


def test_cancel_on_the_confirmation_pays_nothing(app, page: Page):
    with app.app_context():
        record = make_assistance(kind="living", state="verified", fund=make_fund())
        approve(record, user("manager"))
        db.session.commit()
        pk = record.id
    log_in(page, "manager")
    page.goto(f"/admin/assistance/step/?id={pk}")
    page.locator("#step-pay button").click()
    page.locator("#confirm-cancel").click()
    expect(page.locator("#record-state")).to_have_text("已审批")


def test_publish_shows_the_notice_text_before_freezing(app, page: Page):
    with app.app_context():
        pk = make_notice([make_education("欧阳娜娜"), make_education("张明")],
                         body="<p>以下职工子女拟获金秋助学资助，公示期内如有异议请向帮扶中心反映。</p>").id
    log_in(page, "manager")
    page.goto(f"/admin/notice/manage/?id={pk}")
    page.locator("#publish").click()
    expect(page.locator("#notice-text")).to_contain_text("拟获金秋助学资助")
    expect(page.locator("#notice-preview-lines")).to_contain_text("欧**娜")
    expect(page.locator("#confirm-warning")).to_contain_text("冻结")
    screenshot(page, "decision-publish-confirm")
    with app.app_context():
        assert db.session.get(Notice, pk).state == "draft"
    page.locator("#confirm-button").click()
    expect(page.locator("#notice-state")).to_have_text("已发布")
    assert page.js_errors == []
