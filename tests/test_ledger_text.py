"""Ledger text is Chinese from the choice labels, never codes or the UI's English (issue 13.2)."""
from __future__ import annotations

import importlib.util
from decimal import Decimal
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from models import Assistance, FundEntry, StockMovement, db
from models.assistance_rules import approve, pay, verify
from models.inventory_rules import stock_in
from models.ledger import post_entry
from models.stocktake_rules import confirm_stocktake, start_stocktake
from tests.factories import make_assistance, make_fund, make_worker, user
from tests.factories_inventory import donation_fund, make_donation, make_item

MIGRATION = (Path(__file__).resolve().parent.parent / "portal" / "migrations" / "versions"
             / "b7e2c4a91d05_ledger_text_in_chinese.py")


def _paid(kind: str = "medical", **overrides) -> Assistance:
    fund = make_fund()
    record = make_assistance(kind=kind, fund=fund, out_of_pocket=Decimal("3000.00"),
                             worker=make_worker(name="刘建国"), **overrides)
    verify(record, user("staff"))
    approve(record, user("manager"))
    pay(record, user("manager"))
    db.session.commit()
    return record


def test_aid_payment_reads_the_kinds_chinese_label(ctx):
    """"刘建国 医疗救助", not "刘建国 medical"."""
    assert _paid().payment_entry.reason == "刘建国 医疗救助"


@pytest.mark.parametrize("locale", ["en", "zh_CN"])
def test_ledger_text_is_chinese_whatever_the_ui_speaks(app, locale):
    """An English interface still writes Chinese into the append-only ledgers."""
    app.config["PORTAL_LOCALE"] = locale
    with app.app_context():
        record = _paid(kind="education", student_name="刘一诺", school="山东大学",
                       school_level="university", notice_passed=True)
        assert record.payment_entry.reason == "刘建国 助学（金秋助学）"
        donation_fund()
        donation = make_donation(money="500.00", donor_name="济南爱心企业")
        assert donation.fund_entry.reason == "济南爱心企业 捐赠"
        make_item(stock=3)
        stocktake = start_stocktake(user("clerk"))
        stocktake.lines[0].counted = 2
        confirm_stocktake(stocktake, user("clerk"))
        db.session.commit()
        note = db.session.scalar(select(StockMovement.note).where(
            StockMovement.stocktake_id == stocktake.id))
        assert note == f"盘点 {stocktake.number}"


def _old_rows() -> dict:
    """Write ledger rows the way the old code did, and rows that only look alike."""
    record = make_assistance(kind="medical", fund=make_fund(), out_of_pocket=Decimal("900"),
                             worker=make_worker(name="刘建国"), state="paid")
    record.payment_entry = post_entry(record.fund_id, "assistance_out", "-500.00",
                                      user("manager"), "BF-1", "刘建国 medical")
    typed = post_entry(record.fund_id, "allocation_in", "20.00", user("admin"), "BK-2",
                       "张三 medical")  # typed by a person, linked to no aid record
    odd = make_assistance(kind="living", fund=record.fund, worker=record.worker)
    odd.payment_entry = post_entry(record.fund_id, "assistance_out", "-100.00",
                                   user("manager"), "BF-2", "刘建国 medical")  # wrong kind
    donation = make_donation(money="0", record=False, donor_name="济南爱心企业")
    fund = donation_fund()
    donation.state, donation.receipt_no = "recorded", "JZ-2026-000001"
    donation.fund_entry = post_entry(
        fund.id, "donation_in", "800.00", user("clerk"), "JZ-1", "Donation from 济南爱心企业")
    item = make_item(stock=3)
    stocktake = start_stocktake(user("clerk"))
    movement = stock_in(item, 1, "stocktake", user("clerk"), document=stocktake.number,
                        note=f"Stocktake {stocktake.number}", stocktake_id=stocktake.id)
    db.session.commit()
    return {"paid": record.payment_entry_id, "typed": typed.id, "odd": odd.payment_entry_id,
            "donation": donation.fund_entry_id, "movement": movement.id,
            "number": stocktake.number}


def _run_ledger_migration() -> None:
    """Run the ledger-text migration's ``upgrade`` on the database as it is now.

    The rows are written at the head schema with today's models (an older revision's
    schema would miss columns later migrations added), then the rewrite runs as Alembic
    would run it, in one transaction.
    """
    from alembic.operations import Operations
    from alembic.runtime.migration import MigrationContext

    spec = importlib.util.spec_from_file_location("ledger_text_migration", MIGRATION)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    with db.engine.begin() as conn, Operations.context(MigrationContext.configure(conn)):
        module.upgrade()


def test_migration_rewrites_only_the_old_generated_text(database_config):
    """Old forms become Chinese; look-alikes, amounts and the append-only guard stay."""
    from portal import create_app
    from tests.conftest import _fill_base_rows

    app = create_app({"TESTING": True, "SECRET_KEY": "x", **database_config})
    directory = app.extensions["migrate"].directory
    with app.app_context():
        upgrade(directory=directory)
        _fill_base_rows()
        ids = _old_rows()
        before = {e.id: (e.amount, e.balance_after, e.fund_id, e.kind)
                  for e in db.session.scalars(select(FundEntry))}
        db.session.remove()
        _run_ledger_migration()
        reasons = dict(db.session.execute(select(FundEntry.id, FundEntry.reason)).all())
        assert reasons[ids["paid"]] == "刘建国 医疗救助"
        assert reasons[ids["typed"]] == "张三 medical"
        assert reasons[ids["odd"]] == "刘建国 medical"
        assert reasons[ids["donation"]] == "济南爱心企业 捐赠"
        assert db.session.get(StockMovement, ids["movement"]).note == f"盘点 {ids['number']}"
        assert {e.id: (e.amount, e.balance_after, e.fund_id, e.kind)
                for e in db.session.scalars(select(FundEntry))} == before
        db.session.remove()
        for table in ("fund_entry", "stock_movement"):
            with pytest.raises(DBAPIError, match="append-only"), db.engine.begin() as conn:
                conn.execute(text(f"UPDATE {table} SET document = 'X'"))
        db.engine.dispose()
