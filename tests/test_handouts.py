"""Hand-outs of goods to named people: one at a time, a campaign's packages in bulk, voids."""
from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError

from models import (
    Assistance,
    AuditLog,
    Handout,
    HandoutLine,
    Item,
    StockLot,
    StockMovement,
    Worker,
    db,
)
from models.base import DomainError, today
from models.handout_rules import hand_out, hand_out_packages, void_handout, void_package
from models.inventory_rules import stock_differences, stock_in
from portal.audit import log_created_since
from tests.conftest import postgres_only
from tests.factories import make_worker, user
from tests.factories_campaigns import make_campaign
from tests.factories_desk import make_person
from tests.factories_inventory import make_item


def books():
    """Everything a refused hand-out must leave as it was."""
    count = lambda model: db.session.scalar(select(func.count()).select_from(model))  # noqa: E731
    return (count(Handout), count(HandoutLine), count(StockMovement),
            tuple(db.session.execute(select(StockLot.id, StockLot.on_hand)
                                     .order_by(StockLot.id)).all()),
            tuple(db.session.execute(select(Item.id, Item.on_hand).order_by(Item.id)).all()))


def lot_stock(item) -> list[tuple[int, int]]:
    return list(db.session.execute(select(StockLot.id, StockLot.on_hand)
                                   .where(StockLot.item_id == item.id).order_by(StockLot.id)))


def test_hand_out_to_a_worker_takes_stock_first_expiring_first(ctx):
    coat = make_item("棉衣 XL", stock=3, category="bedding", unit="件",
                     expiry=dt.date(2099, 1, 1), lot_no="A")
    stock_in(coat, 4, "purchase_in", user("clerk"), "B", dt.date(2098, 1, 1))
    shoes = make_item("棉鞋 42", stock=2, category="bedding", unit="双")
    worker = make_worker(name="王秀兰")
    handout = hand_out([(coat, 5), (shoes, 1), (coat, 1)], user("clerk"), worker=worker,
                       note="冬衣发放")
    db.session.commit()
    assert handout.number == f"FF-{today().year}-000001"
    assert (handout.state, handout.worker_id, handout.person_id) == ("done", worker.id, None)
    assert [(line.item_id, line.quantity) for line in handout.lines] == [
        (coat.id, 6), (shoes.id, 1)]
    assert (coat.on_hand, shoes.on_hand) == (1, 1)
    # Lot B expires first: all 4 of it, then 2 of lot A.
    assert [n for _id, n in lot_stock(coat)] == [1, 0]
    movements = db.session.scalars(select(StockMovement).where(
        StockMovement.handout_id == handout.id).order_by(StockMovement.id)).all()
    assert {(m.reason, m.document) for m in movements} == {("handout_out", handout.number)}
    assert sum(m.quantity for m in movements if m.item_id == coat.id) == -6
    assert stock_differences() == []


def test_hand_out_to_a_desk_person(ctx):
    soap = make_item("洗衣皂", stock=5, category="daily", unit="块")
    person = make_person(name="刘春生")
    handout = hand_out([(soap, 2)], user("clerk"), person=person)
    db.session.commit()
    assert (handout.person_id, handout.worker_id, soap.on_hand) == (person.id, None, 3)
    assert handout.unit_id == person.unit_id


def test_a_stock_short_by_one_unit_hands_out_nothing(ctx):
    rice = make_item("大米 5kg", stock=10)
    oil = make_item("花生油 5L", stock=4, unit="桶")
    worker = make_worker()
    before = books()
    with pytest.raises(DomainError) as refused:
        hand_out([(rice, 2), (oil, 5)], user("clerk"), worker=worker)
    assert "花生油 5L" in str(refused.value)
    db.session.commit()
    assert books() == before


def test_expired_goods_are_not_handed_out(ctx):
    milk = make_item("纯牛奶", stock=5, expiry=dt.date(2000, 1, 1))
    with pytest.raises(DomainError):
        hand_out([(milk, 1)], user("clerk"), worker=make_worker())


@pytest.mark.parametrize("who", ["none", "both", "withdrawn", "staff", "bad quantity"])
def test_refusals(ctx, who):
    rice = make_item(stock=5)
    worker, person = make_worker(), make_person()
    args = {"none": {}, "both": {"worker": worker, "person": person},
            "withdrawn": {"worker": make_worker(status="removed")},
            "staff": {"worker": worker}, "bad quantity": {"worker": worker}}[who]
    clerk = user("staff" if who == "staff" else "clerk")
    lines = [(rice, 0 if who == "bad quantity" else 1)]
    before = books()
    with pytest.raises(DomainError):
        hand_out(lines, clerk, **args)
    assert books() == before


