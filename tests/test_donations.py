"""Donations: recorded at once into stock and the fund, receipt numbers per year, voids."""
from __future__ import annotations

import datetime as dt
import re
import threading
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from models import Donation, Fund, FundEntry, Item, StockMovement, db
from models.base import DomainError, today
from models.donation_rules import record_donation, void_donation
from models.inventory_rules import stock_differences
from models.ledger import ledger_differences
from models.redemption_rules import redeem
from tests.conftest import flashes, postgres_only
from tests.factories import make_fund, user
from tests.factories_inventory import donation_fund, make_card, make_donation, make_item
from views.donations import rmb_upper


def test_recording_posts_exactly_its_lines_and_money(ctx):
    """Each line becomes one movement into its lot; the money one fund entry; one receipt."""
    fund = donation_fund()
    rice, oil = make_item("大米 5kg", stock=2), make_item("花生油 5L")
    soon = today() + dt.timedelta(days=200)
    donation = make_donation([(rice, 10, "250.00"), (oil, 4, "320.00")], money="1000.00",
                             record=False, fund=fund)
    donation.lines[1].lot_no, donation.lines[1].expiry = "L2026", soon
    record_donation(donation, user("clerk"))
    db.session.commit()
    assert donation.state == "recorded" and donation.receipt_no == f"JZ-{today().year}-000001"
    assert donation.goods_value == Decimal("570.00")
    assert donation.total_value == Decimal("1570.00")
    movements = db.session.scalars(select(StockMovement).where(
        StockMovement.donation_id == donation.id).order_by(StockMovement.item_id)).all()
    assert [(m.item_id, m.reason, m.quantity, m.stock_after, m.document) for m in movements] == [
        (rice.id, "donation_in", 10, 12, donation.receipt_no),
        (oil.id, "donation_in", 4, 4, donation.receipt_no)]
    assert [(lot.lot_no, lot.expiry, lot.on_hand) for lot in oil.lots] == [("L2026", soon, 4)]
    entry = donation.fund_entry
    assert (entry.fund_id, entry.kind, entry.amount, entry.document) == (
        fund.id, "donation_in", Decimal("1000.00"), donation.receipt_no)
    assert db.session.get(Fund, fund.id).balance == Decimal("1000.00")
    assert db.session.scalar(select(func.count()).select_from(FundEntry)) == 1
    assert stock_differences() == [] and ledger_differences() == []


def test_goods_only_needs_no_fund_and_money_goes_to_the_first_donation_fund(ctx):
    make_fund(name="市总工会帮扶资金", source="union", balance="100")
    goods = make_donation([(make_item(), 3, "30")])
    assert goods.fund is None and goods.fund_entry is None
    first, second = donation_fund(), donation_fund()
    money = make_donation(money="88.80")
    assert money.fund_id == first.id != second.id
    assert money.fund_entry.amount == Decimal("88.80")


def test_receipt_numbers_run_per_year_of_the_donation(ctx):
    numbers = [make_donation([(make_item(), 1, "5")], received_on=day).receipt_no
               for day in (dt.date(2026, 3, 1), dt.date(2025, 12, 30), dt.date(2026, 3, 2))]
    assert numbers == ["JZ-2026-000001", "JZ-2025-000001", "JZ-2026-000002"]


@pytest.mark.parametrize("change,message", [
    (lambda d: setattr(d, "money_amount", Decimal("10")), "没有可入账的社会捐赠资金"),
    (lambda d: d.lines.clear(), "至少应有捐款或一行物资"),
    (lambda d: setattr(d.lines[0], "expiry", today() - dt.timedelta(days=1)), "过期物资不能入库"),
    (lambda d: setattr(d, "fund", make_fund(name="政府拨款", source="government")),
     "捐款只能进入在用的社会捐赠资金"),
])
def test_refused_recording_changes_nothing(ctx, change, message):
    item = make_item()
    donation = make_donation([(item, 5, "50")], record=False)
    change(donation)
    if donation.fund is not None:
        donation.money_amount = Decimal("10")
    with pytest.raises(DomainError, match=message):
        record_donation(donation, user("clerk"))
    db.session.rollback()
    assert db.session.get(Donation, donation.id).state == "draft"
    assert db.session.scalar(select(func.count()).select_from(StockMovement)) == 0
    assert db.session.get(Item, item.id).on_hand == 0


def test_void_takes_goods_and_money_back_unless_they_are_gone(ctx):
    fund = donation_fund()
    rice = make_item(price="10")
    donation = make_donation([(rice, 3, "30")], money="200", fund=fund)
    redemption = redeem(make_card("100"), [(rice.id, 2)], user("clerk"))
    db.session.commit()
    with pytest.raises(DomainError, match="库存只有 1 袋，需要 3"):
        void_donation(donation, user("clerk"), "重复登记")
    db.session.rollback()
    from models.redemption_rules import void_redemption
    void_redemption(redemption, user("clerk"), "退回")
    void_donation(donation, user("clerk"), "重复登记")
    db.session.commit()
    assert (donation.state, rice.on_hand, fund.balance) == ("voided", 0, Decimal("0.00"))
    assert donation.fund_entry is not None and stock_differences() == []
    with pytest.raises(DomainError, match="只有已入账的捐赠才能作废"):
        void_donation(donation, user("clerk"), "再次")


