"""What a money step is about to do — amount, fund, balance after — shown before it is taken.

Each function reads and never writes; the step itself still checks everything again when
confirmed (the balance may have moved meanwhile). A step that could not be taken now is
refused here already, with the same Chinese message the step would give.
"""
from __future__ import annotations

from decimal import Decimal

from flask_babel import gettext as _

from models.base import DomainError, db, today
from models.choices import ASSISTANCE_KINDS
from models.display import money
from models.funds import Fund
from models.loan_schedule import make_schedule
from models.loans import Repayment
from models.notice_rules import publish
from models.workflow import Preview

ZERO = Decimal("0")


def yuan(value) -> str:
    """Return an amount as the pages show it: 元 with two decimals."""
    return _("%(amount)s yuan", amount=money(value or 0))


def fund_facts(fund_id, change: Decimal) -> tuple[Fund, tuple]:
    """Return the fund and its rows (fund, balance now, balance after ``change``)."""
    fund = db.session.get(Fund, int(fund_id)) if str(fund_id or "").isdigit() else None
    if fund is None or not fund.active:
        raise DomainError(_("The fund does not exist or is no longer in use."))
    db.session.refresh(fund, ["balance"])
    after = Decimal(fund.balance) + change
    if after < 0:
        raise DomainError(_("Fund %(name)s has %(balance)s yuan, not enough for %(amount)s "
                            "yuan.", name=fund.name, balance=money(fund.balance),
                            amount=money(-change)))
    return fund, ((_("Fund"), fund.name), (_("Balance now"), yuan(fund.balance)),
                  (_("Balance after"), yuan(after)))


def pay_aid(record, user) -> Preview:
    """Say what paying an approved assistance record does."""
    kind = ASSISTANCE_KINDS.get(record.kind, record.kind)
    facts = ((_("Worker"), record.worker.name), (_("Kind of aid"), kind),
             (_("Cash paid"), yuan(record.cash_amount)))
    if record.goods:
        facts += ((_("Goods"), f"{record.goods}（{yuan(record.goods_value)}）"),)
    if not record.cash_amount:
        return Preview(_("Mark the aid to %(name)s as handed out; no money leaves a fund.",
                         name=record.worker.name), facts)
    if record.fund_id is None:
        raise DomainError(_("Choose the fund the cash is paid from."))
    fund, rows = fund_facts(record.fund_id, -Decimal(record.cash_amount))
    return Preview(_("Pay %(amount)s to %(name)s from %(fund)s.", amount=yuan(
        record.cash_amount), name=record.worker.name, fund=fund.name), facts + rows,
        _("A payment is never edited; a mistake is undone by a reversal."))


def reverse_aid(record, user, reason: str = "") -> Preview:
    """Say what reversing a paid assistance record does."""
    if not (reason or "").strip():
        raise DomainError(_("Give the reason for the reversal."))
    facts = ((_("Worker"), record.worker.name),
             (_("Kind of aid"), ASSISTANCE_KINDS.get(record.kind, record.kind)),
             (_("Reason for reversal"), reason.strip()))
    entry = record.payment_entry
    if entry is None:
        return Preview(_("Mark record #%(id)d as reversed; no money was paid from a fund.",
                         id=record.id), facts)
    fund, rows = fund_facts(entry.fund_id, -Decimal(entry.amount))
    return Preview(_("Put %(amount)s back into %(fund)s and mark record #%(id)d reversed.",
                     amount=yuan(-entry.amount), fund=fund.name, id=record.id),
                   facts + ((_("Amount back into the fund"), yuan(-entry.amount)),) + rows)