def test_the_database_refuses_a_hand_out_to_nobody_or_to_two(ctx):
    worker, person = make_worker(), make_person()
    for values in ({}, {"worker_id": worker.id, "person_id": person.id}):
        with pytest.raises(IntegrityError) as refused, db.session.begin_nested():
            db.session.execute(insert(Handout).values(
                number="FF-X", unit_id=worker.unit_id, state="done", note="",
                void_reason="", version=1, handed_out_at=dt.datetime(2026, 1, 1),
                **values))
        assert "one_recipient" in str(refused.value)


def test_void_puts_the_goods_back_once(ctx):
    coat = make_item("棉衣 L", stock=4, category="bedding", unit="件")
    handout = hand_out([(coat, 3)], user("clerk"), worker=make_worker())
    db.session.commit()
    with pytest.raises(DomainError):
        void_handout(handout, user("clerk"), "  ")
    with pytest.raises(DomainError):
        void_handout(handout, user("manager"), "发错了")
    void_handout(handout, user("clerk"), "发错了")
    db.session.commit()
    assert (handout.state, handout.void_reason, coat.on_hand) == ("voided", "发错了", 4)
    reversals = db.session.scalars(select(StockMovement).where(
        StockMovement.handout_id == handout.id, StockMovement.reason == "reversal")).all()
    assert [m.quantity for m in reversals] == [3]
    with pytest.raises(DomainError):
        void_handout(handout, user("clerk"), "再退一次")
    assert coat.on_hand == 4 and stock_differences() == []


# --- a campaign's packages -----------------------------------------------------------------
def grants_for(campaign, count: int) -> list[tuple[int, int, int]]:
    """Make ``count`` workers on file with a grant of ``campaign`` each, in bulk."""
    unit = user("admin").unit_id or make_worker(commit=True).unit_id
    first = db.session.scalar(select(func.coalesce(func.max(Worker.id), 0)))
    db.session.execute(insert(Worker), [
        {"name": f"职工{n}", "id_number": f"370105{n:012d}", "phone": f"135{n:08d}",
         "base_union": "第一机床厂工会", "employer": "第一机床厂", "category": "relative",
         "main_cause": "illness", "household_size": 3, "household_income": 30000,
         "essential_spending": 6000, "status": "active", "unit_id": unit}
        for n in range(count)])
    workers = db.session.scalars(select(Worker.id).where(Worker.id > first)
                                 .order_by(Worker.id)).all()
    db.session.execute(insert(Assistance), [
        {"worker_id": w, "kind": "festival", "year": 2026, "campaign": campaign.name,
         "campaign_id": campaign.id, "cash_amount": 0, "reason": "送温暖", "state": "paid",
         "applied_by_id": user("staff").id, "fund_id": campaign.fund_id, "unit_id": unit}
        for w in workers])
    rows = db.session.execute(select(Assistance.id, Assistance.worker_id, Assistance.unit_id)
                              .where(Assistance.campaign_id == campaign.id)
                              .order_by(Assistance.id)).all()
    return [tuple(row) for row in rows]


def test_packages_short_by_one_unit_hand_out_nothing_and_name_every_short_item(ctx):
    rice = make_item("大米 5kg", stock=20)
    oil = make_item("花生油 5L", stock=9, unit="桶")
    quilt = make_item("棉被", stock=100, unit="床")
    campaign = make_campaign(goods=[(rice, 2), (oil, 1), (quilt, 1)])
    grants = grants_for(campaign, 10)
    db.session.commit()
    before = books()
    with pytest.raises(DomainError) as refused:
        hand_out_packages(campaign, grants, user("manager"), audit=log_created_since)
    message = str(refused.value)
    assert "花生油 5L" in message and "10" in message and "9" in message
    assert "大米 5kg" not in message and "棉被" not in message
    db.session.rollback()
    assert books() == before


def test_empty_package_hands_out_nothing(ctx):
    campaign = make_campaign()
    assert hand_out_packages(campaign, grants_for(campaign, 3), user("manager")) == 0
    assert db.session.scalar(select(func.count()).select_from(Handout)) == 0


