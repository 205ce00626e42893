"""Questions asked of the loans: which are overdue and by how long, and whether each
loan's cached totals agree with its repayment ledger and schedule."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import func, select

from models.base import db
from models.loan_schedule import BUCKETS
from models.loans import Instalment, Loan, Repayment

ZERO = Decimal("0.00")


def oldest_unpaid_due():
    """Return the correlated subquery: the due date of a loan's oldest unpaid instalment."""
    return (select(func.min(Instalment.due_on))
            .where(Instalment.loan_id == Loan.id, Instalment.amount_paid < Instalment.amount_due)
            .correlate(Loan).scalar_subquery())


def overdue_clause(as_of: dt.date, bucket: str | None = None):
    """Return the clause picking disbursed loans overdue on ``as_of`` (in ``bucket``)."""
    oldest = oldest_unpaid_due()
    clauses = [Loan.state == "disbursed", oldest < as_of]
    for code, first, last in BUCKETS:
        if code == bucket:
            clauses.append(oldest <= as_of - dt.timedelta(days=first))
            if last is not None:
                clauses.append(oldest >= as_of - dt.timedelta(days=last))
    return clauses


def loan_differences() -> list[tuple[str, Decimal, Decimal]]:
    """Return ``(what, shown, ledger)`` wherever a loan's cached totals disagree with its
    repayment ledger or its schedule (the shape ``portal verify`` reports)."""
    def sums(column, key):
        return {k: Decimal(v or 0) for k, v in db.session.execute(
            select(key, func.sum(column)).group_by(key)).all()}

    repaid = sums(Repayment.amount, Repayment.loan_id)
    allocated = sums(Instalment.amount_paid, Instalment.loan_id)
    due = sums(Instalment.amount_due, Instalment.loan_id)
    found = []
    for loan in db.session.scalars(select(Loan).where(Loan.issued_on.is_not(None))
                                   .order_by(Loan.id)):
        for what, shown, truth in (
                (_("Loan JK-%(id)d repaid", id=loan.id), loan.repaid_amount, repaid),
                (_("Loan JK-%(id)d paid by instalments", id=loan.id), loan.repaid_amount,
                 allocated),
                (_("Loan JK-%(id)d total due", id=loan.id), loan.total_due, due)):
            ledger = truth.get(loan.id, ZERO).quantize(Decimal("0.01"))
            if Decimal(shown).quantize(Decimal("0.01")) != ledger:
                found.append((what, shown, ledger))
    return found
