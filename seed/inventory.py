"""Demo goods, a van of donations, love cards and redemptions, all through the real rules."""
from __future__ import annotations

import contextlib
import datetime as dt
import random
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import func, select

from models import Donation, DonationLine, Fund, Item, LoveCard, Redemption, Worker, db
from models.base import CHINA, DomainError, freeze_now, today
from models.card_topup_rules import approve_top_up, request_top_up, topup_rate
from models.donation_rules import donation_fund, record_donation, void_donation
from models.inventory_rules import stock_in, stock_out
from models.ledger import post_entry
from models.lovecard_rules import cancel_card, issue_card, replace_lost_card
from models.redemption_rules import redeem, void_redemption
from models.stocktake_rules import confirm_stocktake, record_counts, start_stocktake

# (name, category, unit, points price, low-stock threshold)
ITEMS = (
    ("大米 5kg", "grain_oil", "袋", "25", 20), ("大米 10kg", "grain_oil", "袋", "48", 10),
    ("面粉 5kg", "grain_oil", "袋", "20", 15), ("花生油 5L", "grain_oil", "桶", "80", 10),
    ("大豆油 5L", "grain_oil", "桶", "60", 10), ("挂面 1kg", "food", "把", "6", 20),
    ("食盐 400g", "food", "袋", "2", 20), ("酱油 500ml", "food", "瓶", "8", 10),
    ("纯牛奶 250ml×12", "food", "箱", "45", 10), ("鸡蛋 30枚", "food", "盒", "25", 10),
    ("方便面 五连包", "food", "包", "12", 10), ("棉被 2kg", "bedding", "床", "120", 5),
    ("冬季棉服", "bedding", "件", "150", 5), ("毛毯", "bedding", "床", "80", 5),
    ("书包", "school", "个", "60", 10), ("文具套装", "school", "套", "25", 10),
    ("洗衣液 2kg", "daily", "桶", "25", 10), ("香皂 三块装", "daily", "盒", "10", 10),
    ("牙膏", "daily", "支", "8", 10), ("毛巾", "daily", "条", "10", 10),
    ("卫生纸 10卷", "daily", "提", "20", 10), ("电热水壶", "appliance", "个", "90", 3),
    ("电饭煲", "appliance", "台", "200", 3),
)
# (donor, kind, contact, days ago, money, designated use, [(item, quantity, value each,
#  days until expiry or None)])
DONATIONS = (
    ("山东鲁丰粮油有限公司", "organisation", "孙经理", 60, "0", "", [
        ("大米 5kg", 600, "25", 300), ("大米 10kg", 200, "48", 300), ("面粉 5kg", 300, "20", 200),
        ("花生油 5L", 250, "80", 400), ("大豆油 5L", 200, "60", 400), ("挂面 1kg", 400, "6", 20)]),
    ("济南暖心家纺有限公司", "organisation", "周女士", 45, "0", "冬季送温暖", [
        ("棉被 2kg", 150, "120", None), ("冬季棉服", 120, "150", None), ("毛毯", 120, "80", None)]),
    ("长清区爱心商户联合会", "organisation", "马会长", 30, "5000.00", "", [
        ("纯牛奶 250ml×12", 150, "45", 12), ("方便面 五连包", 300, "12", 150),
        ("洗衣液 2kg", 200, "25", None), ("卫生纸 10卷", 250, "20", None),
        ("香皂 三块装", 200, "10", None), ("牙膏", 250, "8", None), ("毛巾", 250, "10", None)]),
    ("张建华", "person", "", 20, "2000.00", "金秋助学", [
        ("书包", 200, "60", None), ("文具套装", 300, "25", None)]),
    ("李秀梅", "person", "", 10, "500.00", "", []),
    ("济南宏达电器商行", "organisation", "王老板", 5, "0", "", [
        ("电热水壶", 40, "90", None), ("电饭煲", 20, "200", None)]),
)


