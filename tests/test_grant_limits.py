"""Amount standards for single grants, and turning down an approved grant before payment."""
from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from models import Assistance, FundEntry, Setting, db
from models.assistance_rules import GUARDS, WORKFLOW, approve, pay, reject, verify
from models.base import DomainError
from models.choices import ASSISTANCE_KINDS
from models.grant_limits import grant_limit, needs_limit_override, over_limit
from models.settings import SETTINGS, grant_limit_key
from tests.conftest import flashes
from tests.factories import make_assistance, make_fund, user
from tests.test_assistance import step


def _limit(kind: str, value: str) -> None:
    db.session.merge(Setting(key=grant_limit_key(kind), value=value))
    db.session.commit()


def _verified(**overrides) -> Assistance:
    record = make_assistance(**overrides)
    verify(record, user("staff"))
    db.session.commit()
    return record


def test_every_kind_has_a_limit_setting_with_a_default():
    assert all(grant_limit_key(kind) in SETTINGS for kind in ASSISTANCE_KINDS)
    assert SETTINGS[grant_limit_key("emergency")][1] == Decimal("5000")


def test_default_limit_and_zero_means_none(ctx):
    assert grant_limit("emergency") == Decimal("5000")
    _limit("emergency", "0")
    assert grant_limit("emergency") is None
    record = make_assistance(kind="emergency", cash_amount=Decimal("500000"))
    assert not over_limit(record)


def test_above_the_limit_is_filed_but_approved_only_with_a_reason(ctx):
    fund = make_fund(balance="600000")
    record = _verified(kind="emergency", cash_amount=Decimal("500000.00"), fund=fund)
    assert record.state == "verified" and needs_limit_override(record)
    with pytest.raises(DomainError, match="5,000.00"):
        approve(record, user("manager"))
    db.session.rollback()
    with pytest.raises(DomainError):
        approve(record, user("manager"), "", "   ")
    db.session.rollback()
    approve(record, user("manager"), "", "火灾致房屋全毁，经中心会议研究同意")
    db.session.commit()
    assert record.state == "approved"
    assert record.limit_override_reason == "火灾致房屋全毁，经中心会议研究同意"
    assert record.override_reason == ""


def test_at_the_limit_needs_no_reason(ctx):
    record = _verified(kind="emergency", cash_amount=Decimal("5000.00"))
    assert not needs_limit_override(record)
    approve(record, user("manager"))
    db.session.commit()
    assert record.state == "approved" and record.limit_override_reason == ""


def test_a_reason_is_not_kept_when_none_is_needed(ctx):
    record = _verified(kind="emergency", cash_amount=Decimal("100.00"))
    approve(record, user("manager"), "", "不需要")
    assert record.limit_override_reason == ""


def test_no_approved_or_paid_record_stands_above_its_limit_without_reason(ctx):
    """The rule: the limit lowered after approval stops payment until a reason exists."""
    fund = make_fund(balance="10000")
    record = _verified(kind="living", cash_amount=Decimal("2500.00"), fund=fund)
    approve(record, user("manager"))
    db.session.commit()
    _limit("living", "2000")
    with pytest.raises(DomainError, match="2,000.00"):
        pay(record, user("manager"))
    db.session.rollback()
    assert db.session.get(Assistance, record.id).state == "approved"
    granted = db.session.scalars(select(Assistance).where(
        Assistance.state.in_(("approved", "paid")))).all()
    assert [r.id for r in granted if over_limit(r) and not r.limit_override_reason] == [
        record.id]  # found by the rule, and not paid
    assert db.session.scalar(select(func.count()).select_from(FundEntry).where(
        FundEntry.kind == "assistance_out")) == 0


def test_approve_step_asks_for_the_reason_only_when_needed(ctx):
    fields = {f.name: f for f in WORKFLOW["approve"].fields}
    over = _verified(kind="emergency", cash_amount=Decimal("8000.00"))
    under = _verified(kind="emergency", cash_amount=Decimal("800.00"))
    assert fields["limit_override_reason"].shown(over)
    assert not fields["limit_override_reason"].shown(under)


