"""End-to-end in Chromium: staff applies for aid, a manager approves and pays it."""
from __future__ import annotations

import re
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from models import Assistance, Fund, db
from tests.factories import make_fund, make_worker
from tests.test_browser import choose, log_in

pytest_plugins = ["tests.browser"]
pytestmark = pytest.mark.browser


def pick_worker(page: Page, name: str) -> None:
    """Choose a worker in the ajax select2 by typing part of the name."""
    page.locator("#s2id_worker a.select2-choice").click()
    page.locator("#select2-drop input.select2-input").fill(name[:2])
    page.locator("#select2-drop .select2-result-label", has_text=name).first.click()
    expect(page.locator("#s2id_worker .select2-chosen")).to_contain_text(name)


def log_out(page: Page) -> None:
    page.locator("#logout").click()
    expect(page).to_have_url(re.compile(r"/login"))


def test_staff_applies_manager_approves_and_pays(app, page: Page):
    """The fund's balance shown to the manager drops by exactly the amount paid."""
    with app.app_context():
        fund_id = make_fund(name="市总工会帮扶资金", balance="5000.00").id
        make_worker(name="欧阳秀英", status="active")
    log_in(page, "staff")
    page.goto("/admin/assistance/new/")
    page.wait_for_load_state("load")
    pick_worker(page, "欧阳秀英")
    choose(page, "kind", "living")
    page.locator("#campaign").fill("2026年春节送温暖")
    page.locator("#reason").fill("妻子重病住院，家庭生活困难")
    page.locator("#cash_amount").fill("1200.00")
    choose(page, "fund", str(fund_id))
    page.locator("form.admin-form [type=submit]").first.click()
    expect(page.locator(".alert-success")).to_be_visible()
    with app.app_context():
        pk = db.session.scalar(select(Assistance.id))
    page.goto(f"/admin/assistance/step/?id={pk}")
    page.locator("#step-verify button").click()
    expect(page.locator("#record-state")).to_have_text("已核实")
    log_out(page)

    log_in(page, "manager")
    page.goto(f"/admin/assistance/step/?id={pk}")
    page.locator("#step-approve button").click()
    expect(page.locator("#record-state")).to_have_text("已审批")
    page.locator("#step-pay button").click()
    expect(page.locator("#confirm-facts")).to_contain_text("3,800.00")
    page.locator("#confirm-button").click()
    expect(page.locator("#record-state")).to_have_text("已发放")
    page.goto("/admin/fund/")
    expect(page.locator("td", has_text="3,800.00")).to_be_visible()
    with app.app_context():
        assert db.session.get(Fund, fund_id).balance == Decimal("3800.00")
        record = db.session.get(Assistance, pk)
        assert (record.applied_by.username, record.paid_by.username) == ("staff", "manager")
