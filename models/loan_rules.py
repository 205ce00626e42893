"""The loan workflow: applied → approved → disbursed → repaid, or rejected / written off;
repayments and their reversals, each with its fund entry in the same transaction."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import func, select, update
from stdnum.cn import uscc

from models.base import DomainError, db, today, utcnow
from models.ledger import post_entry, reverse_entry
from models.loan_schedule import BUCKETS, BadAmount, allocate, make_schedule, to_amount
from models.loans import Instalment, Loan, Repayment

APPROVERS = ("manager", "admin")
ZERO = Decimal("0.00")

CONSTRAINT_MESSAGES = {
    "repaid_within_due": lambda: _("A repayment cannot be more than the loan still owes."),
    "uq_repayment_reverses_id": lambda: _("This repayment has already been reversed."),
    "repayment.reverses_id": lambda: _("This repayment has already been reversed."),
    "balance_not_negative": lambda: _("The fund does not have enough money."),
    "ck_loan_term": lambda: _("The term is from 1 to 60 months."),
    "ck_loan_interest_rate": lambda: _("The interest rate is from 0 to 24 percent a year."),
    "ck_loan_amount_positive": lambda: _("The loan amount must be more than zero."),
}


def parse_amount(value) -> Decimal:
    """Return a positive amount of yuan from form text, or refuse it."""
    try:
        amount = to_amount(value)
    except BadAmount:
        raise DomainError(_("Enter an amount in yuan with at most two decimals.")) from None
    if amount <= 0:
        raise DomainError(_("The amount must be more than zero."))
    return amount


def parse_day(value) -> dt.date:
    """Return a date from YYYY-MM-DD text (today when empty), never a future one."""
    if isinstance(value, dt.date):
        day = value
    elif not (value or "").strip():
        day = today()
    else:
        try:
            day = dt.date.fromisoformat(value.strip())
        except ValueError:
            raise DomainError(_("Enter the date as YYYY-MM-DD.")) from None
    if day > today():
        raise DomainError(_("The date cannot be in the future."))
    return day


def _require_state(loan: Loan, *states: str) -> None:
    if loan.state not in states:
        raise DomainError(_("Loan JK-%(id)d is not in a state that allows this step.",
                            id=loan.id))


def _require_approver(user, message: str) -> None:
    if user.role not in APPROVERS:
        raise DomainError(message)


def _require_reason(reason: str, message: str) -> str:
    if not (reason or "").strip():
        raise DomainError(message)
    return reason.strip()


def check_application(loan: Loan) -> None:
    """Refuse an application for a worker not on file, or with impossible terms."""
    # Reading the worker must not flush the loan first: the CHECK constraints would answer
    # before the clear message below.
    with db.session.no_autoflush:
        _check_application(loan)


def _check_application(loan: Loan) -> None:
    if loan.worker is None or loan.worker.status != "active":
        raise DomainError(_("Loans go only to workers whose file is on record."))
    if loan.amount is None or loan.amount <= 0:
        raise DomainError(_("The loan amount must be more than zero."))
    if loan.amount != loan.amount.quantize(Decimal("0.01")):
        raise DomainError(_("Enter an amount in yuan with at most two decimals."))
    if not 1 <= (loan.term_months or 0) <= 60:
        raise DomainError(_("The term is from 1 to 60 months."))
    if not ZERO <= (loan.interest_rate or ZERO) <= 24:
        raise DomainError(_("The interest rate is from 0 to 24 percent a year."))
    if not (loan.guarantor_name or "").strip():
        raise DomainError(_("Give the guarantor unit."))
    code = (loan.guarantor_credit_code or "").strip().upper()
    if code and not uscc.is_valid(code):
        raise DomainError(_("The unified social credit code %(code)s is not valid.", code=code))
    loan.guarantor_credit_code = code


def apply(loan: Loan, user) -> None:
    """File a new loan application by ``user``."""
    check_application(loan)
    loan.state, loan.applied_by_id, loan.applied_at = "applied", user.id, utcnow()


def check_edit(loan: Loan) -> None:
    """Refuse edits once the loan has left the application stage."""
    if loan.state != "applied":
        raise DomainError(_("Only a loan still at the application stage can be edited."))
    check_application(loan)


def approve(loan: Loan, user) -> None:
    """Approve an application; whoever applied cannot approve it, whatever their role."""
    _require_state(loan, "applied")
    _require_approver(user, _("Only a centre manager can approve loans."))
    if loan.applied_by_id == user.id:
        raise DomainError(_("Whoever applied cannot approve the same loan."))
    check_application(loan)
    loan.state, loan.approved_by_id, loan.approved_at = "approved", user.id, utcnow()


def reject(loan: Loan, user, reason: str) -> None:
    """Turn down an application or an approved loan not yet paid out, with the reason."""
    _require_state(loan, "applied", "approved")
    _require_approver(user, _("Only a centre manager can reject loans."))
    loan.reject_reason = _require_reason(reason, _("Give the reason for the rejection."))
    loan.state, loan.rejected_by_id, loan.rejected_at = "rejected", user.id, utcnow()


def disburse(loan: Loan, user, fund_id=None, on=None) -> None:
    """Pay an approved loan out of a fund and make its schedule, in one transaction."""
    _require_state(loan, "approved")
    _require_approver(user, _("Only a centre manager can disburse loans."))
    try:
        fund_id = int(fund_id or loan.fund_id or 0)
    except ValueError:
        fund_id = 0
    if not fund_id:
        raise DomainError(_("Choose the fund the loan is paid from."))
    on = parse_day(on)
    loan.disbursement_entry = post_entry(
        fund_id, "loan_out", -loan.amount, user, document=f"JK-{loan.id}",
        reason=f"{loan.worker.name} {loan.purpose}"[:200])
    lines = make_schedule(loan.amount, loan.term_months, on, loan.interest_rate)
    for line in lines:
        db.session.add(Instalment(loan=loan, **line))
    loan.total_due = sum((line["amount_due"] for line in lines), ZERO)
    loan.fund_id, loan.issued_on, loan.state = fund_id, on, "disbursed"
    loan.disbursed_by_id, loan.disbursed_at = user.id, utcnow()


def reallocate(loan: Loan) -> None:
    """Rebuild the schedule's paid amounts from the repayments that stand, oldest first."""
    instalments = db.session.scalars(
        select(Instalment).where(Instalment.loan_id == loan.id)
        .execution_options(populate_existing=True)).all()
    reversed_ids = select(Repayment.reverses_id).where(Repayment.loan_id == loan.id,
                                                       Repayment.reverses_id.is_not(None))
    payments = db.session.execute(
        select(Repayment.paid_on, Repayment.amount)
        .where(Repayment.loan_id == loan.id, Repayment.amount > 0,
               Repayment.id.not_in(reversed_ids))
        .order_by(Repayment.paid_on, Repayment.id)).all()
    allocate(instalments, [(p.paid_on, Decimal(p.amount)) for p in payments])


