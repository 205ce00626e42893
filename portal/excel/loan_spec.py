"""The loan export: the loan's fields plus what is derived as of today (owed, overdue)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, select

from models import Instalment, Loan, Worker
from models.base import today
from models.choices import ARREARS_BUCKETS
from models.loan_queries import oldest_unpaid_due
from models.loan_schedule import bucket
from portal.excel.spec import Column, Spec, columns_of

KEYS = ["amount", "purpose", "guarantor_name", "guarantor_credit_code", "guarantee_letter_no",
        "term_months", "interest_rate", "state", "issued_on", "total_due", "repaid_amount",
        "write_off_reason"]


def _days_overdue(due):
    return max(0, (today() - due).days) if due else 0


def spec() -> Spec:
    """Return the loan spec; the derived columns follow models.loans.Loan's properties."""
    as_of = today()
    due = case((Loan.state == "disbursed", oldest_unpaid_due()))
    arrears = (select(func.round(func.coalesce(func.sum(
        Instalment.amount_due - Instalment.amount_paid), 0), 2))
        .where(Instalment.loan_id == Loan.id, Instalment.due_on < as_of,
               Instalment.amount_paid < Instalment.amount_due)
        .correlate(Loan).scalar_subquery())
    worker = select(Worker.name, Worker.id_number).where(Worker.id == Loan.worker_id)
    derived = {"export_only": True}
    columns = [
        Column("id", _l("No."), kind="int", expr=Loan.id, export_only=True),
        Column("worker_name", _l("Worker name"), expr=worker.with_only_columns(
            Worker.name).scalar_subquery(), export_only=True),
        Column("worker_id_number", _l("ID number"), expr=worker.with_only_columns(
            Worker.id_number).scalar_subquery(), export_only=True),
        *columns_of(Loan, KEYS),
        Column("outstanding", _l("Outstanding (yuan)"), kind="money",
               expr=Loan.total_due - Loan.repaid_amount, **derived),
        Column("arrears", _l("Arrears (yuan)"), kind="money",
               expr=case((Loan.state == "disbursed", arrears), else_=0), **derived),
        Column("next_due_on", _l("Next due on"), kind="date", expr=due, **derived),
        Column("days_overdue", _l("Days overdue"), kind="int", expr=due,
               derive=_days_overdue, **derived),
        Column("arrears_bucket", _l("Arrears bucket"), kind="choice",
               choices=ARREARS_BUCKETS, expr=due,
               derive=lambda d: bucket(_days_overdue(d)), **derived),
    ]
    return Spec("loan", Loan, _l("Micro-loans"), columns)