def test_bulk_fefo_across_lots_matches_one_by_one(ctx):
    """The bulk path leaves every lot, item and ledger row as one hand-out at a time would."""
    def stock_up():
        rice = make_item(stock=0)
        stock_in(rice, 7, "purchase_in", user("clerk"), "R1", dt.date(2099, 6, 1))
        stock_in(rice, 20, "purchase_in", user("clerk"), "R0", dt.date(2098, 6, 1))
        stock_in(rice, 5, "purchase_in", user("clerk"), "OLD", dt.date(2001, 1, 1))  # expired
        oil = make_item(stock=12, unit="桶")
        return rice, oil

    rice, oil = stock_up()
    bulk_rice, bulk_oil = stock_up()
    campaign = make_campaign(goods=[(bulk_rice, 3), (bulk_oil, 1)])
    grants = grants_for(campaign, 9)
    db.session.commit()
    for _assistance, worker_id, _unit in grants:
        hand_out([(rice, 3), (oil, 1)], user("clerk"), worker=db.session.get(Worker, worker_id))
    assert hand_out_packages(campaign, grants, user("manager"), audit=log_created_since) == 9
    db.session.commit()
    assert [n for _id, n in lot_stock(rice)] == [n for _id, n in lot_stock(bulk_rice)] == [
        0, 0, 5]  # R1 0 (7 taken), R0 0 (20 taken), the expired lot untouched
    assert (bulk_rice.on_hand, bulk_oil.on_hand) == (rice.on_hand, oil.on_hand) == (5, 3)

    def ledger(item):
        return [(m.quantity, m.stock_after, m.lot_after) for m in db.session.scalars(
            select(StockMovement).where(StockMovement.item_id == item.id,
                                        StockMovement.reason == "handout_out")
            .order_by(StockMovement.id))]
    assert ledger(bulk_rice) == ledger(rice) and ledger(bulk_oil) == ledger(oil)
    assert stock_differences() == []
    handouts = db.session.scalars(select(Handout).where(Handout.campaign_id == campaign.id)
                                  .order_by(Handout.id)).all()
    assert [(h.assistance_id, h.worker_id) for h in handouts] == [g[:2] for g in grants]
    assert all(h.number.startswith(f"FF-{today().year}-") for h in handouts)
    assert len({h.number for h in handouts}) == 9
    assert [[(line.item_id, line.quantity) for line in h.lines] for h in handouts] == [
        sorted([(bulk_rice.id, 3), (bulk_oil.id, 1)])] * 9
    # Each movement names its hand-out and carries its number.
    by_id = {h.id: h.number for h in handouts}
    for movement in db.session.scalars(select(StockMovement).where(
            StockMovement.item_id.in_([bulk_rice.id, bulk_oil.id]),
            StockMovement.reason == "handout_out")):
        assert by_id[movement.handout_id] == movement.document
    audited = db.session.execute(select(AuditLog.record_type, func.count())
                                 .where(AuditLog.action == "create",
                                        AuditLog.record_type.in_(
                                            ["handout", "handoutline", "stockmovement"]))
                                 .group_by(AuditLog.record_type)).all()
    assert dict(audited)["handout"] == 18 and dict(audited)["handoutline"] == 36
    # A grant's package is handed out once, and voided only with its payment.
    stock_in(bulk_rice, 3, "purchase_in", user("clerk"))
    with pytest.raises(IntegrityError), db.session.begin_nested():
        hand_out_packages(campaign, grants[:1], user("manager"))
    with pytest.raises(DomainError):
        void_handout(handouts[0], user("admin"), "发错了")
    assert void_package(grants[0][0], user("manager"), "支付冲正") is handouts[0]
    db.session.commit()
    assert handouts[0].state == "voided" and bulk_rice.on_hand == 11
    assert void_package(grants[0][0], user("manager"), "再冲正") is None
    assert stock_differences() == []


def test_packages_need_a_role_that_pays_or_hands_out(ctx):
    rice = make_item(stock=5)
    campaign = make_campaign(goods=[(rice, 1)])
    grants = grants_for(campaign, 2)
    with pytest.raises(DomainError):
        hand_out_packages(campaign, grants, user("staff"))


