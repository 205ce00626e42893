"""Factories for micro-loans, disbursed through the rules so fund and schedule agree."""
from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

from models import Loan, db
from models.loan_rules import approve, disburse
from tests.factories import make_fund, make_worker, user

_funds = itertools.count(1)


def make_loan(commit: bool = True, **overrides) -> Loan:
    """Create a loan application by staff, for a new worker unless one is given."""
    values = dict(amount=Decimal("10000.00"), purpose="开办社区早餐店", term_months=7,
                  guarantor_name="第一机床厂工会", guarantor_credit_code="91110000600037341L",
                  guarantee_letter_no="DB-2026-001", interest_rate=Decimal("0"),
                  state="applied", applied_by_id=user("staff").id)
    values.update(overrides)
    if "worker" not in values and "worker_id" not in values:
        values["worker"] = make_worker()
    loan = Loan(**values)
    db.session.add(loan)
    if commit:
        db.session.commit()
    return loan


def disbursed_loan(amount: str = "10000.00", months: int = 7,
                   issued_on: dt.date = dt.date(2026, 1, 15), fund=None, jobs_created: int = 0,
                   **overrides) -> Loan:
    """Create a loan approved by the manager and disbursed from ``fund`` on ``issued_on``,
    said to create ``jobs_created`` jobs."""
    fund = fund or make_fund(name=f"小额借款周转金{next(_funds)}", balance="100000.00")
    loan = make_loan(amount=Decimal(amount), term_months=months, fund=fund, **overrides)
    approve(loan, user("manager"))
    disburse(loan, user("manager"), fund.id, jobs_created, on=issued_on)
    db.session.commit()
    return loan
