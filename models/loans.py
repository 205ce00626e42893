"""Micro-loans (小额借款): the loan, its repayment schedule and its repayment ledger."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models import loan_schedule  # pure functions, no models
from models.base import db, label, today, utcnow
from models.choices import LOAN_STATES
from models.unit_scope import UnitOwned, UnitScoped

MONEY = Numeric(12, 2)
ZERO = Decimal("0.00")


class Loan(UnitOwned, db.Model):
    unit_parents = ("worker",)
    __tablename__ = "loan"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("term_months >= 1 AND term_months <= 60", name="term"),
        CheckConstraint("interest_rate >= 0 AND interest_rate <= 24", name="interest_rate"),
        # What was repaid never exceeds what is owed: the last guard against over-payment.
        CheckConstraint("repaid_amount >= 0 AND repaid_amount <= total_due",
                        name="repaid_within_due"),
        CheckConstraint("state IN ('applied', 'approved', 'disbursed', 'repaid', 'rejected', "
                        "'written_off')", name="state"),
        # Jobs the loan creates (带动就业人数): said at disbursement, counted at follow-up.
        CheckConstraint("jobs_created >= 0", name="jobs_created"),
        CheckConstraint("(followed_up_on IS NULL AND jobs_followed_up IS NULL) OR "
                        "(followed_up_on IS NOT NULL AND jobs_followed_up IS NOT NULL AND "
                        "jobs_followed_up >= 0)",
                        name="jobs_followed_up"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    worker_id: Mapped[int] = mapped_column(ForeignKey("worker.id"), index=True,
                                           info=label(_l("Worker")))
    amount: Mapped[Decimal] = mapped_column(MONEY, info=label(_l("Loan amount (yuan)")))
    purpose: Mapped[str] = mapped_column(String(200), default="",
                                         info=label(_l("Purpose / project")))
    guarantor_name: Mapped[str] = mapped_column(String(100), default="",
                                                info=label(_l("Guarantor unit")), index=True)
    guarantor_credit_code: Mapped[str] = mapped_column(String(18), default="", info=label(
        _l("Guarantor's unified social credit code")))
    guarantee_letter_no: Mapped[str] = mapped_column(String(32), default="",
                                                     info=label(_l("Guarantee letter no.")))
    term_months: Mapped[int] = mapped_column(default=12, info=label(_l("Term (months)")))
    interest_rate: Mapped[Decimal] = mapped_column(Numeric(5, 2), default=Decimal("0"),
                                                   info=label(_l("Annual interest rate (%)")))
    fund_id: Mapped[int | None] = mapped_column(ForeignKey("fund.id"), index=True,
                                                info=label(_l("Lent from fund")))
    state: Mapped[str] = mapped_column(String(16), default="applied", index=True,
                                       info=label(_l("State"), choices=LOAN_STATES))
    issued_on: Mapped[dt.date | None] = mapped_column(Date, index=True,
                                                      info=label(_l("Issued on")))
    total_due: Mapped[Decimal] = mapped_column(MONEY, default=ZERO,
                                               info=label(_l("Total to repay (yuan)")))
    repaid_amount: Mapped[Decimal] = mapped_column(MONEY, default=ZERO,
                                                   info=label(_l("Repaid (yuan)")))
    notes: Mapped[str] = mapped_column(Text, default="", info=label(_l("Notes")))

    applied_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    applied_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True,
                                                    info=label(_l("Applied at")))
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    approved_at: Mapped[dt.datetime | None] = mapped_column(info=label(_l("Approved at")))
    rejected_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    rejected_at: Mapped[dt.datetime | None] = mapped_column(info=label(_l("Rejected at")))
    reject_reason: Mapped[str] = mapped_column(String(200), default="",
                                               info=label(_l("Reason for rejection")))
    disbursed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    disbursed_at: Mapped[dt.datetime | None] = mapped_column(info=label(_l("Disbursed at")))
    disbursement_entry_id: Mapped[int | None] = mapped_column(ForeignKey("fund_entry.id"))
    repaid_at: Mapped[dt.datetime | None] = mapped_column(info=label(_l("Repaid in full at")))
    jobs_created: Mapped[int] = mapped_column(default=0, info=label(
        _l("Jobs created (at disbursement)")))
    followed_up_on: Mapped[dt.date | None] = mapped_column(Date, info=label(
        _l("Jobs followed up on")))
    jobs_followed_up: Mapped[int | None] = mapped_column(info=label(
        _l("Jobs found at follow-up")))
    follow_up_note: Mapped[str] = mapped_column(String(200), default="", info=label(
        _l("Follow-up note")))
    followed_up_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    written_off_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    written_off_at: Mapped[dt.datetime | None] = mapped_column(info=label(_l("Written off at")))
    write_off_reason: Mapped[str] = mapped_column(String(200), default="",
                                                  info=label(_l("Reason for write-off")))
    # Optimistic lock: a write-off and a repayment racing on one loan cannot both pass.
    version: Mapped[int] = mapped_column(default=1, info={"audit": False})
    __mapper_args__ = {"version_id_col": version}

    worker = relationship("Worker")
    fund = relationship("Fund")
    instalments: Mapped[list[Instalment]] = relationship(
        back_populates="loan", order_by="Instalment.number")
    repayments: Mapped[list[Repayment]] = relationship(
        back_populates="loan", order_by="Repayment.id")
    applied_by = relationship("User", foreign_keys=[applied_by_id])
    approved_by = relationship("User", foreign_keys=[approved_by_id])
    rejected_by = relationship("User", foreign_keys=[rejected_by_id])
    disbursed_by = relationship("User", foreign_keys=[disbursed_by_id])
    written_off_by = relationship("User", foreign_keys=[written_off_by_id])
    followed_up_by = relationship("User", foreign_keys=[followed_up_by_id])
    disbursement_entry = relationship("FundEntry", foreign_keys=[disbursement_entry_id])

    # --- derived, as of models.base.today() --------------------------------------------
    @property
    def outstanding(self) -> Decimal:
        """Return what is still owed (for a written-off loan: what was written off)."""
        return (self.total_due or ZERO) - (self.repaid_amount or ZERO)

    @property
    def next_due_on(self) -> dt.date | None:
        if self.state != "disbursed":
            return None
        return loan_schedule.next_due_on(self.instalments)

    @property
    def days_overdue(self) -> int:
        if self.state != "disbursed":
            return 0
        return loan_schedule.days_overdue(self.instalments, today())

    @property
    def arrears(self) -> Decimal:
        """Return the amount fallen due and not paid."""
        if self.state != "disbursed":
            return ZERO
        return loan_schedule.arrears(self.instalments, today())

    @property
    def arrears_bucket(self) -> str | None:
        return loan_schedule.bucket(self.days_overdue)

    def __str__(self) -> str:
        worker = self.worker.name if self.worker else ""
        return f"JK-{self.id} {worker} {self.amount:,.2f}" if self.amount else f"JK-{self.id}"


class Instalment(UnitScoped, db.Model):
    """One line of a loan's repayment schedule, made at disbursement."""
    unit_from = "loan"

    __tablename__ = "instalment"
    __table_args__ = (
        Index("uq_instalment_loan_number", "loan_id", "number", unique=True),
        # Compared within half a fen: SQLite stores NUMERIC as binary floating point.
        CheckConstraint("principal >= 0 AND interest >= 0 AND "
                        "abs(amount_due - principal - interest) < 0.005", name="amount_due"),
        CheckConstraint("amount_paid >= 0 AND amount_paid <= amount_due", name="paid_within_due"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    loan_id: Mapped[int] = mapped_column(ForeignKey("loan.id"), index=True,
                                         info=label(_l("Loan")))
    number: Mapped[int] = mapped_column(info=label(_l("Instalment no.")))
    due_on: Mapped[dt.date] = mapped_column(Date, index=True, info=label(_l("Due on")))
    principal: Mapped[Decimal] = mapped_column(MONEY, info=label(_l("Principal (yuan)")))
    interest: Mapped[Decimal] = mapped_column(MONEY, default=ZERO,
                                              info=label(_l("Interest (yuan)")))
    amount_due: Mapped[Decimal] = mapped_column(MONEY, info=label(_l("Amount due (yuan)")))
    amount_paid: Mapped[Decimal] = mapped_column(MONEY, default=ZERO,
                                                 info=label(_l("Amount paid (yuan)")))
    met_on: Mapped[dt.date | None] = mapped_column(Date, info=label(_l("Paid in full on")))

    loan: Mapped[Loan] = relationship(back_populates="instalments")

    def __str__(self) -> str:
        return f"{self.number}"


class Repayment(UnitScoped, db.Model):
    """Money a borrower paid back (+), or the reversal of a wrong repayment (−).

    Append-only: never edited or deleted (models.ledger.APPEND_ONLY).
    """
    unit_from = "loan"

    __tablename__ = "repayment"
    __table_args__ = (
        CheckConstraint("amount <> 0", name="amount_not_zero"),
        CheckConstraint("(reverses_id IS NULL AND amount > 0) OR "
                        "(reverses_id IS NOT NULL AND amount < 0)", name="sign"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    loan_id: Mapped[int] = mapped_column(ForeignKey("loan.id"), index=True,
                                         info=label(_l("Loan")))
    amount: Mapped[Decimal] = mapped_column(MONEY, info=label(_l("Amount (yuan)")))
    paid_on: Mapped[dt.date] = mapped_column(Date, default=today, index=True,
                                             info=label(_l("Paid on")))
    at: Mapped[dt.datetime] = mapped_column(default=utcnow, info=label(_l("Entered at")),
                                            index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    document: Mapped[str] = mapped_column(String(64), default="",
                                          info=label(_l("Receipt no.")), index=True)
    note: Mapped[str] = mapped_column(String(200), default="", info=label(_l("Note")))
    # unique: a repayment is reversed at most once, also when two managers try at once.
    reverses_id: Mapped[int | None] = mapped_column(
        ForeignKey("repayment.id"), unique=True, info=label(_l("Reverses repayment")))
    fund_entry_id: Mapped[int | None] = mapped_column(ForeignKey("fund_entry.id"))

    loan: Mapped[Loan] = relationship(back_populates="repayments")
    user = relationship("User")
    reverses = relationship("Repayment", remote_side=[id])
    fund_entry = relationship("FundEntry")

    def __str__(self) -> str:
        return f"#{self.id} {self.amount:+,.2f}" if self.amount is not None else f"#{self.id}"
