"""Goods and the stock ledger: never below zero, append-only, lists, stocktakes, verify."""
from __future__ import annotations

import datetime as dt
import re
import threading
import time

import pytest
from sqlalchemy import func, select, text, update
from sqlalchemy.exc import IntegrityError

from models import AuditLog, CardEntry, Item, StockLot, StockMovement, Stocktake, db
from models.base import DomainError, today
from models.inventory_rules import stock_differences, stock_in, stock_out
from models.stocktake_rules import confirm_stocktake, record_counts, start_stocktake
from tests.conftest import flashes, postgres_only
from tests.factories import user
from tests.factories_inventory import make_card, make_item


@pytest.mark.parametrize("model", [Item, StockLot])
def test_stock_check_constraint(ctx, model):
    """Even a direct UPDATE cannot make an item's or a lot's stock negative."""
    make_item(stock=2)
    with pytest.raises(IntegrityError, match="on_hand_not_negative"):
        db.session.execute(update(model).values(on_hand=-1))
        db.session.flush()
    db.session.rollback()


@pytest.mark.parametrize("model,table", [(StockMovement, "stock_movement"),
                                         (CardEntry, "card_entry")])
def test_ledger_rows_are_append_only(ctx, model, table):
    """The ORM and the database both refuse to edit or delete stock and points rows."""
    make_item(stock=2)
    make_card("10")
    row = db.session.scalars(select(model)).first()
    row.document = "改过"
    with pytest.raises(DomainError):
        db.session.flush()
    db.session.rollback()
    db.session.delete(db.session.scalars(select(model)).first())
    with pytest.raises(DomainError):
        db.session.flush()
    db.session.rollback()
    for statement in (f"UPDATE {table} SET document = 'x'", f"DELETE FROM {table}"):
        with pytest.raises(Exception, match="append-only"):
            db.session.execute(text(statement))
        db.session.rollback()


def test_out_takes_the_earliest_expiry_first(ctx):
    """FEFO: the lot expiring first goes first; lots without a date go last; expired stay."""
    soap = make_item("香皂")
    clerk = user("clerk")
    stock_in(soap, 3, "purchase_in", clerk, "none")
    stock_in(soap, 2, "purchase_in", clerk, "late", today() + dt.timedelta(days=90))
    stock_in(soap, 2, "purchase_in", clerk, "soon", today() + dt.timedelta(days=5))
    stock_in(soap, 4, "purchase_in", clerk, "old", today() - dt.timedelta(days=1))
    rows = stock_out(soap, 5, "handout_out", clerk, note="入户发放")
    db.session.commit()
    assert [(r.lot.lot_no, r.quantity, r.stock_after) for r in rows] == [
        ("soon", -2, 9), ("late", -2, 7), ("none", -1, 6)]
    with pytest.raises(DomainError, match="在有效期内的只有 2 袋"):
        stock_out(soap, 3, "handout_out", clerk, note="发放")
    db.session.rollback()
    rows = stock_out(soap, 6, "loss_out", clerk, note="过期报损", expired_too=True)
    db.session.commit()
    assert [r.lot.lot_no for r in rows] == ["old", "none"]
    assert soap.on_hand == 0 and stock_differences() == []


def movement_form(token, item_id, **fields):
    return {"csrf_token": token, "item": item_id, "reason": "purchase_in", "quantity": "10",
            "lot_no": "", "expiry": "", "document": "", "note": "", **fields}


