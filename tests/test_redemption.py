"""Redeeming points for goods: together or not at all, refusals in Chinese, voids, races."""
from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from models import CardEntry, LoveCard, Redemption, StockLot, StockMovement, Worker, db
from models.base import DomainError, today
from models.inventory_rules import stock_differences
from models.ledger import ledger_differences
from models.lovecard_rules import card_differences, replace_lost_card
from models.redemption_rules import redeem, void_redemption
from tests.conftest import Auth, flashes, postgres_only
from tests.factories import user
from tests.factories_inventory import make_card, make_item


def books():
    """Return everything a refused redemption must leave as it was."""
    count = lambda model: db.session.scalar(select(func.count()).select_from(model))  # noqa: E731
    return (count(Redemption), count(StockMovement), count(CardEntry),
            tuple(db.session.scalars(select(LoveCard.balance).order_by(LoveCard.id))),
            tuple(db.session.execute(select(StockLot.id, StockLot.on_hand)).all()))


def test_points_and_stock_move_together(ctx):
    """Two items: stock goes out of each, the total comes off the card, all in the ledgers."""
    rice = make_item("大米 5kg", stock=5, price="25.00")
    oil = make_item("花生油 5L", stock=3, price="80.00")
    card = make_card("200.00")
    redemption = redeem(card, [(rice.id, 2), (oil.id, 1)], user("clerk"))
    db.session.commit()
    assert redemption.number == f"DH-{today().year}-000001"
    assert redemption.points == Decimal("130.00") and redemption.state == "done"
    assert (rice.on_hand, oil.on_hand, card.balance) == (3, 2, Decimal("70.00"))
    movements = db.session.scalars(select(StockMovement).where(
        StockMovement.redemption_id == redemption.id).order_by(StockMovement.item_id)).all()
    assert [(m.item_id, m.quantity, m.stock_after, m.document) for m in movements] == [
        (rice.id, -2, 3, redemption.number), (oil.id, -1, 2, redemption.number)]
    entry = db.session.scalar(select(CardEntry).where(CardEntry.redemption_id == redemption.id))
    assert (entry.kind, entry.points, entry.balance_after) == (
        "redemption", Decimal("-130.00"), Decimal("70.00"))
    assert [(line.quantity, line.points) for line in redemption.lines] == [
        (2, Decimal("50.00")), (1, Decimal("80.00"))]
    assert stock_differences() == [] and card_differences() == []


def _inactive(card):
    card.status = "cancelled"
    db.session.commit()


def _lost(card):
    replace_lost_card(card, user("clerk"), "丢失")
    db.session.commit()


def _expired(card):
    card.valid_until = today() - dt.timedelta(days=1)
    db.session.commit()


def _exited(card):
    worker = db.session.get(Worker, card.worker_id)
    worker.status, worker.exit_date, worker.exit_reason = "exited", today(), "再就业"
    db.session.commit()


@pytest.mark.parametrize("case,setup,quantity,message", [
    ("more than stock", None, 6, "大米 5kg 库存只有 5 袋，需要 6"),
    ("more than points", None, 9, "余额 200.00 积分，不足 225.00 积分"),
    ("cancelled card", _inactive, 1, "状态为“已注销”，只有有效的卡才能使用"),
    ("lost card", _lost, 1, "状态为“已挂失（已补卡）”"),
    ("expired card", _expired, 1, "已于 .* 到期，请先延长有效期"),
    ("worker not on file", _exited, 1, "不在档（档案状态：已脱困），爱心卡只服务在档困难职工"),
])
def test_refusals_change_nothing(ctx, case, setup, quantity, message):
    """Each refusal is a clear Chinese message; no stock, points or rows move."""
    rice = make_item("大米 5kg", stock=5 if case == "more than stock" else 10, price="25.00")
    card = make_card("200.00")
    if setup:
        setup(card)
    before = books()
    with pytest.raises(DomainError, match=message):
        redeem(card, [(rice.id, quantity)], user("clerk"))
    db.session.rollback()
    assert books() == before


