"""The loan workflow: applied → approved → disbursed → repaid, or rejected / written off;
repayments and their reversals, each with its fund entry in the same transaction."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from stdnum.cn import uscc

from models import previews
from models.base import DomainError, db, today, utcnow
from models.guards import Guards, unless
from models.ledger import post_entry, reverse_entry
from models.loan_schedule import BadAmount, allocate, make_schedule, to_amount
from models.loans import Instalment, Loan, Repayment
from models.permissions import require
from models.workflow import Field, Step, Workflow

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


def parse_day(value, message=None, future: bool = False) -> dt.date:
    """Return a date from YYYY-MM-DD text (today when empty); a future one is refused
    (with ``message`` when given) unless ``future``."""
    if isinstance(value, dt.date):
        day = value
    elif not (value or "").strip():
        day = today()
    else:
        try:
            day = dt.date.fromisoformat(value.strip())
        except ValueError:
            raise DomainError(_("Enter the date as YYYY-MM-DD.")) from None
    if not future and day > today():
        raise DomainError(message or _("The date cannot be in the future."))
    return day


def _require_state(loan: Loan, *states: str) -> None:
    if loan.state not in states:
        raise DomainError(_("Loan JK-%(id)d is not in a state that allows this step.",
                            id=loan.id))


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


GUARDS = Guards(
    edit=unless(lambda loan: loan.state == "applied",
                _l("Only a loan still at the application stage can be edited.")),
    delete=unless(lambda loan: loan.state in ("applied", "rejected"),
                  _l("Only loans never disbursed can be deleted.")))


def check_edit(loan: Loan) -> None:
    """Refuse edits once the loan has left the application stage."""
    refusal = GUARDS.edit(loan)
    if refusal:
        raise DomainError(str(refusal))
    check_application(loan)


def _approve(loan: Loan, user) -> None:
    """Approve an application; whoever applied cannot approve it, whatever their role."""
    if loan.applied_by_id == user.id:
        raise DomainError(_("Whoever applied cannot approve the same loan."))
    check_application(loan)
    loan.state, loan.approved_by_id, loan.approved_at = "approved", user.id, utcnow()


def _reject(loan: Loan, user, reason: str) -> None:
    """Turn down an application or an approved loan not yet paid out, with the reason."""
    loan.reject_reason = _require_reason(reason, _("Give the reason for the rejection."))
    loan.state, loan.rejected_by_id, loan.rejected_at = "rejected", user.id, utcnow()


MAX_JOBS = 10000


def parse_jobs(value) -> int:
    """Return a number of jobs (0 or more) from form text; empty text is refused: the
    step asks for it, 0 when the loan creates none."""
    if isinstance(value, int) and not isinstance(value, bool):
        jobs = value
    else:
        text = str(value if value is not None else "").strip()
        if not text:
            raise DomainError(_("Give the number of jobs the loan creates (0 when none)."))
        if not text.isdigit():
            raise DomainError(_("Enter the number of jobs as a whole number, 0 or more."))
        jobs = int(text)
    if not 0 <= jobs <= MAX_JOBS:
        raise DomainError(_("Enter the number of jobs as a whole number, 0 or more."))
    return jobs


def _disburse(loan: Loan, user, fund_id=None, jobs_created=0, on=None) -> None:
    """Pay an approved loan out of a fund and make its schedule, in one transaction; the
    jobs it creates (带动就业人数) are recorded with it."""
    jobs_created = parse_jobs(jobs_created)
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
    loan.jobs_created = jobs_created
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
    require(user, "repayment", "A", WORKFLOW["reverse"].refused)
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


def _reverse_on_loan(loan: Loan, user, repayment_id, reason: str) -> Repayment:
    """Reverse repayment ``repayment_id`` of ``loan`` (the workflow page's per-line step)."""
    repayment = db.session.get(Repayment, int(repayment_id)) if str(
        repayment_id).isdigit() else None
    if repayment is None or repayment.loan_id != loan.id:
        raise DomainError(_("Loan JK-%(id)d has no such repayment.", id=loan.id))
    return reverse_repayment(repayment, user, reason)


def _write_off(loan: Loan, user, reason: str) -> None:
    """Write off what a disbursed loan still owes (核销), with the reason."""
    loan.write_off_reason = _require_reason(reason, _("Give the reason for the write-off."))
    loan.state, loan.written_off_by_id, loan.written_off_at = "written_off", user.id, utcnow()


def _follow_up(loan: Loan, user, followed_up_on=None, jobs=None, note: str = "") -> None:
    """Record the jobs a paid-out loan actually created, found at a later visit; a later
    follow-up replaces the earlier one (the audit log keeps both)."""
    day = parse_day(followed_up_on)
    if loan.issued_on and day < loan.issued_on:
        raise DomainError(_("A follow-up cannot be dated before the loan was issued."))
    loan.jobs_followed_up = parse_jobs(jobs)
    loan.followed_up_on, loan.follow_up_note = day, (note or "").strip()[:200]
    loan.followed_up_by_id = user.id


def _reason(label) -> tuple[Field, ...]:
    return (Field("reason", label, required=True),)


WORKFLOW = Workflow("loan", (
    Step("approve", _l("Approve"), ("applied",), "A", _approve, _l("Loan approved."),
         _l("Only a centre manager can approve loans."), style="success"),
    Step("disburse", _l("Disburse"), ("approved",), "A", _disburse,
         _l("Loan disbursed; the fund entry and the repayment schedule are made."),
         _l("Only a centre manager can disburse loans."),
         (Field("fund_id", _l("Lent from fund"), "fund", required=True),
          Field("jobs_created", _l("Jobs created (at disbursement)"), "count",
                required=True)), style="success",
         preview=previews.disburse_loan),
    Step("reject", _l("Reject"), ("applied", "approved"), "A", _reject, _l("Loan rejected."),
         _l("Only a centre manager can reject loans."), _reason(_l("Reason for rejection")),
         style="danger"),
    Step("repay", _l("Record repayment"), ("disbursed",), "C", record_repayment,
         _l("Repayment recorded and returned to the fund."),
         fields=(Field("amount", _l("Amount (yuan)"), "amount", required=True),
                 Field("paid_on", _l("Paid on"), "date"),
                 Field("document", _l("Receipt no."), "text"),
                 Field("note", _l("Note"), "text")), endpoint="repayment"),
    Step("write_off", _l("Write off"), ("disbursed",), "A", _write_off,
         _l("Loan written off."), _l("Only a centre manager can write off a loan."),
         _reason(_l("Reason for write-off")), style="outline-danger"),
    Step("follow_up", _l("Record jobs follow-up"), ("disbursed", "repaid", "written_off"), "U",
         _follow_up, _l("Jobs follow-up recorded."),
         _l("Only staff record the jobs follow-up of a loan."),
         (Field("followed_up_on", _l("Jobs followed up on"), "date", required=True),
          Field("jobs", _l("Jobs found at follow-up"), "count", required=True),
          Field("note", _l("Follow-up note"), "text")), style="info"),
    Step("reverse", _l("Reverse"), ("disbursed", "repaid"), "A", _reverse_on_loan,
         _l("Repayment reversed; the schedule and the fund are restored."),
         _l("Only a centre manager can reverse a repayment."),
         (Field("repayment_id", "", "hidden"), Field("reason", _l("Reason for reversal"),
                                                     "text", required=True)),
         style="warning", endpoint="repayment", inline=True,
         preview=previews.reverse_repayment),
), wrong_state=lambda loan: _("Loan JK-%(id)d is not in a state that allows this step.",
                              id=loan.id))

approve, reject, disburse, write_off, follow_up = (
    WORKFLOW.runner(name) for name in ("approve", "reject", "disburse", "write_off",
                                       "follow_up"))