def test_clerk_posts_purchase_handout_and_write_off(app, client, auth):
    with app.app_context():
        item_id = make_item("纯牛奶").id
    auth.login("clerk")
    token = auth.token()
    response = client.post("/admin/stockmovement/new/", data=movement_form(
        token, item_id, lot_no="M1", expiry="2026-12-20", document="CG-1"))
    assert response.status_code == 302, flashes(response.get_data(as_text=True))
    page = client.post("/admin/stockmovement/new/", data=movement_form(
        token, item_id, reason="handout_out", quantity="3"), follow_redirects=True)
    assert "出库请填写事由" in flashes(page.get_data(as_text=True))
    page = client.post("/admin/stockmovement/new/", data=movement_form(
        token, item_id, reason="handout_out", quantity="11", note="发放"), follow_redirects=True)
    assert "纯牛奶 库存只有 10 袋，需要 11" in flashes(page.get_data(as_text=True))
    client.post("/admin/stockmovement/new/", data=movement_form(
        token, item_id, reason="handout_out", quantity="4", note="送温暖入户"))
    with app.app_context():
        lot_id = db.session.scalar(select(StockLot.id))
    form = client.get(f"/admin/stockmovement/new/?lot={lot_id}").get_data(as_text=True)
    assert '<option selected value="loss_out">' in form and 'value="M1"' in form
    client.post("/admin/stockmovement/new/", data=movement_form(
        token, item_id, reason="loss_out", quantity="6", lot_no="M1", expiry="2026-12-20",
        note="包装破损"))
    with app.app_context():
        rows = db.session.execute(select(StockMovement.reason, StockMovement.quantity,
                                         StockMovement.stock_after)
                                  .order_by(StockMovement.id)).all()
        assert [tuple(r) for r in rows] == [("purchase_in", 10, 10), ("handout_out", -4, 6),
                                            ("loss_out", -6, 0)]
        assert db.session.get(Item, item_id).on_hand == 0


def test_reversal_adds_a_row_and_is_refused_where_a_document_owns_the_row(app, client, auth):
    from tests.factories_inventory import make_donation
    with app.app_context():
        item = make_item(stock=5)
        purchase = db.session.scalar(select(StockMovement.id))
        make_donation([(item, 2, "10")])
        donated = db.session.scalar(select(StockMovement.id).where(
            StockMovement.reason == "donation_in"))
        item_id = item.id
    auth.login("clerk")
    page = client.post(f"/admin/stockmovement/reverse/?id={purchase}", data={
        "csrf_token": auth.token(), "note": "数量录错"}, follow_redirects=True)
    assert "已冲正" in flashes(page.get_data(as_text=True))
    page = client.post(f"/admin/stockmovement/reverse/?id={purchase}", data={
        "csrf_token": auth.token(), "note": "再冲一次"}, follow_redirects=True)
    assert "已被冲正" in flashes(page.get_data(as_text=True))
    page = client.post(f"/admin/stockmovement/reverse/?id={donated}", data={
        "csrf_token": auth.token(), "note": "录错"}, follow_redirects=True)
    assert "作废捐赠" in flashes(page.get_data(as_text=True))
    with app.app_context():
        reversal = db.session.scalar(select(StockMovement).where(
            StockMovement.reason == "reversal"))
        assert (reversal.quantity, reversal.reverses_id, reversal.note) == (-5, purchase,
                                                                            "数量录错")
        assert db.session.get(Item, item_id).on_hand == 2
    auth.logout()
    auth.login("manager")
    assert client.get(f"/admin/stockmovement/reverse/?id={purchase}").status_code == 403


def _links(page: str) -> dict[str, str]:
    nav = re.search(r'class="mb-2 clerk-lists".*?</nav>', page, re.S).group(0)
    return {label: href.replace("&amp;", "&") for href, label in
            re.findall(r'href="([^"]+)">([^<]+)</a>', nav)}


def test_the_clerks_lists(app, client, auth):
    """Low stock, expired, expiring within 30 days and today's movements, one click each."""
    with app.app_context():
        make_item("低库存大米", stock=2, low_stock=3)
        make_item("充足面粉", stock=50, low_stock=3)
        make_item("过期牛奶", stock=4, lot_no="OLD", expiry=today() - dt.timedelta(days=2))
        make_item("临期鸡蛋", stock=4, lot_no="SOON", expiry=today() + dt.timedelta(days=20))
        make_item("远期食用油", stock=4, lot_no="LATE", expiry=today() + dt.timedelta(days=200))
    auth.login("clerk")
    links = _links(client.get("/admin/counter/").get_data(as_text=True))
    assert set(links) == {"低库存", "已过期", "30 天内到期", "今日出入库"}

    def names(url):
        page = client.get(url).get_data(as_text=True)
        rows = page.split('class="table table-striped')[1].split("</thead>")[1].split("</table>")[0]
        return set(re.findall(r"(低库存大米|充足面粉|过期牛奶|临期鸡蛋|远期食用油)", rows))

    assert names(links["低库存"]) == {"低库存大米"}
    assert names(links["已过期"]) == {"过期牛奶"}
    assert names(links["30 天内到期"]) == {"临期鸡蛋"}
    assert names(links["今日出入库"]) == {"低库存大米", "充足面粉", "过期牛奶", "临期鸡蛋",
                                        "远期食用油"}


