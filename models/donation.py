"""Donations (捐赠) of money and goods, and the lines of goods they bring."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, Date, ForeignKey, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import db, label, today, utcnow
from models.choices import DONATION_STATES, DONOR_KINDS
from models.unit_scope import UnitOwned, UnitScoped

MONEY = Numeric(12, 2)


class Donation(UnitOwned, db.Model):
    """A donation: drafted, then recorded (stock and fund posted, receipt no. given), or voided."""

    __tablename__ = "donation"
    __table_args__ = (
        CheckConstraint("money_amount >= 0 AND goods_value >= 0", name="amounts_not_negative"),
        CheckConstraint("state IN ('draft', 'recorded', 'voided')", name="state"),
        CheckConstraint("donor_kind IN ('person', 'organisation')", name="donor_kind"),
        CheckConstraint("state = 'draft' OR receipt_no IS NOT NULL", name="receipt_when_recorded"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    receipt_no: Mapped[str | None] = mapped_column(String(20), unique=True,
                                                   info=label(_l("Receipt no.")))
    donor_kind: Mapped[str] = mapped_column(String(16), default="organisation", info=label(
        _l("Donor type"), choices=DONOR_KINDS))
    donor_name: Mapped[str] = mapped_column(String(100), index=True, info=label(_l("Donor")))
    contact_person: Mapped[str] = mapped_column(String(32), default="",
                                                info=label(_l("Contact person")))
    phone: Mapped[str] = mapped_column(String(20), default="", info=label(_l("Phone")))
    address: Mapped[str] = mapped_column(String(200), default="", info=label(_l("Address")))
    received_on: Mapped[dt.date] = mapped_column(Date, default=today, index=True,
                                                 info=label(_l("Donation date")))
    money_amount: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0"),
                                                  info=label(_l("Money (yuan)")))
    goods_value: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0"), info=label(
        _l("Estimated value of goods (yuan)")))
    fund_id: Mapped[int | None] = mapped_column(ForeignKey("fund.id"), info=label(
        _l("Into fund"), description=_l("The donation fund the money goes into")))
    designated_use: Mapped[str] = mapped_column(String(200), default="", info=label(
        _l("Designated use"), description=_l("Empty when the donor did not designate a use")),
            index=True)
    notes: Mapped[str] = mapped_column(Text, default="", info=label(_l("Notes")))
    state: Mapped[str] = mapped_column(String(16), default="draft", index=True, info=label(
        _l("Donation status"), choices=DONATION_STATES))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow,
                                                    info=label(_l("Entered at")))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    recorded_at: Mapped[dt.datetime | None] = mapped_column(info=label(_l("Recorded at")))
    voided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    voided_at: Mapped[dt.datetime | None] = mapped_column(info=label(_l("Voided at")))
    void_reason: Mapped[str] = mapped_column(String(200), default="",
                                             info=label(_l("Reason for voiding")))
    fund_entry_id: Mapped[int | None] = mapped_column(ForeignKey("fund_entry.id"))
    # Optimistic lock: one donation cannot be recorded or voided twice at once.
    version: Mapped[int] = mapped_column(default=1, info={"audit": False})
    __mapper_args__ = {"version_id_col": version}

    lines: Mapped[list[DonationLine]] = relationship(
        back_populates="donation", cascade="all, delete-orphan", order_by="DonationLine.id")
    fund = relationship("Fund")
    fund_entry = relationship("FundEntry")
    created_by = relationship("User", foreign_keys=[created_by_id])
    recorded_by = relationship("User", foreign_keys=[recorded_by_id])
    voided_by = relationship("User", foreign_keys=[voided_by_id])

    @property
    def total_value(self) -> Decimal:
        """Money and goods; a draft's goods are totalled from its lines as they stand."""
        goods = self.goods_value or Decimal("0")
        if self.state == "draft":
            goods = sum((line.value or Decimal("0") for line in self.lines), Decimal("0"))
        return (self.money_amount or Decimal("0")) + goods

    def __str__(self) -> str:
        return self.receipt_no or f"#{self.id}"


class DonationLine(UnitScoped, db.Model):
    """Goods of one item (and one lot) in a donation."""
    unit_from = "donation"

    __tablename__ = "donation_line"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("value >= 0", name="value_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    donation_id: Mapped[int] = mapped_column(ForeignKey("donation.id", ondelete="CASCADE"),
                                             index=True, info=label(_l("Donation")))
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id"), index=True,
                                         info=label(_l("Item")))
    quantity: Mapped[int] = mapped_column(info=label(_l("Quantity")))
    value: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0"), info=label(
        _l("Estimated value (yuan)"), description=_l("For the whole line")))
    lot_no: Mapped[str] = mapped_column(String(32), default="", info=label(_l("Lot no.")))
    expiry: Mapped[dt.date | None] = mapped_column(Date, info=label(_l("Expiry date")))

    donation: Mapped[Donation] = relationship(back_populates="lines")
    item = relationship("Item")

    def __str__(self) -> str:
        return f"{self.item} × {self.quantity}" if self.item else ""
