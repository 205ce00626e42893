"""What a campaign would do (``preview``) and what it has done (``progress``). Read only."""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import case, func, select

from models.assistance import Assistance
from models.base import db
from models.campaign import Campaign
from models.campaign_rules import (
    EXCLUSIONS,
    exclusion,
    households,
    package_value,
)
from models.worker import Worker

ZERO = Decimal("0.00")
SAMPLE = 5  # names shown per reason of exclusion
STATES = ("applied", "verified", "approved", "paid", "rejected")
OPEN_OR_GRANTED = ("applied", "verified", "approved", "paid")


def _money(value) -> Decimal:
    return Decimal(str(value or 0)).quantize(Decimal("0.01"))


@dataclass
class GoodsNeed:
    item: str
    unit: str
    per_household: int
    needed: int
    on_hand: int

    @property
    def short(self) -> int:
        return max(self.needed - self.on_hand, 0)


@dataclass
class Preview:
    """The households a generate would make applications for, and what they would cost."""

    households: int = 0
    by_category: list[tuple[str, int, Decimal, Decimal]] = field(default_factory=list)
    cash_total: Decimal = ZERO
    goods_value_each: Decimal = ZERO
    goods_value_total: Decimal = ZERO
    fund_name: str = ""
    fund_balance: Decimal = ZERO
    budget: Decimal = ZERO
    already_cash: Decimal = ZERO  # cash of the campaign's open and granted records
    unpaid_cash: Decimal = ZERO  # of those, not paid yet: still to come out of the fund
    goods: list[GoodsNeed] = field(default_factory=list)
    excluded: dict[str, int] = field(default_factory=dict)
    samples: dict[str, list[str]] = field(default_factory=dict)

    @property
    def fund_short(self) -> Decimal:
        """Return how much the fund lacks to pay this run and what is still unpaid."""
        return max(self.cash_total + self.unpaid_cash - self.fund_balance, ZERO)

    @property
    def over_budget(self) -> Decimal:
        return max(self.already_cash + self.cash_total - self.budget, ZERO)

    @property
    def goods_short(self) -> list[GoodsNeed]:
        return [g for g in self.goods if g.short]

    @property
    def excluded_total(self) -> int:
        return sum(self.excluded.values())


def _campaign_cash(campaign: Campaign) -> tuple[Decimal, Decimal]:
    """Return the cash of the campaign's live records, and the part not yet paid."""
    row = db.session.execute(select(
        func.sum(Assistance.cash_amount),
        func.sum(case((Assistance.state != "paid", Assistance.cash_amount), else_=0)))
        .where(Assistance.campaign_id == campaign.id,
               Assistance.state.in_(OPEN_OR_GRANTED))).one()
    return _money(row[0]), _money(row[1])


def preview(campaign: Campaign) -> Preview:
    """Return what ``generate`` would make now for ``campaign``; nothing is written."""
    reason = exclusion(campaign).label("reason")
    rows = db.session.execute(
        select(reason, Worker.category, func.count())
        .where(households(campaign)).group_by(reason, Worker.category)).all()
    out = Preview(budget=_money(campaign.budget), goods_value_each=package_value(campaign))
    if campaign.fund is not None:
        out.fund_name, out.fund_balance = campaign.fund.name, _money(campaign.fund.balance)
    standards = {s.category: _money(s.cash_amount) for s in campaign.standards}
    for code, category, count in rows:
        if code is None:
            cash = standards.get(category, ZERO)
            out.households += count
            out.by_category.append((category, count, cash, cash * count))
            out.cash_total += cash * count
        else:
            out.excluded[code] = out.excluded.get(code, 0) + count
    out.by_category.sort(key=lambda r: r[0] or "")
    out.goods_value_total = out.goods_value_each * out.households
    out.goods = [GoodsNeed(g.item.name, g.item.unit, g.quantity,
                           g.quantity * out.households, g.item.on_hand or 0)
                 for g in campaign.goods if g.item is not None]
    out.already_cash, out.unpaid_cash = _campaign_cash(campaign)
    out.excluded = {code: out.excluded[code] for code in EXCLUSIONS if code in out.excluded}
    for code in out.excluded:
        out.samples[code] = list(db.session.scalars(
            select(Worker.name).where(households(campaign), reason == code)
            .order_by(Worker.id).limit(SAMPLE)))
    return out


@dataclass
class UnionProgress:
    base_union: str
    counts: dict[str, int] = field(default_factory=dict)
    cash: Decimal = ZERO  # of open and granted records
    paid_cash: Decimal = ZERO
    paid_goods: Decimal = ZERO

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass
class Progress:
    unions: list[UnionProgress]
    totals: UnionProgress
    budget: Decimal

    @property
    def spent(self) -> Decimal:
        """Return the money paid out so far (cash; goods are counted at their value apart)."""
        return self.totals.paid_cash

    @property
    def budget_left(self) -> Decimal:
        return self.budget - self.totals.cash


def progress(campaign: Campaign) -> Progress:
    """Return the campaign's records by state, and money committed and paid, by base union."""
    paid = Assistance.state == "paid"
    live = Assistance.state.in_(OPEN_OR_GRANTED)
    rows = db.session.execute(
        select(Worker.base_union, Assistance.state, func.count(),
               func.sum(case((live, Assistance.cash_amount), else_=0)),
               func.sum(case((paid, Assistance.cash_amount), else_=0)),
               func.sum(case((paid, Assistance.goods_value), else_=0)))
        .join(Worker, Worker.id == Assistance.worker_id)
        .where(Assistance.campaign_id == campaign.id)
        .group_by(Worker.base_union, Assistance.state).order_by(Worker.base_union)).all()
    unions: dict[str, UnionProgress] = {}
    totals = UnionProgress("")
    for union, state, count, cash, paid_cash, paid_goods in rows:
        for target in (unions.setdefault(union or "", UnionProgress(union or "")), totals):
            target.counts[state] = target.counts.get(state, 0) + count
            target.cash += _money(cash)
            target.paid_cash += _money(paid_cash)
            target.paid_goods += _money(paid_goods)
    return Progress(list(unions.values()), totals, _money(campaign.budget))