def test_second_item_short_undoes_the_first(ctx):
    """The first line's stock and the points come back when a later line fails."""
    rice = make_item("大米 5kg", stock=5)
    oil = make_item("花生油 5L", stock=1)
    card = make_card("500")
    before = books()
    with pytest.raises(DomainError, match="花生油 5L 库存只有 1 袋，需要 2"):
        redeem(card, [(rice.id, 1), (oil.id, 2)], user("clerk"))
    db.session.commit()  # the savepoint was rolled back; committing keeps nothing
    assert books() == before


def test_expired_lots_are_not_redeemed(ctx):
    """Goods past their date stay on the shelf list for a write-off, not the counter."""
    milk = make_item("纯牛奶", stock=2, expiry=today() - dt.timedelta(days=1), lot_no="M1")
    card = make_card("100")
    with pytest.raises(DomainError, match="在有效期内的只有 0 袋"):
        redeem(card, [(milk.id, 1)], user("clerk"))
    db.session.rollback()
    from models.inventory_rules import stock_in
    stock_in(milk, 3, "purchase_in", user("clerk"), "M2", today() + dt.timedelta(days=5))
    redemption = redeem(card, [(milk.id, 2)], user("clerk"))
    db.session.commit()
    lots = {lot.lot_no: lot.on_hand for lot in milk.lots}
    assert lots == {"M1": 2, "M2": 1} and redemption.points == Decimal("20.00")


def test_changed_price_and_double_submit_are_refused(ctx):
    """The counter's total must still be the price; one form token redeems once."""
    rice = make_item("大米 5kg", stock=5, price="25.00")
    card = make_card("200")
    with pytest.raises(DomainError, match="现合计 50.00 积分"):
        redeem(card, [(rice.id, 2)], user("clerk"), expected_total="40.00")
    db.session.rollback()
    redeem(card, [(rice.id, 2)], user("clerk"), expected_total="50.00", token="t-1")
    db.session.commit()
    with pytest.raises(DomainError, match="已经记录"):
        redeem(card, [(rice.id, 2)], user("clerk"), token="t-1")
    db.session.rollback()
    assert rice.on_hand == 3 and card.balance == Decimal("150.00")


def test_void_puts_goods_back_in_their_lot_and_points_on_the_card(ctx):
    """A void reverses every movement into the lot it came from and refunds the points."""
    rice = make_item("大米 5kg", stock=4, price="25", lot_no="A", expiry=today() +
                     dt.timedelta(days=10))
    from models.inventory_rules import stock_in
    stock_in(rice, 4, "purchase_in", user("clerk"), "B", today() + dt.timedelta(days=90))
    card = make_card("300")
    redemption = redeem(card, [(rice.id, 6)], user("clerk"))
    db.session.commit()
    assert {lot.lot_no: lot.on_hand for lot in rice.lots} == {"A": 0, "B": 2}
    void_redemption(redemption, user("clerk"), "职工当场退回")
    db.session.commit()
    assert {lot.lot_no: lot.on_hand for lot in rice.lots} == {"A": 4, "B": 4}
    assert (rice.on_hand, card.balance, redemption.state) == (8, Decimal("300.00"), "voided")
    reversals = db.session.scalars(select(StockMovement).where(
        StockMovement.reason == "reversal")).all()
    assert sorted(m.quantity for m in reversals) == [2, 4]
    assert all(m.reverses_id and m.redemption_id == redemption.id for m in reversals)
    with pytest.raises(DomainError, match="已作废"):
        void_redemption(redemption, user("clerk"), "再次作废")
    db.session.rollback()
    assert stock_differences() == [] and card_differences() == []


def test_void_after_the_card_was_replaced_refunds_the_new_card(ctx):
    rice = make_item(stock=4, price="25")
    card = make_card("100")
    redemption = redeem(card, [(rice.id, 2)], user("clerk"))
    db.session.commit()
    new = replace_lost_card(card, user("clerk"), "丢失")
    db.session.commit()
    void_redemption(redemption, user("clerk"), "退回")
    db.session.commit()
    assert (card.balance, new.balance) == (Decimal("0.00"), Decimal("100.00"))


