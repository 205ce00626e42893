"""Assistance funds (帮扶资金) and their append-only ledger."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, Index, Numeric, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import db, label, utcnow
from models.choices import FUND_ENTRY_KINDS, FUND_SOURCES

AMOUNT = Numeric(14, 2)


class Fund(db.Model):
    __tablename__ = "fund"
    __table_args__ = (
        # The cached balance may never go below zero: the last guard under any race.
        CheckConstraint("balance >= 0", name="balance_not_negative"),
        CheckConstraint("source IN ('government', 'union', 'donation')", name="source"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True, info=label(_l("Fund name")))
    source: Mapped[str] = mapped_column(String(16), info=label(_l("Source"),
                                                               choices=FUND_SOURCES))
    balance: Mapped[Decimal] = mapped_column(AMOUNT, default=Decimal("0"),
                                             info=label(_l("Balance (yuan)")))
    active: Mapped[bool] = mapped_column(default=True, info=label(_l("In use")))
    notes: Mapped[str] = mapped_column(Text, default="", info=label(_l("Notes")))

    entries: Mapped[list[FundEntry]] = relationship(back_populates="fund",
                                                    order_by="FundEntry.id")

    def __str__(self) -> str:
        return self.name or ""


class FundEntry(db.Model):
    """One movement of money in (+) or out (−) of a fund. Never edited or deleted."""

    __tablename__ = "fund_entry"
    __table_args__ = (
        CheckConstraint("amount <> 0", name="amount_not_zero"),
        CheckConstraint("balance_after >= 0", name="balance_after_not_negative"),
        Index("ix_fund_entry_fund_id_id", "fund_id", "id"),
        # A transfer's document no. holds one entry out and one in (models.fund_transfers).
        Index("uq_fund_entry_transfer_side", "document", "kind", unique=True,
              sqlite_where=text("kind IN ('transfer_out', 'transfer_in')"),
              postgresql_where=text("kind IN ('transfer_out', 'transfer_in')")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    fund_id: Mapped[int] = mapped_column(ForeignKey("fund.id"), info=label(_l("Fund")))
    kind: Mapped[str] = mapped_column(String(24), index=True,
                                      info=label(_l("Kind"), choices=FUND_ENTRY_KINDS))
    amount: Mapped[Decimal] = mapped_column(AMOUNT, info=label(_l("Amount (yuan)")))
    balance_after: Mapped[Decimal] = mapped_column(AMOUNT,
                                                   info=label(_l("Balance after (yuan)")))
    at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True, info=label(_l("Time")))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    document: Mapped[str] = mapped_column(String(64), default="",
                                          info=label(_l("Document no.")), index=True)
    reason: Mapped[str] = mapped_column(String(200), default="", info=label(_l("Reason")))
    reverses_id: Mapped[int | None] = mapped_column(
        ForeignKey("fund_entry.id"), unique=True, info=label(_l("Reverses entry")))

    fund: Mapped[Fund] = relationship(back_populates="entries")
    user = relationship("User")
    reverses = relationship("FundEntry", remote_side=[id])

    def __str__(self) -> str:
        return f"#{self.id} {self.amount:+.2f}"