def _move_repaid(loan: Loan, delta: Decimal, states: tuple[str, ...]) -> bool:
    """Add ``delta`` to what was repaid by one guarded UPDATE; False when it would not fit.

    Racing repayments on one loan wait for each other here, and the second sees what
    the first left owing (the CHECK constraint backs it); the version moves too, so a
    write-off begun meanwhile fails instead of overwriting.
    """
    # Rounded in SQL because SQLite keeps NUMERIC as binary floating point: without it a
    # sum of fen like 3083.37 can land a hair above what is owed and be refused.
    after = func.round(Loan.repaid_amount + delta, 2)
    done = db.session.execute(
        update(Loan).where(Loan.id == loan.id, Loan.state.in_(states), after >= 0,
                           after <= Loan.total_due)
        .values(repaid_amount=after, version=Loan.version + 1)
        .returning(Loan.id).execution_options(synchronize_session=False)).scalar_one_or_none()
    db.session.refresh(loan)
    return done is not None


def record_repayment(loan: Loan, user, amount, paid_on=None, document: str = "",
                     note: str = "") -> Repayment:
    """Take a repayment: never more than is owed, applied to the oldest instalment first,
    returned to the loan's fund; a loan paid in full moves to repaid by itself."""
    amount = parse_amount(amount)
    paid_on = parse_day(paid_on)
    _require_state(loan, "disbursed")
    if loan.issued_on and paid_on < loan.issued_on:
        raise DomainError(_("A repayment cannot be dated before the loan was issued."))
    if not _move_repaid(loan, amount, ("disbursed",)):  # it has refreshed the loan
        _require_state(loan, "disbursed")
        raise DomainError(_("Loan JK-%(id)d owes %(owed)s yuan; %(amount)s yuan is more than "
                            "that.", id=loan.id, owed=f"{loan.outstanding:,.2f}",
                            amount=f"{amount:,.2f}"))
    entry = post_entry(loan.fund_id, "repayment_in", amount, user,
                       document=(document or "").strip() or f"JK-{loan.id}",
                       reason=f"JK-{loan.id} {loan.worker.name}")
    repayment = Repayment(loan=loan, amount=amount, paid_on=paid_on, user_id=user.id,
                          document=(document or "").strip(), note=(note or "").strip(),
                          fund_entry=entry)
    db.session.add(repayment)
    reallocate(loan)
    if loan.repaid_amount == loan.total_due:
        loan.state, loan.repaid_at = "repaid", utcnow()
    return repayment


def reverse_repayment(repayment: Repayment, user, reason: str) -> Repayment:
    """Undo a wrong repayment with a reversing entry; the schedule is restored."""
    _require_approver(user, _("Only a centre manager can reverse a repayment."))
    reason = _require_reason(reason, _("Give the reason for the reversal."))
    if repayment.reverses_id is not None:
        raise DomainError(_("A reversing entry cannot itself be reversed."))
    if db.session.scalar(select(Repayment.id).where(Repayment.reverses_id == repayment.id)):
        raise DomainError(_("This repayment has already been reversed."))
    loan = repayment.loan
    _require_state(loan, "disbursed", "repaid")
    if not _move_repaid(loan, -repayment.amount, ("disbursed", "repaid")):
        _require_state(loan, "disbursed", "repaid")
        raise DomainError(_("This repayment has already been reversed."))
    entry = reverse_entry(repayment.fund_entry, user, reason) if repayment.fund_entry else None
    reversal = Repayment(loan=loan, amount=-repayment.amount, paid_on=today(), user_id=user.id,
                         document=repayment.document, note=reason, reverses=repayment,
                         fund_entry=entry)
    db.session.add(reversal)
    reallocate(loan)
    if loan.state == "repaid":
        loan.state, loan.repaid_at = "disbursed", None
    return reversal


def write_off(loan: Loan, user, reason: str) -> None:
    """Write off what a disbursed loan still owes (核销), with the reason."""
    _require_state(loan, "disbursed")
    _require_approver(user, _("Only a centre manager can write off a loan."))
    loan.write_off_reason = _require_reason(reason, _("Give the reason for the write-off."))
    loan.state, loan.written_off_by_id, loan.written_off_at = "written_off", user.id, utcnow()


TRANSITIONS = {"approve": approve, "reject": reject, "disburse": disburse,
               "repay": record_repayment, "write_off": write_off}


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