def test_stocktake_posts_adjustments_and_the_audit_log_keeps_who(app, client, auth):
    """Clerk counts, manager confirms: differences become adjustments; both are logged."""
    with app.app_context():
        rice = make_item("大米", stock=10)
        oil = make_item("花生油", stock=4)
        salt = make_item("食盐", stock=7)
        ids = rice.id, oil.id, salt.id
    auth.login("clerk")
    response = client.post("/admin/stocktake/new/", data={"csrf_token": auth.token(),
                                                          "category": "", "note": "月末盘点"})
    assert response.status_code == 302, flashes(response.get_data(as_text=True))
    with app.app_context():
        stocktake = db.session.scalar(select(Stocktake))
        lines = {line.item_id: line.id for line in stocktake.lines}
        pk = stocktake.id
    sheet = client.get(f"/admin/stocktake/edit/?id={pk}").get_data(as_text=True)
    assert 'id="count-sheet"' in sheet and f"counted-{lines[ids[0]]}" in sheet
    page = client.post(f"/admin/stocktake/edit/?id={pk}", data={
        "csrf_token": auth.token(), "step": "confirm", f"counted-{lines[ids[0]]}": "8",
        f"counted-{lines[ids[1]]}": "5"}, follow_redirects=True)
    assert "还有 1 项未盘点：食盐" in flashes(page.get_data(as_text=True))
    with app.app_context():
        stock_out(db.session.get(Item, ids[2]), 1, "handout_out", user("clerk"), note="发放")
        db.session.commit()  # moved after the count started, before it was entered
    client.post(f"/admin/stocktake/edit/?id={pk}", data={
        "csrf_token": auth.token(), "step": "save", f"counted-{lines[ids[2]]}": "6"})
    auth.logout()
    auth.login("manager")  # managers read the sheet; they do not count or confirm
    assert 'id="count-sheet"' in client.get(f"/admin/stocktake/sheet/?id={pk}").get_data(
        as_text=True)
    page = client.post(f"/admin/stocktake/sheet/?id={pk}", data={
        "csrf_token": auth.token(), "step": "confirm"})
    assert page.status_code == 403
    auth.logout()
    auth.login("admin")
    page = client.post(f"/admin/stocktake/edit/?id={pk}", data={
        "csrf_token": auth.token(), "step": "confirm"}, follow_redirects=True)
    assert "生成 2 笔盘点调整" in flashes(page.get_data(as_text=True))
    with app.app_context():
        assert [db.session.get(Item, i).on_hand for i in ids] == [8, 5, 6]
        rows = db.session.execute(select(StockMovement.item_id, StockMovement.quantity).where(
            StockMovement.reason == "stocktake").order_by(StockMovement.item_id)).all()
        assert [tuple(r) for r in rows] == [(ids[0], -2), (ids[1], 1)]
        audit = db.session.execute(select(AuditLog.username, AuditLog.record_type,
                                          AuditLog.changes).order_by(AuditLog.id)).all()
        counted = [(u, c["counted"][1]) for u, t, c in audit
                   if t == "stocktakeline" and "counted" in c]
        assert sorted(counted) == [("clerk", 5), ("clerk", 6), ("clerk", 8)]
        confirmed = [(u, c) for u, t, c in audit if t == "stocktake" and "state" in (c or {})]
        assert confirmed and confirmed[-1][0] == "admin"
        assert confirmed[-1][1]["state"] == ["open", "confirmed"]
        assert stock_differences() == []


def test_only_one_open_stocktake_and_confirmed_ones_stay(ctx):
    make_item(stock=3)
    stocktake = start_stocktake(user("clerk"))
    with pytest.raises(DomainError, match="还有一张盘点单正在盘点"):
        start_stocktake(user("clerk"))
    record_counts(stocktake, {line.id: line.book for line in stocktake.lines}, user("clerk"))
    assert confirm_stocktake(stocktake, user("clerk")) == 0
    db.session.commit()
    with pytest.raises(DomainError, match="已确认"):
        record_counts(stocktake, {stocktake.lines[0].id: 1}, user("clerk"))


