"""Funds and the fund ledger: append-only, never negative, provably balanced."""
from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from sqlalchemy import func, select, text, update

from models import Assistance, Fund, FundEntry, db
from models.assistance_rules import pay
from models.base import DomainError
from models.ledger import ledger_differences, post_entry
from tests.conftest import flashes, postgres_only
from tests.factories import make_assistance, make_fund, user


def test_admin_posts_an_allocation_through_the_form(app, client, auth):
    """A manual entry goes through the ledger: balance and balance-after follow."""
    with app.app_context():
        fund_id = make_fund(balance="100.00").id
    auth.login("admin")
    response = client.post("/admin/fundentry/new/", data={
        "csrf_token": auth.token(), "fund": fund_id, "kind": "allocation_in",
        "amount": "2500.50", "document": "财拨-2026-07", "reason": "市总工会下拨"})
    assert response.status_code == 302, flashes(response.get_data(as_text=True))
    with app.app_context():
        entry = db.session.scalar(select(FundEntry).order_by(FundEntry.id.desc()))
        assert (entry.amount, entry.balance_after) == (Decimal("2500.50"), Decimal("2600.50"))
        assert entry.user.username == "admin"
        assert db.session.get(Fund, fund_id).balance == Decimal("2600.50")


def test_fund_list_shows_balances(app, client, auth):
    """Staff read the funds with their balances."""
    with app.app_context():
        make_fund(name="困难职工帮扶专项", balance="12345.60")
    auth.login("staff")
    page = client.get("/admin/fund/").get_data(as_text=True)
    assert "困难职工帮扶专项" in page and "12,345.60" in page


def test_ledger_rows_cannot_be_edited_or_deleted(ctx):
    """The ORM refuses it, and so does the database."""
    entry = make_fund().entries[0]
    entry.amount = Decimal("1")
    with pytest.raises(DomainError):
        db.session.flush()
    db.session.rollback()
    db.session.delete(entry)
    with pytest.raises(DomainError):
        db.session.flush()
    db.session.rollback()
    for statement in ("UPDATE fund_entry SET amount = 1", "DELETE FROM fund_entry"):
        with pytest.raises(Exception, match="append-only"):
            db.session.execute(text(statement))
        db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(FundEntry)) == 1


def test_balance_check_constraint(ctx):
    """Even a direct update cannot make a balance negative."""
    from sqlalchemy.exc import IntegrityError
    fund = make_fund(balance="10")
    with pytest.raises(IntegrityError):
        db.session.execute(update(Fund).where(Fund.id == fund.id).values(balance=-1))
        db.session.flush()
    db.session.rollback()


def test_verify_finds_a_tampered_balance(app, runner):
    """`portal verify` recomputes balances from the ledger and reports a difference."""
    with app.app_context():
        fund = make_fund(name="被篡改的资金", balance="500")
        assert ledger_differences() == []
        db.session.execute(update(Fund).where(Fund.id == fund.id).values(balance=600))
        db.session.commit()
    result = runner.invoke(args=["verify"])
    assert result.exit_code == 1
    assert "被篡改的资金" in result.output and "600.00" in result.output


def test_out_entries_stop_at_zero(ctx):
    """Spending exactly the balance works; one fen more does not."""
    fund = make_fund(balance="100.00")
    post_entry(fund.id, "assistance_out", Decimal("-100.00"), user("manager"))
    with pytest.raises(DomainError):
        post_entry(fund.id, "assistance_out", Decimal("-0.01"), user("manager"))
    db.session.commit()
    assert db.session.get(Fund, fund.id).balance == Decimal("0.00")


def _pay_in_threads(app, ids):
    """Pay each record in its own thread at the same moment; return the outcomes."""
    barrier, results = threading.Barrier(len(ids)), []

    def run(pk):
        with app.app_context():
            record = db.session.get(Assistance, pk)
            manager = user("manager")
            barrier.wait()
            try:
                pay(record, manager)
                db.session.commit()
                results.append("paid")
            except DomainError:
                db.session.rollback()
                results.append("refused")

    threads = [threading.Thread(target=run, args=(pk,)) for pk in ids]
    [t.start() for t in threads]
    [t.join(30) for t in threads]
    return results


@postgres_only
def test_concurrent_payments_for_the_last_yuan(app):
    """Eight payments of 300 race for 1000: exactly three succeed; ledger = balance."""
    with app.app_context():
        fund = make_fund(balance="1000.00")
        ids = [make_assistance(state="approved", fund=fund, campaign=f"第{i}期",
                               cash_amount=Decimal("300.00")).id for i in range(8)]
        fund_id = fund.id
    results = _pay_in_threads(app, ids)
    assert sorted(results) == ["paid"] * 3 + ["refused"] * 5
    with app.app_context():
        fund = db.session.get(Fund, fund_id)
        total = db.session.scalar(select(func.sum(FundEntry.amount))
                                  .where(FundEntry.fund_id == fund_id))
        assert fund.balance == Decimal("100.00") == total
        paid = db.session.scalar(select(func.count()).select_from(Assistance)
                                 .where(Assistance.state == "paid"))
        assert paid == 3 and ledger_differences() == []


@postgres_only
def test_same_record_paid_twice_at_once_pays_once(app):
    """Two managers paying one record at the same moment: one payment, one entry."""
    from sqlalchemy.orm.exc import StaleDataError

    with app.app_context():
        fund = make_fund(balance="1000.00")
        pk, fund_id = make_assistance(state="approved", fund=fund).id, fund.id
    barrier, outcomes = threading.Barrier(2), []

    def run():
        with app.app_context():
            record = db.session.get(Assistance, pk)
            barrier.wait()
            try:
                pay(record, user("manager"))
                db.session.commit()
                outcomes.append("paid")
            except (DomainError, StaleDataError):
                db.session.rollback()
                outcomes.append("refused")

    threads = [threading.Thread(target=run) for _ in range(2)]
    [t.start() for t in threads]
    [t.join(30) for t in threads]
    assert sorted(outcomes) == ["paid", "refused"]
    with app.app_context():
        assert db.session.get(Fund, fund_id).balance == Decimal("500.00")
        assert ledger_differences() == []


def test_last_fen_can_be_spent_after_awkward_sums(ctx):
    """0.30 in, 0.10 then 0.20 out: SQLite's float NUMERIC must not refuse the last fen."""
    fund = make_fund(balance="0.30")
    for amount in ("-0.10", "-0.20"):
        post_entry(fund.id, "assistance_out", Decimal(amount), user("manager"))
    db.session.commit()
    assert db.session.get(Fund, fund.id).balance == Decimal("0.00")
    assert ledger_differences() == []
