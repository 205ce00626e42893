"""Recording a donation posts its goods to stock and its money to the donation fund at once."""
from __future__ import annotations

from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from models.base import DomainError, db, today, utcnow
from models.donation import Donation
from models.funds import Fund
from models.guards import Guards, unless
from models.inventory import StockMovement
from models.inventory_rules import _reverse, stock_in
from models.ledger import money, post_entry, reverse_entry
from models.ledger_text import donation_in
from models.numbering import document_no

CONSTRAINT_MESSAGES = {
    "uq_donation_receipt_no": lambda: _("This receipt number is already used."),
    "on_hand_not_negative": lambda: _("Stock cannot go below zero."),
    "balance_not_negative": lambda: _("The fund does not have enough money."),
}


def donation_fund() -> Fund | None:
    """Return the fund money donations go into by default: the first active donation fund."""
    return db.session.scalar(select(Fund).where(Fund.source == "donation",
                                                Fund.active.is_(True)).order_by(Fund.id))


GUARDS = Guards(
    edit=unless(lambda donation: donation.state == "draft",
                _l("A recorded donation cannot be edited; void it and enter it again.")),
    delete=unless(lambda donation: donation.state == "draft",
                  _l("Only a draft donation can be deleted; void a recorded one.")))


def check_edit(donation: Donation) -> None:
    """Refuse changes to a donation that is no longer a draft."""
    refusal = GUARDS.edit(donation)
    if refusal:
        raise DomainError(str(refusal))


def check_draft(donation: Donation) -> None:
    """Refuse a donation that is incomplete, and total the value of its goods."""
    if not (donation.donor_name or "").strip():
        raise DomainError(_("Give the donor's name."))
    if (donation.money_amount or 0) < 0:
        raise DomainError(_("The money amount cannot be negative."))
    for line in donation.lines:
        if line.item is None and line.item_id is None:
            raise DomainError(_("Choose the item of every goods line."))
        if not line.quantity or line.quantity <= 0:
            raise DomainError(_("Quantities are whole numbers above zero."))
        if (line.value or 0) < 0:
            raise DomainError(_("Estimated values cannot be negative."))
        if line.expiry is not None and line.expiry < today():
            raise DomainError(_("%(name)s expired on %(date)s; expired goods are not taken "
                                "into stock.", name=line.item, date=line.expiry.isoformat()))
    if not donation.lines and not donation.money_amount:
        raise DomainError(_("A donation needs money or at least one line of goods."))
    donation.goods_value = money(sum((line.value or Decimal("0") for line in donation.lines),
                                     Decimal("0")))


def _fund_for(donation: Donation) -> Fund:
    fund = donation.fund or donation_fund()
    if fund is None:
        raise DomainError(_("There is no donation fund for the money; an administrator "
                            "creates one (source: public donations) first."))
    if fund.source != "donation" or not fund.active:
        raise DomainError(_("Donated money goes into an active fund of public donations."))
    return fund


def record_donation(donation: Donation, user) -> None:
    """Give the receipt no., post the goods to stock and the money to the fund, at once."""
    if donation.state != "draft":
        raise DomainError(_("Only a draft donation can be recorded."))
    check_draft(donation)
    fund = _fund_for(donation) if donation.money_amount else None
    donation.fund = fund
    number = document_no("JZ", donation.received_on.year)  # per year of the donation's date
    donation.state, donation.recorded_by_id, donation.recorded_at = "recorded", user.id, utcnow()
    donation.receipt_no = number
    db.session.flush()  # the version check: a second clerk recording it too fails here
    for line in sorted(donation.lines, key=lambda x: (x.item_id, x.id)):
        stock_in(line.item, line.quantity, "donation_in", user, line.lot_no, line.expiry,
                 document=donation.receipt_no, note=donation.donor_name,
                 donation_id=donation.id)
    if fund is not None:
        donation.fund_entry = post_entry(
            fund.id, "donation_in", donation.money_amount, user,
            document=donation.receipt_no, reason=donation_in(donation.donor_name))
    db.session.flush()


def void_donation(donation: Donation, user, reason: str) -> None:
    """Take a recorded donation's goods back out of stock and its money out of the fund."""
    if donation.state != "recorded":
        raise DomainError(_("Only a recorded donation can be voided."))
    if not (reason or "").strip():
        raise DomainError(_("Give the reason for voiding."))
    donation.state, donation.voided_by_id, donation.voided_at = "voided", user.id, utcnow()
    donation.void_reason = reason.strip()
    db.session.flush()
    movements = db.session.scalars(select(StockMovement).where(
        StockMovement.donation_id == donation.id, StockMovement.reason == "donation_in")
        .order_by(StockMovement.item_id, StockMovement.id)).all()
    for movement in movements:
        _reverse(movement, user, reason.strip(), donation_id=donation.id)
    if donation.fund_entry is not None:
        reverse_entry(donation.fund_entry, user, reason.strip())
    db.session.flush()