# Love cards were issued this many days ago; redemptions spread from then until today.
HISTORY_DAYS = 58


@contextlib.contextmanager
def days_ago(days: int, minutes: int = 90):
    """Write what the block records ``days`` days ago, ``minutes`` after 8:30 China time."""
    local = dt.datetime.combine(today() - dt.timedelta(days=days), dt.time(8, 30))
    moment = local + dt.timedelta(minutes=minutes) - CHINA
    freeze_now(min(moment, dt.datetime.now(dt.UTC).replace(tzinfo=None)))  # never ahead
    try:
        yield
    finally:
        freeze_now(None)


def _items() -> dict[str, Item]:
    items = {}
    for n, (name, category, unit, price, low) in enumerate(ITEMS, start=1):
        item = db.session.scalar(select(Item).where(Item.name == name))
        if item is None:
            item = Item(name=name, category=category, unit=unit, points_price=Decimal(price),
                        low_stock=low, barcode=f"6901234{n:06d}")
            db.session.add(item)
        items[name] = item
    db.session.flush()
    return items


def _donation(items, clerk, donor, kind, contact, days, money, use, lines) -> Donation:
    donation = Donation(
        donor_kind=kind, donor_name=donor, contact_person=contact,
        phone="0531-8" + str(7000000 + days * 131)[-7:], received_on=today() -
        dt.timedelta(days=days), money_amount=Decimal(money), designated_use=use,
        created_by_id=clerk.id, lines=[
            DonationLine(item=items[name], quantity=quantity, value=Decimal(each) * quantity,
                         lot_no=f"{today():%Y%m}{i:02d}" if expiry else "",
                         expiry=today() + dt.timedelta(days=expiry) if expiry else None)
            for i, (name, quantity, each, expiry) in enumerate(lines, start=1)])
    db.session.add(donation)
    db.session.flush()
    return donation


def _goods_and_donations(items, users) -> None:
    clerk = users["clerk"]
    for donor, kind, contact, days, money, use, lines in DONATIONS:
        donation = _donation(items, clerk, donor, kind, contact, days, money, use, lines)
        if Decimal(money) and donation_fund() is None:
            continue  # no donation fund yet: leave the money donation as a draft
        with days_ago(days):
            record_donation(donation, clerk)
    wrong = _donation(items, clerk, "济南鲁丰粮油有限公司", "organisation", "孙经理", 59, "0", "",
                      [("大米 5kg", 30, "25", 300)])
    with days_ago(59):
        record_donation(wrong, clerk)
        void_donation(wrong, clerk, "与上一笔重复登记")
    _donation(items, clerk, "天桥区志愿者协会", "organisation", "刘老师", 0, "0", "",
              [("鸡蛋 30枚", 40, "25", 25), ("酱油 500ml", 60, "8", 540)])  # still a draft
    # Bought goods, one lot of milk already past its date, eggs about to expire.
    stock_in(items["食盐 400g"], 200, "purchase_in", clerk, document="CG-2026-031",
             note="超市采购")
    stock_in(items["纯牛奶 250ml×12"], 12, "purchase_in", clerk, "M0901",
             today() - dt.timedelta(days=3), document="CG-2026-027", note="超市采购")
    stock_in(items["鸡蛋 30枚"], 120, "purchase_in", clerk, "E1101",
             today() + dt.timedelta(days=9), document="CG-2026-032", note="超市采购")
    stock_out(items["毛毯"], 2, "loss_out", clerk, note="受潮霉变，报损")
    stock_out(items["棉被 2kg"], 10, "handout_out", clerk, document="SWN-2026-01",
              note="春节送温暖入户发放")


