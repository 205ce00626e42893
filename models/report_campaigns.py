"""Campaigns and love-card top-ups in a year (帮扶活动, 爱心卡充值), for the year-end report.

Definitions:

- **campaigns**: the campaign's grants (``Assistance.campaign_id``) ``paid`` with the
  payment time in the year, as the assistance section counts aid: households = distinct
  files, 人次 = records, cash and goods value apart. A reversed payment is not counted.
- **card top-ups by fund**: batches (``models.card_topup``) whose fund entry is dated in
  the year (posted then; a batch reversed later still counts here, its return apart):
  batches, cards, points (points per card × cards) and yuan drawn from the fund; and
  the yuan that came back to the fund in the year by reversals (``card_topup_reversal``
  entries dated in the year, of any batch), and the net.

Each figure is one SQL aggregate over the records of ``units`` (``unit_clause``).
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import distinct, func, select

from models.assistance import Assistance
from models.base import db
from models.campaign import Campaign
from models.card_topup import CardTopUp
from models.funds import Fund, FundEntry
from models.report_tables import Table
from models.report_time import in_year, money, total
from models.unit_scope import ALL, unit_clause


def campaign_counts(year: int, units=ALL) -> list[dict]:
    """Return each campaign's grants paid in the year: households, records, cash, goods."""
    rows = db.session.execute(
        select(Campaign.name, func.count(distinct(Assistance.worker_id)), func.count(),
               total(Assistance.cash_amount), total(Assistance.goods_value))
        .join(Campaign, Campaign.id == Assistance.campaign_id)
        .where(Assistance.state == "paid", in_year(Assistance.paid_at, year, timed=True),
               unit_clause(Assistance, units))
        .group_by(Campaign.id, Campaign.name).order_by(Campaign.name)).all()
    return [{"name": name, "households": households, "records": records,
             "cash": money(cash), "goods": money(goods)}
            for name, households, records, cash, goods in rows]


def topup_counts(year: int, units=ALL) -> dict[str, dict]:
    """Return the year's love-card top-ups per fund name (see the module docstring)."""
    posted = db.session.execute(
        select(Fund.name, func.count(), func.coalesce(func.sum(CardTopUp.card_count), 0),
               total(CardTopUp.points_per_card * CardTopUp.card_count),
               total(CardTopUp.total_yuan))
        .join(Fund, Fund.id == CardTopUp.fund_id)
        .join(FundEntry, FundEntry.id == CardTopUp.fund_entry_id)
        .where(in_year(FundEntry.at, year, timed=True), unit_clause(CardTopUp, units))
        .group_by(Fund.name)).all()
    back = dict(db.session.execute(
        select(Fund.name, total(FundEntry.amount))
        .join(Fund, Fund.id == FundEntry.fund_id)
        .join(CardTopUp, CardTopUp.number == FundEntry.document)
        .where(FundEntry.kind == "card_topup_reversal", in_year(FundEntry.at, year, timed=True),
               unit_clause(CardTopUp, units))
        .group_by(Fund.name)).all())
    funds = {name: {"batches": n, "cards": int(cards), "points": money(points),
                    "yuan": money(yuan), "returned": money(back.get(name))}
             for name, n, cards, points, yuan in posted}
    for name, returned in back.items():  # a return this year of a batch posted before
        funds.setdefault(name, {"batches": 0, "cards": 0, "points": money(0),
                                "yuan": money(0), "returned": money(returned)})
    for figures in funds.values():
        figures["net"] = figures["yuan"] - figures["returned"]
    return dict(sorted(funds.items()))


def campaign_figures(year: int, units=ALL) -> dict:
    """Return the campaigns and card top-ups figures of ``year``."""
    return {"campaigns": campaign_counts(year, units), "topups": topup_counts(year, units)}


def _sums(rows, keys: tuple[str, ...], counts: int = 2) -> list:
    """Return the sums of ``keys`` over ``rows``: the first ``counts`` keys count, the
    others are amounts, which start from 0.00 so that a year without any still reads
    as an amount (a bare 0 before)."""
    rows = list(rows)
    return [sum((row[key] for row in rows), 0 if i < counts else money(0))
            for i, key in enumerate(keys)]


def campaign_tables(f: dict) -> list[Table]:
    """Return the section's tables: campaigns, and card top-ups by fund."""
    rows = [[c["name"], c["households"], c["records"], c["cash"], c["goods"]]
            for c in f["campaigns"]]
    totals = [_l("Total"), *_sums(f["campaigns"], ("households", "records", "cash", "goods"))]
    tops = [[name, t["batches"], t["cards"], t["points"], t["yuan"], t["returned"], t["net"]]
            for name, t in f["topups"].items()]
    top_totals = [_l("Total"), *_sums(f["topups"].values(), ("batches", "cards", "points",
                                                            "yuan", "returned", "net"))]
    return [
        Table(_l("Campaigns"), [_l("Campaign"), _l("Households"), _l("Grants"),
                                _l("Cash (yuan)"), _l("Goods value (yuan)")],
              [*rows, totals], total=True),
        Table(_l("Love-card top-ups, by fund"),
              [_l("Fund"), _l("Top-ups"), _l("Cards"), _l("Points"), _l("Yuan drawn"),
               _l("Yuan returned by reversals"), _l("Net (yuan)")],
              [*tops, top_totals], total=True),
    ]
