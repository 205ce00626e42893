"""Factories for goods, donations, love cards and redemptions, built through the rules."""
from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

from sqlalchemy import select

from models import Donation, DonationLine, Item, LoveCard, StockMovement, Worker, db
from models.base import today
from models.card_topup import CardTopUp
from models.card_topup_rules import approve_top_up
from models.donation_rules import record_donation
from models.funds import Fund
from models.idnumber import make_id_number
from models.inventory_rules import stock_in
from models.lovecard_rules import issue_card, top_up
from models.redemption_rules import redeem
from tests.factories import make_fund, user

_sequence = itertools.count(1)
_people = itertools.count(1)


def make_holder(**overrides) -> Worker:
    """Create a worker on file to hold a card (like ``make_worker``, own ID series)."""
    n = next(_people)
    values = dict(name="张建国", id_number=make_id_number(
        "370105", dt.date(1978, 1, 1) + dt.timedelta(days=n // 1000), n % 1000),
        phone=f"136{n:08d}", base_union="第一机床厂工会", employer="第一机床厂",
        category="relative", main_cause="illness", household_size=3,
        household_income=Decimal("30000"), essential_spending=Decimal("6000"), status="active")
    values.update(overrides)
    worker = Worker(**values)
    db.session.add(worker)
    db.session.commit()
    return worker


def make_item(name: str | None = None, stock: int = 0, price: str = "10.00",
              expiry: dt.date | None = None, lot_no: str = "", commit: bool = True,
              **overrides) -> Item:
    """Create an item on offer, with ``stock`` units put in by a purchase."""
    n = next(_sequence)
    values = dict(name=name or f"大米 5kg 第{n}号", category="grain_oil", unit="袋",
                  barcode=f"69{n:011d}", points_price=Decimal(price), low_stock=3)
    values.update(overrides)
    item = Item(**values)
    db.session.add(item)
    db.session.flush()
    if stock:
        stock_in(item, stock, "purchase_in", user("clerk"), lot_no, expiry,
                 document=f"CG-{n}", note="采购")
    if commit:
        db.session.commit()
    return item


def donation_fund(balance: str = "0"):
    """Return a fund of public donations."""
    return make_fund(name=f"社会爱心捐赠资金{next(_sequence)}", source="donation",
                     balance=balance)


def make_donation(lines: list[tuple[Item, int, str]] = (), money: str = "0",
                  record: bool = True, commit: bool = True, **overrides) -> Donation:
    """Create a donation of goods ``(item, quantity, value)`` and money; record it."""
    values = dict(donor_kind="organisation", donor_name="济南爱心超市有限公司",
                  contact_person="王经理", phone="0531-88886666",
                  received_on=today(), money_amount=Decimal(money))
    values.update(overrides)
    donation = Donation(**values, created_by_id=user("clerk").id,
                        lines=[DonationLine(item=i, quantity=q, value=Decimal(v))
                               for i, q, v in lines])
    db.session.add(donation)
    db.session.flush()
    if record:
        record_donation(donation, user("clerk"))
    if commit:
        db.session.commit()
    return donation


CARD_FUND = "爱心卡积分专项资金"


def card_fund(balance: str = "1000000.00") -> Fund:
    """Return the fund the tests' love-card points are paid from (made once per test)."""
    fund = db.session.scalar(select(Fund).where(Fund.name == CARD_FUND))
    return fund or make_fund(name=CARD_FUND, source="donation", balance=balance)


def fund_top_up(card: LoveCard, points, reason: str = "爱心积分发放", fund=None, clerk=None):
    """Top ``card`` up from the card fund as a clerk; a manager approves a large one.
    Return the card entry."""
    clerk = clerk or user("clerk")
    entry = top_up(card, points, clerk, reason, fund or card_fund())
    if entry is None:  # above the approval setting: the manager approves it
        batch = db.session.scalar(select(CardTopUp).order_by(CardTopUp.id.desc()).limit(1))
        approve_top_up(batch, user("manager"))
        entry = batch.lines[0].entry
    return entry


def make_card(points: str = "0", worker=None, commit: bool = True, **overrides) -> LoveCard:
    """Issue a card to a (new) worker on file and top it up with ``points`` from the card
    fund."""
    worker = worker or make_holder(**overrides)
    card = issue_card(worker, user("clerk"))
    if Decimal(points):
        fund_top_up(card, Decimal(points))
    if commit:
        db.session.commit()
    return card


def make_redemption(card=None, item=None, quantity: int = 1, commit: bool = True):
    """Redeem ``quantity`` of an item (a new one in stock unless given) on a card."""
    card = card or make_card("200")
    item = item or make_item(stock=10)
    redemption = redeem(card, [(item.id, quantity)], user("clerk"))
    if commit:
        db.session.commit()
    return redemption


def _stocktake():
    from models.stocktake_rules import start_stocktake

    make_item(stock=4)
    stocktake = start_stocktake(user("clerk"))
    db.session.commit()
    return stocktake.id


def _movement():
    item = make_item(stock=3)
    return db.session.scalar(select(StockMovement.id).where(StockMovement.item_id == item.id))


def _entry():
    return make_card("50").entries[0].id


def make_topup(points: str = "300", cards: int = 10, fund=None, clerk=None,
               commit: bool = True) -> CardTopUp:
    """Ask, as a clerk, for ``points`` on ``cards`` new cards from the card fund; at the
    defaults (3,000 yuan, above the 2,000 setting) it waits for a manager."""
    from models.card_topup_rules import request_top_up

    ids = [make_card().id for _n in range(cards)]
    batch = request_top_up(fund or card_fund(), select(LoveCard.id).where(LoveCard.id.in_(ids)),
                           points, clerk or user("clerk"), "春节爱心积分")
    if commit:
        db.session.commit()
    return batch


# One sample per endpoint of this issue, for tests/samples.py (ones admins may delete
# are deletable: a draft donation, an unused item, an open stocktake, an unused card).
SAMPLE_MAKERS = {
    "donation": lambda: make_donation([(make_item(), 2, "20")], record=False).id,
    "item": lambda: make_item().id,
    "stocklot": lambda: make_item(stock=3).lots[0].id,
    "stockmovement": _movement,
    "stocktake": _stocktake,
    "counter": lambda: make_redemption().id,
    "lovecard": lambda: make_card().id,
    "cardentry": _entry,
    "cardtopup": lambda: make_topup(cards=2, points="1500").id,
    "redemption": lambda: make_redemption().id,
}
