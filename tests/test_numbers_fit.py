"""A number a NUMERIC column cannot hold is refused on the form with a clear message:
SQLite stored 1e30 in a NUMERIC(12, 2) column, and the list's export and the ledger's
posting then failed (a red-team pass found it on the donation form)."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from models import Donation, db
from tests.factories_inventory import donation_fund


@pytest.mark.parametrize("amount, message", [
    ("1e30", "数值过大：小数点前最多 10 位。"),
    ("99999999999999999999999", "数值过大：小数点前最多 10 位。"),
    ("10000000000", "数值过大：小数点前最多 10 位。"),
    ("-10000000000", "数值过大：小数点前最多 10 位。"),
    ("0.0000000000001", "最多 2 位小数。"),
    ("12.345", "最多 2 位小数。"),
    ("NaN", "请输入一个数。"),
    ("Infinity", "请输入一个数。"),
])
def test_a_money_amount_the_column_cannot_hold_is_refused(app, client, auth, amount, message):
    with app.app_context():
        fund_id = donation_fund().id
    auth.login("clerk")
    response = client.post("/admin/donation/new/", data={
        "csrf_token": auth.token(), "donor_kind": "person", "donor_name": "孙先生",
        "received_on": "2026-11-20", "money_amount": amount, "fund": fund_id})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Donation)) == 0


def test_the_largest_amount_the_column_holds_is_taken(app, client, auth):
    with app.app_context():
        fund_id = donation_fund().id
    auth.login("clerk")
    response = client.post("/admin/donation/new/", data={
        "csrf_token": auth.token(), "donor_kind": "person", "donor_name": "孙先生",
        "received_on": "2026-11-20", "money_amount": "9999999999.99", "fund": fund_id})
    assert response.status_code == 302
    with app.app_context():
        assert str(db.session.scalar(select(Donation.money_amount))) == "9999999999.99"
