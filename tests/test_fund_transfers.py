"""Transfers between funds: a linked pair of entries, all or nothing, never negative."""
from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from models import AuditLog, Fund, FundEntry, db
from models.base import DomainError
from models.fund_transfers import reverse_transfer, transfer, transfer_entries
from models.ledger import ledger_differences, post_entry
from tests.conftest import flashes, postgres_only
from tests.factories import make_fund, user
from tests.races import race


def _balances(*ids) -> list[Decimal]:
    db.session.expire_all()
    return [db.session.get(Fund, i).balance for i in ids]


def _count(model=FundEntry) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_transfer_posts_a_linked_pair(ctx):
    """Out of one fund, into the other, one document no., kinds and reason in Chinese."""
    a, b = make_fund("送温暖专项", balance="5000.00").id, make_fund("金秋助学专项").id
    out, into = transfer(a, b, "1200.50", "助学资金不足，调剂", user("manager"))
    db.session.commit()
    assert _balances(a, b) == [Decimal("3799.50"), Decimal("11200.50")]
    assert (out.kind, out.amount, into.kind, into.amount) == (
        "transfer_out", Decimal("-1200.50"), "transfer_in", Decimal("1200.50"))
    assert out.document == into.document and out.document.startswith("ZZ-")
    assert "金秋助学专项" in out.reason and "送温暖专项" in into.reason
    assert "助学资金不足" in out.reason
    assert [e.id for e in transfer_entries(out.document)] == [out.id, into.id]
    assert ledger_differences() == []
    logged = db.session.scalar(select(func.count()).select_from(AuditLog).where(
        AuditLog.record_type == "fundentry",
        AuditLog.record_id.in_([str(out.id), str(into.id)])))
    assert logged == 2


def test_transfer_above_the_balance_writes_nothing_and_names_the_shortfall(ctx):
    a, b = make_fund("送温暖专项", balance="1000.00").id, make_fund("金秋助学专项").id
    before = _count()
    with pytest.raises(DomainError, match="1,000.01") as refusal:
        transfer(a, b, "2000.01", "调剂", user("manager"))
    assert "1,000.00" in str(refusal.value)
    db.session.rollback()
    assert _count() == before and _balances(a, b) == [Decimal("1000.00"), Decimal("10000.00")]


def test_the_fund_can_be_emptied_to_the_fen(ctx):
    a, b = make_fund("送温暖专项", balance="1000.00").id, make_fund("金秋助学专项").id
    transfer(a, b, "1000.00", "全部调出", user("admin"))
    db.session.commit()
    assert _balances(a) == [Decimal("0.00")]


@pytest.mark.parametrize("role", ["staff", "clerk"])
def test_only_admin_and_manager_may_transfer(ctx, role):
    a, b = make_fund("送温暖专项").id, make_fund("金秋助学专项").id
    with pytest.raises(DomainError):
        transfer(a, b, "10", "调剂", user(role))


@pytest.mark.parametrize("source,amount,reason", [
    ("same", "10", "调剂"), ("a", "0", "调剂"), ("a", "-5", "调剂"), ("a", "10", " "),
    ("a", "abc", "调剂"), (None, "10", "调剂")])
def test_bad_transfers_are_refused(ctx, source, amount, reason):
    a, b = make_fund("送温暖专项").id, make_fund("金秋助学专项").id
    with pytest.raises(DomainError):
        transfer({"same": b, "a": a, None: None}[source], b, amount, reason, user("manager"))


def test_reversal_posts_the_reversing_pair_once(ctx):
    a, b = make_fund("送温暖专项", balance="5000.00").id, make_fund("金秋助学专项").id
    out, _into = transfer(a, b, "800", "调剂", user("manager"))
    db.session.commit()
    back = reverse_transfer(out.document, "调错基金", user("manager"))
    db.session.commit()
    assert [e.kind for e in back] == ["reversal", "reversal"]
    assert [e.amount for e in back] == [Decimal("800.00"), Decimal("-800.00")]
    assert _balances(a, b) == [Decimal("5000.00"), Decimal("10000.00")]
    with pytest.raises(DomainError):
        reverse_transfer(out.document, "再次冲销", user("manager"))
    db.session.rollback()
    assert ledger_differences() == []


def test_reversal_refused_when_the_money_was_spent(ctx):
    a, b = make_fund("送温暖专项", balance="5000.00").id, make_fund("金秋助学专项",
                                                                   balance="0").id
    out, _into = transfer(a, b, "800", "调剂", user("manager"))
    post_entry(b, "assistance_out", Decimal("-500"), user("manager"), document="BF-1")
    db.session.commit()
    before = _count()
    with pytest.raises(DomainError, match="500.00"):
        reverse_transfer(out.document, "调错基金", user("manager"))
    db.session.rollback()
    assert _count() == before


def test_a_document_holds_one_entry_out(ctx):
    """The partial unique index: a second 'out' under a transfer's number is refused."""
    a, b = make_fund("送温暖专项", balance="5000.00").id, make_fund("金秋助学专项").id
    out, _into = transfer(a, b, "100", "调剂", user("manager"))
    db.session.commit()
    with pytest.raises(IntegrityError):
        post_entry(a, "transfer_out", Decimal("-1"), user("admin"), document=out.document)
    db.session.rollback()


def test_transfer_page_for_managers_only(app, client, auth):
    with app.app_context():
        a, b = make_fund("送温暖专项", balance="3000.00").id, make_fund("金秋助学专项").id
    auth.login("staff")
    assert client.get("/admin/fund/transfer/").status_code == 403
    assert "transfer-link" not in client.get("/admin/fund/").get_data(as_text=True)
    auth.logout()
    auth.login("manager")
    assert "transfer-link" in client.get("/admin/fund/").get_data(as_text=True)
    token = auth.token("/admin/fund/transfer/")
    page = client.post("/admin/fund/transfer/", data={
        "csrf_token": token, "source": a, "target": b, "amount": "5000",
        "reason": "调剂"}, follow_redirects=True).get_data(as_text=True)
    assert "2,000.00" in flashes(page)  # the shortfall, named
    page = client.post("/admin/fund/transfer/", data={
        "csrf_token": token, "source": a, "target": b, "amount": "1000",
        "reason": "助学资金不足"}, follow_redirects=True).get_data(as_text=True)
    with app.app_context():
        assert _balances(a, b) == [Decimal("2000.00"), Decimal("11000.00")]
        document = db.session.scalar(select(FundEntry.document).where(
            FundEntry.kind == "transfer_out"))
    assert document in page
    client.post("/admin/fund/transfer/reverse/", data={
        "csrf_token": token, "document": document, "reason": "调错"})
    with app.app_context():
        assert _balances(a, b) == [Decimal("3000.00"), Decimal("10000.00")]
    ledger = client.get("/admin/fundentry/").get_data(as_text=True)
    assert document in ledger


@postgres_only
def test_two_transfers_racing_for_one_balance(app):
    """Two transfers of 600 out of a fund holding 1,000: exactly one goes through."""
    with app.app_context():
        a, b = make_fund("送温暖专项", balance="1000.00").id, make_fund("金秋助学专项").id
        c = make_fund("医疗救助专项").id

    def moving(target):
        def prepare():
            manager = user("manager")
            return lambda: transfer(a, target, "600", "调剂", manager)
        return prepare

    results = race(app, [moving(b), moving(c)])
    assert sorted(results) == ["DomainError", "done"]
    with app.app_context():
        assert _balances(a) == [Decimal("400.00")]
        assert sum(_balances(b, c)) == Decimal("20600.00")
        assert _count() == 3 + 2 and ledger_differences() == []