def disburse_loan(loan, user, fund_id=None, jobs_created=0, on=None) -> Preview:
    """Say what disbursing an approved loan does: the fund, the schedule it makes and the
    jobs it is said to create."""
    from models.loan_rules import parse_jobs  # the rules import this module
    jobs = parse_jobs(jobs_created)
    fund, rows = fund_facts(fund_id or loan.fund_id, -Decimal(loan.amount))
    lines = make_schedule(loan.amount, loan.term_months, today(), loan.interest_rate)
    first = lines[0]
    facts = ((_("Worker"), loan.worker.name), (_("Loan amount"), yuan(loan.amount))) + rows + (
        (_("Repayment schedule"), _("%(n)d monthly instalments of %(amount)s, the first due "
                                    "on %(day)s", n=len(lines), amount=yuan(first["amount_due"]),
                                    day=first["due_on"].isoformat())),
        (_("Jobs created (at disbursement)"), str(jobs)))
    return Preview(_("Pay loan JK-%(id)d of %(amount)s to %(name)s from %(fund)s.", id=loan.id,
                     amount=yuan(loan.amount), name=loan.worker.name, fund=fund.name), facts,
                   _("A disbursement is never edited; the schedule starts today."))


def reverse_repayment(loan, user, repayment_id="", reason: str = "") -> Preview:
    """Say what reversing one repayment of ``loan`` does."""
    repayment = db.session.get(Repayment, int(repayment_id)) if str(
        repayment_id).isdigit() else None
    if repayment is None or repayment.loan_id != loan.id:
        raise DomainError(_("Loan JK-%(id)d has no such repayment.", id=loan.id))
    if not (reason or "").strip():
        raise DomainError(_("Give the reason for the reversal."))
    facts = ((_("Worker"), loan.worker.name),
             (_("Repayment reversed"), f"{repayment.paid_on} {yuan(repayment.amount)}"),
             (_("Outstanding after"), yuan(loan.outstanding + repayment.amount)))
    if repayment.fund_entry is not None:
        facts += fund_facts(repayment.fund_entry.fund_id, -Decimal(repayment.amount))[1]
    return Preview(_("Take %(amount)s back out of the fund: loan JK-%(id)d owes it again.",
                     amount=yuan(repayment.amount), id=loan.id),
                   facts + ((_("Reason for reversal"), reason.strip()),))


def void_donation(donation, reason: str = "") -> Preview:
    """Say what voiding a recorded donation does: money out of its fund, goods out of stock."""
    if donation.state != "recorded":
        raise DomainError(_("Only a recorded donation can be voided."))
    if not (reason or "").strip():
        raise DomainError(_("Give the reason for voiding."))
    facts = ((_("Donor"), donation.donor_name), (_("Receipt no."), donation.receipt_no),
             (_("Reason for voiding"), reason.strip()))
    entry = donation.fund_entry
    if entry is not None:
        facts += ((_("Money taken back out"), yuan(entry.amount)),)
        facts += fund_facts(entry.fund_id, -Decimal(entry.amount))[1]
    for line in donation.lines:
        facts += ((_("Goods taken back out"), _(
            "%(item)s × %(n)d (in stock now %(stock)d, after %(after)d)", item=line.item.name,
            n=line.quantity, stock=line.item.on_hand, after=line.item.on_hand - line.quantity)),)
    return Preview(_("Void donation %(no)s: its money and goods are taken back out.",
                     no=donation.receipt_no), facts,
                   _("Voiding cannot be undone; the receipt stays on file as voided."))


def publish_notice(notice, user, starts_on=None, ends_on=None) -> Preview:
    """Say what publishing a draft notice does, by publishing it in a savepoint undone after.

    The dry run refuses exactly what publishing would refuse (dates, personal numbers,
    stale lines) and gives the period and the lines as they would be frozen.
    """
    savepoint = db.session.begin_nested()
    try:
        publish(notice, user, starts_on, ends_on)
        first, last, lines = notice.starts_on, notice.ends_on, len(notice.lines)
        total = sum((line.amount or ZERO for line in notice.lines), ZERO)
    finally:
        savepoint.rollback()
    facts = ((_("Title"), notice.title),
             (_("Notice period"), _("%(first)s to %(last)s (%(n)d days)", first=first.isoformat(),
                                    last=last.isoformat(), n=(last - first).days + 1)))
    if notice.kind == "batch":
        facts += ((_("Lines"), str(lines)), (_("Total amount"), yuan(total)))
    return Preview(_("Publish notice #%(id)d: the public can read it from %(first)s.",
                     id=notice.id, first=first.isoformat()), facts,
                   _("Publishing freezes the notice: its text and lines can no longer be "
                     "changed, only the whole notice withdrawn."))