def test_packages_across_lot_boundaries_leave_every_count_right(ctx):
    """The bulk path at a size that crosses lot boundaries mid-item (its speed at 20,000
    grants is bench/campaign.py's figure, not a test's)."""
    items = [make_item(stock=0, unit="袋") for _ in range(3)]
    for item in items:
        stock_in(item, 250, "purchase_in", user("clerk"), "A", dt.date(2098, 1, 1))
        stock_in(item, 250, "purchase_in", user("clerk"), "B", dt.date(2099, 1, 1))
    campaign = make_campaign(goods=[(item, 1) for item in items])
    grants = grants_for(campaign, 400)
    db.session.commit()
    assert hand_out_packages(campaign, grants, user("manager"), audit=log_created_since) == 400
    db.session.commit()
    assert [item.on_hand for item in items] == [100] * 3
    assert stock_differences() == []
    logged = db.session.scalar(select(func.count()).select_from(AuditLog).where(
        AuditLog.record_type == "handout", AuditLog.action == "create"))
    assert logged == 400


@postgres_only
def test_two_hand_outs_race_for_the_last_unit(app):
    with app.app_context():
        coat = make_item("棉衣 M", stock=1, category="bedding", unit="件")
        workers = [make_worker().id, make_worker().id]
        item_id = coat.id
    outcomes, barrier = [], threading.Barrier(2)

    def take(worker_id):
        with app.app_context():
            barrier.wait()
            try:
                hand_out([(db.session.get(Item, item_id), 1)], user("clerk"),
                         worker=db.session.get(Worker, worker_id))
                db.session.commit()
                outcomes.append("done")
            except DomainError:
                db.session.rollback()
                outcomes.append("short")

    threads = [threading.Thread(target=take, args=(w,)) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["done", "short"]
    with app.app_context():
        assert db.session.get(Item, item_id).on_hand == 0
        assert db.session.scalar(select(func.count()).select_from(Handout)) == 1


def test_the_worker_timeline_lists_hand_outs(ctx):
    from models.unit_scope import ALL
    from models.worker_timeline import by_year, entries

    coat = make_item("棉衣 XL", stock=5, category="bedding", unit="件")
    shoes = make_item("棉鞋 42", stock=5, category="bedding", unit="双")
    worker = make_worker()
    handout = hand_out([(coat, 2), (shoes, 1)], user("clerk"), worker=worker)
    hand_out([(coat, 1)], user("clerk"), person=make_person())  # someone else's
    db.session.commit()
    found = [e for e in entries(worker, units=ALL) if e.kind == "handout"]
    assert len(found) == 1 and found[0].record_id == handout.id
    assert handout.number in found[0].title and "棉衣 XL×2件" in found[0].title
    assert "棉鞋 42×1双" in found[0].title and found[0].amount is None
    totals = {t.kind: t.count for t in by_year(found)[0].totals}
    assert totals == {"handout": 1}


def test_a_hand_out_movement_is_not_reversed_on_its_own(ctx):
    from models.inventory_rules import reverse_movement

    coat = make_item(stock=2)
    handout = hand_out([(coat, 1)], user("clerk"), worker=make_worker())
    movement = db.session.scalar(select(StockMovement).where(
        StockMovement.handout_id == handout.id))
    with pytest.raises(DomainError):
        reverse_movement(movement, user("clerk"), "退回")


@postgres_only
def test_a_campaign_batch_and_the_corner_race_for_the_last_units(app):
    """Exactly one of them gets the goods; the item's and lots' stock stay right."""
    with app.app_context():
        rice = make_item(stock=5)
        campaign = make_campaign(goods=[(rice, 1)])
        grants = grants_for(campaign, 5)
        walk_in = make_worker().id
        db.session.commit()
        item_id, campaign_id = rice.id, campaign.id
    outcomes, barrier = [], threading.Barrier(2)

    def batch():
        with app.app_context():
            barrier.wait()
            try:
                from models import Campaign
                hand_out_packages(db.session.get(Campaign, campaign_id), grants,
                                  user("manager"))
                db.session.commit()
                outcomes.append("batch")
            except DomainError:
                db.session.rollback()
                outcomes.append("batch short")

    def corner():
        with app.app_context():
            barrier.wait()
            try:
                hand_out([(db.session.get(Item, item_id), 1)], user("clerk"),
                         worker=db.session.get(Worker, walk_in))
                db.session.commit()
                outcomes.append("corner")
            except DomainError:
                db.session.rollback()
                outcomes.append("corner short")

    threads = [threading.Thread(target=batch), threading.Thread(target=corner)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) in (["batch", "corner short"], ["batch short", "corner"])
    with app.app_context():
        assert stock_differences() == []
        on_hand = db.session.get(Item, item_id).on_hand
        assert on_hand == (0 if "batch" in outcomes else 4)