def test_clerk_enters_records_and_prints_through_the_forms(app, client, auth):
    """Draft with goods lines → record (one click) → receipt with number, lines and total."""
    with app.app_context():
        fund_id = donation_fund().id
        rice_id, quilt_id = make_item("大米 5kg").id, make_item("棉被", unit="床").id
    auth.login("clerk")
    response = client.post("/admin/donation/new/", data={
        "csrf_token": auth.token(), "donor_kind": "organisation", "donor_name": "济南爱心粮油公司",
        "contact_person": "孙经理", "phone": "0531-88886666", "received_on": "2026-11-20",
        "money_amount": "1200.50", "fund": fund_id, "designated_use": "冬季送温暖",
        "lines-0-item": rice_id, "lines-0-quantity": "100", "lines-0-value": "2500",
        "lines-0-lot_no": "20261101", "lines-0-expiry": "2027-10-31",
        "lines-1-item": quilt_id, "lines-1-quantity": "20", "lines-1-value": "2400"})
    assert response.status_code == 302, flashes(response.get_data(as_text=True))
    with app.app_context():
        donation = db.session.scalar(select(Donation))
        pk = donation.id
        assert (donation.state, donation.receipt_no, donation.goods_value) == (
            "draft", None, Decimal("4900.00"))
        assert donation.created_by.username == "clerk"
    assert response.headers["Location"].endswith(f"/admin/donation/page/?id={pk}")
    page = client.post(f"/admin/donation/page/?id={pk}", data={
        "csrf_token": auth.token(), "step": "record"}, follow_redirects=True)
    assert "收据号 JZ-2026-000001" in flashes(page.get_data(as_text=True))
    receipt = client.get(f"/admin/donation/receipt/?id={pk}").get_data(as_text=True)
    for text in ("捐赠收据", "JZ-2026-000001", "济南爱心粮油公司", "大米 5kg", "100 袋", "20 床",
                 "6,100.50", "陆仟壹佰元伍角整", "@media print", "冬季送温暖"):
        assert text in receipt, text
    with app.app_context():
        assert db.session.get(Item, rice_id).on_hand == 100
        assert db.session.get(Fund, fund_id).balance == Decimal("1200.50")
    response = client.get(f"/admin/donation/edit/?id={pk}", follow_redirects=True)
    assert "已入账的捐赠不能修改" in flashes(response.get_data(as_text=True))


def test_only_drafts_may_be_deleted(app, client, auth):
    with app.app_context():
        draft = make_donation([(make_item(), 1, "5")], record=False).id
        recorded = make_donation([(make_item(), 1, "5")]).id
    auth.login("admin")
    for pk in (draft, recorded):
        client.post("/admin/donation/delete/", data={"id": pk, "csrf_token": auth.token()})
    with app.app_context():
        assert db.session.get(Donation, draft) is None
        assert db.session.get(Donation, recorded) is not None


def test_staff_reads_but_cannot_record(app, client, auth):
    with app.app_context():
        pk = make_donation([(make_item(), 1, "5")], record=False).id
    auth.login("staff")
    assert client.get(f"/admin/donation/page/?id={pk}").status_code == 200
    response = client.post(f"/admin/donation/page/?id={pk}", data={
        "csrf_token": auth.token(), "step": "record"})
    assert response.status_code == 403
    with app.app_context():
        assert db.session.get(Donation, pk).state == "draft"


@pytest.mark.parametrize("amount,words", [
    ("0", "零元整"), ("1005", "壹仟零伍元整"), ("100000", "壹拾万元整"),
    ("1000001", "壹佰万零壹元整"), ("12345.67", "壹万贰仟叁佰肆拾伍元陆角柒分"),
    ("20001.05", "贰万零壹元零伍分"), ("880.80", "捌佰捌拾元捌角整")])
def test_amount_in_words(amount, words):
    assert rmb_upper(amount) == words


@postgres_only
def test_receipt_numbers_unique_under_concurrent_recording(app):
    """Twelve clerks record at once: twelve different, consecutive receipt numbers."""
    with app.app_context():
        item = make_item()
        ids = [make_donation([(item, 1, "10")], record=False).id for _ in range(12)]
        item_id = item.id
    barrier, errors = threading.Barrier(len(ids)), []

    def record(pk):
        with app.app_context():
            donation = db.session.get(Donation, pk)
            clerk = user("clerk")
            barrier.wait()
            try:
                record_donation(donation, clerk)
                db.session.commit()
            except Exception as exc:  # noqa: BLE001  (any failure fails the test below)
                db.session.rollback()
                errors.append(repr(exc))

    threads = [threading.Thread(target=record, args=(pk,)) for pk in ids]
    [t.start() for t in threads]
    [t.join(60) for t in threads]
    assert errors == []
    with app.app_context():
        numbers = sorted(db.session.scalars(select(Donation.receipt_no)))
        year = today().year
        assert numbers == [f"JZ-{year}-{n:06d}" for n in range(1, 13)]
        assert db.session.get(Item, item_id).on_hand == 12 and stock_differences() == []
        assert all(re.fullmatch(r"JZ-\d{4}-\d{6}", n) for n in numbers)
