"""Compute the start page's figures: each one SQL aggregate, never rows loaded into Python.

Each figure uses the clause of the list it links to (the list's own filter applies the
same clause), so the number on the start page is the number of rows that list shows.
Each counts the records of ``units`` (the user's unit and those below it, the one filter
``unit_clause`` the lists apply too; ALL for the top unit).
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import func, select

from models import Fund, Instalment, Loan, Redemption, Worker, db
from models.base import today
from models.inventory_rules import local_day_start
from models.loan_queries import overdue_clause
from models.report import assistance_figures
from models.unit_scope import ALL, unit_clause

CENT = Decimal("0.01")


def yuan(value) -> Decimal:
    """Return a summed amount as yuan to the fen (SQLite sums NUMERIC as floats)."""
    return Decimal(str(value or 0)).quantize(CENT)


def _sum(column):
    return func.round(func.coalesce(func.sum(column), 0), 2)


def count(model, *where, units=ALL) -> int:
    """Return how many ``model`` rows of ``units`` meet every clause of ``where``."""
    return db.session.scalar(select(func.count()).select_from(model)
                             .where(unit_clause(model, units), *where))


def workers_by_status(units=ALL) -> dict[str, int]:
    """Return the number of files of ``units`` in each status."""
    return dict(db.session.execute(
        select(Worker.status, func.count()).where(unit_clause(Worker, units))
        .group_by(Worker.status)).all())


def workers_by_category(units=ALL) -> dict[str, int]:
    """Return the number of files of ``units`` on record (active) in each category."""
    return dict(db.session.execute(
        select(Worker.category, func.count())
        .where(Worker.status == "active", unit_clause(Worker, units))
        .group_by(Worker.category)).all())


def redeemed_today_clause(day: dt.date | None = None):
    """Return the clause: a redemption standing (not voided), made on ``day`` in China."""
    start = local_day_start(day)
    return (Redemption.state == "done", Redemption.at >= start,
            Redemption.at < start + dt.timedelta(days=1))


def redemptions_today(units=ALL) -> tuple[int, Decimal]:
    """Return today's standing redemptions at the counter: how many, and their points."""
    number, points = db.session.execute(
        select(func.count(), _sum(Redemption.points))
        .where(unit_clause(Redemption, units), *redeemed_today_clause())).one()
    return number, yuan(points)


def overdue_loans(as_of: dt.date | None = None, units=ALL) -> tuple[int, Decimal, Decimal]:
    """Return the loans overdue on ``as_of`` (default today): count, arrears, outstanding.

    Arrears are the instalments fallen due before ``as_of`` and not paid, outstanding is
    what the loan still owes: the overdue list's own definitions (``Loan.arrears``).
    """
    as_of = as_of or today()
    arrears = (select(func.coalesce(func.sum(Instalment.amount_due - Instalment.amount_paid), 0))
               .where(Instalment.loan_id == Loan.id, Instalment.due_on < as_of)
               .correlate(Loan).scalar_subquery())
    per_loan = (select((Loan.total_due - Loan.repaid_amount).label("owed"),
                       arrears.label("arrears"))
                .where(unit_clause(Loan, units), *overdue_clause(as_of)).subquery())
    number, owed, due = db.session.execute(
        select(func.count(), _sum(per_loan.c.owed), _sum(per_loan.c.arrears))).one()
    return number, yuan(due), yuan(owed)


def fund_balances() -> list[tuple[int, str, Decimal]]:
    """Return ``(id, name, balance)`` of every fund in use, by name."""
    return [(pk, name, yuan(balance)) for pk, name, balance in db.session.execute(
        select(Fund.id, Fund.name, Fund.balance).where(Fund.active.is_(True))
        .order_by(Fund.name)).all()]


def aid_paid(year: int | None = None, units=ALL) -> tuple[int, Decimal, Decimal]:
    """Return the aid paid in ``year`` (default this year): 人次, cash, goods value.

    Taken from the year-end statistics, the page the figure links to.
    """
    total = assistance_figures(year or today().year, units)["total"]
    return total["count"], total["cash"], total["goods"]


def files_on_record(units=ALL) -> int:
    """Return the number of files of ``units`` on record (active)."""
    return count(Worker, Worker.status == "active", units=units)
