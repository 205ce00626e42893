"""Aid paid in a year, broken down further: education aid by school level, aid by month.

Both count what ``models.report.assistance_figures`` counts (records ``paid`` with the
payment time in the year, China time; reversed payments not at all), so their totals are
that table's. *School level* is the level recorded on the aid record (``school_level``:
小学, 初中, 高中, 中职, 大专, 大学, 研究生), entered with the student; it is not guessed from
the school's name. A record without a level is counted under None (未填).
*Month* is the calendar month of the payment in China time.
"""
from __future__ import annotations

from sqlalchemy import case, distinct, func, literal, select

from models import Assistance, db
from models.report_time import in_month, in_year, money, total
from models.unit_scope import ALL, unit_clause

MONTHS = tuple(range(1, 13))


def paid_in(year: int, units=ALL) -> tuple:
    """Return the clauses of an aid record paid in ``year`` for ``units``."""
    return (Assistance.state == "paid", in_year(Assistance.paid_at, year, timed=True),
            unit_clause(Assistance, units))


def school_level_figures(year: int, units=ALL) -> dict:
    """Return the education aid paid in ``year`` per school level: 人次, 人数, amount."""
    rows = db.session.execute(
        select(Assistance.school_level, func.count(),
               func.count(distinct(Assistance.worker_id)),
               total(Assistance.cash_amount + Assistance.goods_value))
        .where(Assistance.kind == "education", *paid_in(year, units))
        .group_by(Assistance.school_level)).all()
    return {level: {"count": n, "workers": workers, "amount": money(amount)}
            for level, n, workers, amount in rows}


def monthly_aid(year: int, units=ALL) -> dict:
    """Return the aid paid in ``year`` per kind and month: ``{kind: [(人次, amount) × 12]}``."""
    amount = Assistance.cash_amount + Assistance.goods_value
    columns = []
    for month in MONTHS:
        during = in_month(Assistance.paid_at, year, month, timed=True)
        columns += [func.count(case((during, 1))),
                    total(case((during, amount), else_=literal(0)))]
    rows = db.session.execute(select(Assistance.kind, *columns).where(*paid_in(year, units))
                              .group_by(Assistance.kind)).all()
    return {row[0]: [(row[2 * m - 1], money(row[2 * m])) for m in MONTHS] for row in rows}