def _redeem_in_threads(app, posts):
    """Post each ``(card id, item id)`` redemption to the counter at the same moment."""
    clients = []
    for card_id, item_id in posts:
        client = app.test_client()
        auth = Auth(client)
        auth.login("clerk")
        clients.append((client, auth.token("/admin/counter/"), card_id, item_id))
    barrier, codes = threading.Barrier(len(clients)), []

    def post(client, token, card_id, item_id):
        barrier.wait()
        response = client.post("/admin/counter/redeem/", data={
            "csrf_token": token, "card_id": card_id, "item_id": item_id, "quantity": 1})
        codes.append((response.status_code, flashes(response.get_data(as_text=True))))

    threads = [threading.Thread(target=post, args=c) for c in clients]
    [t.start() for t in threads]
    [t.join(60) for t in threads]
    return codes


def _agree(app, runner, item_id):
    with app.app_context():
        assert stock_differences() == [] and card_differences() == []
        assert ledger_differences() == []
        on_hand = db.session.scalar(select(StockLot.on_hand).where(StockLot.item_id == item_id))
        moved = db.session.scalar(select(func.sum(StockMovement.quantity))
                                  .where(StockMovement.item_id == item_id))
        done = db.session.scalar(select(func.count()).select_from(Redemption))
    result = runner.invoke(args=["verify"])
    assert result.exit_code == 0, result.output
    return on_hand, moved, done


@postgres_only
def test_twenty_counters_race_for_five_units(app, runner):
    """20 cards, one request each, 5 units left: exactly 5 redeem, nobody oversells."""
    with app.app_context():
        item_id = make_item("电饭煲", stock=5, price="20.00").id
        cards = [make_card("50.00").id for _ in range(20)]
    codes = _redeem_in_threads(app, [(c, item_id) for c in cards])
    assert sorted(code for code, _ in codes) == [200] * 15 + [302] * 5
    assert all("电饭煲 库存只有 0 袋" in text for code, text in codes if code == 200), codes
    assert _agree(app, runner, item_id) == (0, 0, 5)
    with app.app_context():
        balances = sorted(db.session.scalars(select(LoveCard.balance)))
        assert balances == [Decimal("30.00")] * 5 + [Decimal("50.00")] * 15


@postgres_only
def test_twenty_counters_race_for_one_cards_points(app, runner):
    """One card with points for 5, 20 requests at once: exactly 5 redeem."""
    with app.app_context():
        item_id = make_item("挂面", stock=50, price="10.00").id
        card_id = make_card("50.00").id
    codes = _redeem_in_threads(app, [(card_id, item_id)] * 20)
    assert sorted(code for code, _ in codes) == [200] * 15 + [302] * 5
    assert all("余额 0.00 积分，不足 10.00 积分" in text for code, text in codes
               if code == 200), codes
    assert _agree(app, runner, item_id) == (45, 45, 5)
    with app.app_context():
        assert db.session.get(LoveCard, card_id).balance == Decimal("0.00")


def test_void_is_offered_only_on_redemptions_that_stand(app, client, auth):
    """The list's 作废 button shows on a standing redemption, not on a voided one."""
    with app.app_context():
        card = make_card("300")
        rice = make_item("大米 5kg", stock=4, price="25")
        standing = redeem(card, [(rice.id, 1)], user("clerk"))
        voided = redeem(card, [(rice.id, 1)], user("clerk"))
        void_redemption(voided, user("clerk"), "职工当场退回")
        db.session.commit()
        standing_id, voided_id = standing.id, voided.id
    auth.login("clerk")
    page = client.get("/admin/redemption/").get_data(as_text=True)
    assert f"/admin/redemption/void/?id={standing_id}" in page
    assert f"/admin/redemption/void/?id={voided_id}" not in page