def test_verify_reports_tampered_stock_and_points(app, runner):
    """`portal verify` also recomputes items, lots and cards from their ledgers."""
    with app.app_context():
        item = make_item("被改的大米", stock=5)
        card = make_card("30")
        assert runner.invoke(args=["verify"]).exit_code == 0
        db.session.execute(update(Item).where(Item.id == item.id).values(on_hand=9))
        db.session.execute(text("UPDATE love_card SET balance = 99 WHERE id = :id"),
                           {"id": card.id})
        db.session.commit()
        card_no = card.card_no
    result = runner.invoke(args=["verify"])
    assert result.exit_code == 1
    assert "物品 被改的大米：显示 9，台账合计 5" in result.output
    assert f"爱心卡 {card_no}：显示 99.00，台账合计 30.00" in result.output


@postgres_only
def test_twenty_handouts_race_for_five_units(app):
    """Without any document number to queue on, the guarded UPDATE alone lets 5 out of 20."""
    with app.app_context():
        item_id = make_item("棉被", stock=5).id
    barrier, outcomes = threading.Barrier(20), []

    def hand_out():
        barrier.wait()  # then each takes a pooled connection (15 at most) and races
        with app.app_context():
            try:
                stock_out(db.session.get(Item, item_id), 1, "handout_out", user("clerk"),
                          note="入户发放")
                db.session.commit()
                outcomes.append("out")
            except DomainError:
                db.session.rollback()
                outcomes.append("refused")

    threads = [threading.Thread(target=hand_out) for _ in range(20)]
    [t.start() for t in threads]
    [t.join(60) for t in threads]
    assert sorted(outcomes) == ["out"] * 5 + ["refused"] * 15
    with app.app_context():
        assert db.session.get(Item, item_id).on_hand == 0
        assert db.session.scalar(select(func.sum(StockMovement.quantity))) == 0
        assert stock_differences() == []


@postgres_only
def test_a_lot_emptied_while_waiting_for_the_item_is_not_taken_from(app):
    """One statement takes the item and its first lot (PostgreSQL). A second clerk whose
    statement waited for the item's row while the first emptied that lot still saw it full
    (its snapshot): the lot's guard, checked on the row as committed, refuses it, and the
    units come from the next lot; stock and ledger agree."""
    with app.app_context():
        soap = make_item("肥皂", stock=2, lot_no="A1", expiry=today() + dt.timedelta(days=10))
        stock_in(soap, 5, "purchase_in", user("clerk"), lot_no="B2",
                 expiry=today() + dt.timedelta(days=20))
        db.session.commit()
        item_id, second = soap.id, {}

    def second_clerk():
        with app.app_context():
            rows = stock_out(db.session.get(Item, item_id), 2, "handout_out", user("clerk"),
                             note="发放")
            db.session.commit()
            second["lots"] = [(db.session.get(StockLot, row.lot_id).lot_no, row.quantity)
                              for row in rows]

    with app.app_context():
        stock_out(db.session.get(Item, item_id), 2, "handout_out", user("clerk"), note="发放")
        thread = threading.Thread(target=second_clerk)
        thread.start()
        for _ in range(100):  # until the second clerk's statement waits for the item's row
            waiting = db.session.scalar(text(  # a lock on this transaction, not granted
                "SELECT count(*) FROM pg_locks WHERE NOT granted AND locktype = "
                "'transactionid' AND transactionid = xid(pg_current_xact_id_if_assigned())"))
            if waiting:
                break
            time.sleep(0.05)
        db.session.commit()  # the first lot is empty now
    thread.join(30)
    assert waiting and second["lots"] == [("B2", -2)]
    with app.app_context():
        lots = dict(db.session.execute(select(StockLot.lot_no, StockLot.on_hand).where(
            StockLot.item_id == item_id)).all())
        assert lots == {"A1": 0, "B2": 3} and stock_differences() == []
