"""End-to-end in Chromium: staff record a repayment and see what is owed and when change."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from models import Loan, db
from models.base import freeze_today
from tests.factories import make_worker
from tests.factories_loans import disbursed_loan
from tests.test_browser import log_in

pytest_plugins = ["tests.browser"]
pytestmark = pytest.mark.browser


def test_staff_records_a_repayment_and_sees_outstanding_and_next_due_change(app, page: Page):
    """10000.00 over 7 months, first due 2026-02-15; paying it moves the next due date."""
    with app.app_context():
        pk = disbursed_loan(worker=make_worker(name="欧阳建华"),
                            issued_on=dt.date(2026, 1, 15)).id
    freeze_today(dt.date(2026, 2, 20))  # the first instalment is 5 days late
    log_in(page, "staff")
    page.goto(f"/admin/loan/step/?id={pk}")
    expect(page.locator("#loan-outstanding")).to_have_text("10,000.00")
    expect(page.locator("#loan-next-due")).to_have_text("2026-02-15")
    expect(page.locator("#loan-days-overdue")).to_contain_text("5")
    expect(page.locator("#step-write_off")).to_have_count(0)  # staff cannot write off

    page.locator("#repay-amount").fill("1428.57")
    page.locator("#repay-document").fill("SJ-2026-0215")
    page.locator("#step-repay button[type=submit]").click()

    expect(page.locator(".alert-success")).to_contain_text("还款已登记")
    expect(page.locator("#loan-outstanding")).to_have_text("8,571.43")
    expect(page.locator("#loan-next-due")).to_have_text("2026-03-15")
    expect(page.locator("#loan-days-overdue")).to_have_text("0")
    expect(page.locator("#schedule tr.table-success")).to_have_count(1)
    expect(page.locator("#repayments")).to_contain_text("SJ-2026-0215")
    assert page.js_errors == []
    with app.app_context():
        loan = db.session.get(Loan, pk)
        assert loan.repaid_amount == Decimal("1428.57")
        assert loan.repayments[0].user.username == "staff"
        assert loan.instalments[0].met_on == dt.date(2026, 2, 20)