def test_the_approval_page_shows_limit_and_amount(app, client, auth):
    with app.app_context():
        pk = _verified(kind="emergency", cash_amount=Decimal("8000.00")).id
    auth.login("manager")
    page = client.get(f"/admin/assistance/step/?id={pk}").get_data(as_text=True)
    assert "5,000.00" in page and "8,000.00" in page and "3,000.00" in page
    assert 'name="limit_override_reason"' in page
    page = step(client, auth, pk, "approve").get_data(as_text=True)
    assert "5,000.00" in flashes(page)
    with app.app_context():
        assert db.session.get(Assistance, pk).state == "verified"
    step(client, auth, pk, "approve", limit_override_reason="重大火灾，特批")
    with app.app_context():
        record = db.session.get(Assistance, pk)
        assert (record.state, record.limit_override_reason) == ("approved", "重大火灾，特批")
    page = client.get(f"/admin/assistance/step/?id={pk}").get_data(as_text=True)
    assert "重大火灾，特批" in page


def test_bulk_approve_refuses_a_grant_above_the_limit(app, client, auth):
    with app.app_context():
        over = _verified(kind="emergency", cash_amount=Decimal("8000.00")).id
        under = _verified(kind="emergency", cash_amount=Decimal("800.00")).id
    auth.login("manager")
    client.post("/admin/assistance/action/", data={
        "csrf_token": auth.token("/admin/assistance/"), "action": "approve",
        "rowid": [over, under]})
    with app.app_context():
        assert db.session.get(Assistance, over).state == "verified"
        assert db.session.get(Assistance, under).state == "approved"


def test_settings_page_lists_the_limits(app, client, auth):
    auth.login("admin")
    page = client.get("/admin/setting/").get_data(as_text=True)
    with app.test_request_context():
        label = str(SETTINGS[grant_limit_key("emergency")][2])
    assert label in page and "5,000.00" in page  # an amount, with two decimals


# --- rejecting an approved grant ---------------------------------------------------------

def test_an_approved_unpaid_grant_can_be_rejected_with_a_reason(ctx):
    fund = make_fund(balance="10000")
    record = _verified(kind="living", cash_amount=Decimal("800.00"), fund=fund)
    approve(record, user("manager"))
    db.session.commit()
    with pytest.raises(DomainError):
        reject(record, user("manager"), "  ")
    db.session.rollback()
    reject(record, user("manager"), "复核发现家庭收入超标")
    db.session.commit()
    assert (record.state, record.reject_reason) == ("rejected", "复核发现家庭收入超标")
    assert record.payment_entry_id is None
    assert db.session.scalar(select(func.count()).select_from(FundEntry).where(
        FundEntry.document == f"BF-{record.id}")) == 0
    assert fund.balance == Decimal("10000.00")
    # Rejected after approval: kept on file, neither edited nor deleted, nor paid.
    assert GUARDS.edit(record) and GUARDS.delete(record)
    with pytest.raises(DomainError):
        pay(record, user("manager"))


def test_a_paid_grant_is_not_rejected_but_reversed(ctx):
    fund = make_fund(balance="10000")
    record = _verified(kind="living", cash_amount=Decimal("800.00"), fund=fund)
    approve(record, user("manager"))
    pay(record, user("manager"))
    db.session.commit()
    with pytest.raises(DomainError):
        reject(record, user("manager"), "收入超标")
    assert "reject" not in [s.name for s in WORKFLOW.offered(record, user("manager"))]


def test_staff_cannot_reject_an_approved_grant(ctx):
    record = _verified(kind="living", cash_amount=Decimal("800.00"))
    approve(record, user("manager"))
    db.session.commit()
    with pytest.raises(DomainError):
        reject(record, user("staff"), "收入超标")


def test_an_open_rejected_record_may_still_be_deleted(ctx):
    record = make_assistance()
    reject(record, user("manager"), "收入超标")
    db.session.commit()
    assert GUARDS.delete(record) is None


def test_reject_page_for_an_approved_grant(app, client, auth):
    with app.app_context():
        record = _verified(kind="living", cash_amount=Decimal("800.00"))
        approve(record, user("manager"))
        db.session.commit()
        pk = record.id
    auth.login("manager")
    page = client.get(f"/admin/assistance/step/?id={pk}").get_data(as_text=True)
    assert 'value="reject"' in page
    step(client, auth, pk, "reject", reason="复核不符合条件")
    with app.app_context():
        assert db.session.get(Assistance, pk).state == "rejected"
