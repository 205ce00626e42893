"""Money raised (筹集帮扶资金) in a year: fund income by source and by fund, from the ledger.

*Raised in the year* = the fund-ledger entries that bring money in from outside, posted in
the year (China time) and still standing: allocations (``allocation_in``, a government
grant 政府拨款 or union funds 工会经费) and donations of money (``donation_in``, 社会捐赠).
An entry reversed later (a voided donation, a mistaken allocation) counts in no year, as
a reversed repayment does. Loan repayments (``repayment_in``) are the centre's own money
coming back, not money raised. *By source* is the source of the fund the entry went into.

Funds are the centre's and belong to no unit. The whole tree's report counts every entry;
the report of part of the tree counts only the money its own units' donations brought in
(the entries of ``Donation.fund_entry_id``): an allocation is no station's.
"""
from __future__ import annotations

from sqlalchemy import func, select

from models import Donation, Fund, FundEntry, db
from models.choices import FUND_SOURCES
from models.report_time import in_year, money, total
from models.unit_scope import ALL, unit_clause

INCOME_KINDS = ("allocation_in", "donation_in")


def income_clauses(year: int, units=ALL) -> list:
    """Return the clauses of a fund entry that is money raised in ``year`` by ``units``."""
    reversed_ids = select(FundEntry.reverses_id).where(FundEntry.reverses_id.is_not(None))
    where = [FundEntry.kind.in_(INCOME_KINDS), FundEntry.id.not_in(reversed_ids),
             in_year(FundEntry.at, year, timed=True)]
    if units is not ALL:
        where.append(FundEntry.id.in_(select(Donation.fund_entry_id).where(
            Donation.fund_entry_id.is_not(None), unit_clause(Donation, units))))
    return where


def fund_income(year: int, units=ALL) -> dict:
    """Return the money raised in ``year``: per fund, per source and in total (yuan)."""
    rows = db.session.execute(
        select(Fund.name, Fund.source, FundEntry.kind, func.count(), total(FundEntry.amount))
        .join(Fund, Fund.id == FundEntry.fund_id).where(*income_clauses(year, units))
        .group_by(Fund.name, Fund.source, FundEntry.kind).order_by(Fund.name)).all()
    by_fund: dict[str, dict] = {}
    by_source = {source: money(0) for source in FUND_SOURCES}
    for name, source, kind, entries, amount in rows:
        fund = by_fund.setdefault(name, {"source": source, "entries": 0,
                                         "allocation_in": money(0), "donation_in": money(0)})
        fund["entries"] += entries
        fund[kind] = money(amount)
        by_source[source] += money(amount)
    for fund in by_fund.values():
        fund["total"] = fund["allocation_in"] + fund["donation_in"]
    return {"by_fund": by_fund, "by_source": by_source,
            "total": sum(by_source.values(), money(0)),
            "entries": sum(f["entries"] for f in by_fund.values())}