def _cards(rnd: random.Random, users, count: int) -> list:
    clerk = users["clerk"]
    active = db.session.scalars(select(Worker.id).where(Worker.status == "active")
                                .order_by(Worker.id)).all()
    cards, opening, monthly = [], {}, []
    for worker_id in rnd.sample(active, min(len(active), count)):
        with days_ago(HISTORY_DAYS + 1):
            card = issue_card(db.session.get(Worker, worker_id), clerk)
        opening.setdefault(rnd.choice((100, 150, 200, 300)), []).append(card.id)
        if rnd.random() < 0.5:
            monthly.append(card.id)
        cards.append(card)
    # Points are money (issue 18): one batch per amount, paid from the donation fund and
    # approved by the manager where the batch is above the setting.
    with days_ago(HISTORY_DAYS + 1):
        for points, ids in sorted(opening.items()):
            _top_up(ids, points, "爱心积分发放（开卡）", users)
        if monthly:
            _top_up(monthly, 100, f"{today():%Y年%m月}爱心积分发放", users)
    return cards


def _top_up(card_ids: list[int], points: int, reason: str, users) -> None:
    """Top the cards up from the donation fund as one batch, set-wise."""
    fund = db.session.scalar(select(Fund).where(Fund.source == "donation",
                                                Fund.active.is_(True)).order_by(Fund.id))
    need = Decimal(points) * topup_rate() * len(card_ids)
    if fund is None or fund.balance < need:
        if fund is None:
            fund = Fund(name="社会爱心捐赠资金", source="donation")
            db.session.add(fund)
            db.session.flush()
        post_entry(fund.id, "allocation_in", need, users["admin"], document="积分拨付",
                   reason="爱心超市积分资金")
    batch = request_top_up(fund, select(LoveCard.id).where(LoveCard.id.in_(card_ids)),
                           points, users["clerk"], reason)
    if batch.state == "pending":
        approve_top_up(batch, users["manager"])


def _redemptions(rnd: random.Random, users, items, cards) -> int:
    """Redeem at the counter over the past two months, oldest first; a few today."""
    clerk, made = users["clerk"], 0
    offer = [i for i in items.values() if i.points_price <= 90]
    baskets = []
    for card in cards:
        for _round in range(rnd.choice((0, 1, 1, 2))):
            basket = rnd.sample(offer, rnd.choice((1, 2, 2, 3)))
            baskets.append((card, [(item.id, rnd.choice((1, 1, 2))) for item in basket]))
    moments = sorted(((0 if rnd.random() < 0.15 else rnd.randint(1, HISTORY_DAYS),
                       rnd.randint(0, 8 * 60)) for _ in baskets),
                     key=lambda moment: (-moment[0], moment[1]))
    for (card, lines), (day, minutes) in zip(baskets, moments, strict=True):
        try:
            with days_ago(day, minutes):
                redeem(card, lines, clerk)
            made += 1
        except DomainError:
            continue  # too few points or goods left: the next person
    return made


def load(rnd: random.Random, users: dict, cards: int = 540) -> dict[str, int]:
    """Add goods, donations, stock, ``cards`` love cards and redemptions; return what was
    made."""
    items = _items()
    _goods_and_donations(items, users)
    cards = _cards(rnd, users, cards)
    redemptions = _redemptions(rnd, users, items, cards)
    clerk = users["clerk"]
    if len(cards) >= 3:
        replace_lost_card(cards[0], clerk, "在公交车上丢失")
        cancel_card(cards[1], clerk, "已脱困，注销爱心卡")
    done = db.session.scalars(select(Redemption).where(Redemption.state == "done")
                              .order_by(Redemption.id.desc()).limit(1)).first()
    if done is not None:
        void_redemption(done, clerk, "职工当场退回，物品完好")
    stocktake = start_stocktake(clerk, "grain_oil", "季度盘点")
    counts = {line.id: line.book - (1 if n == 0 else 0) for n, line in
              enumerate(stocktake.lines)}
    record_counts(stocktake, counts, clerk)
    confirm_stocktake(stocktake, users["manager"])
    db.session.flush()
    donations = db.session.scalar(select(func.count()).select_from(Donation))
    return {_("Donations"): donations, _("Love cards"): len(cards),
            _("Redemptions"): redemptions}

