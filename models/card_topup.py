"""Love-card top-ups drawn from a fund (充值批次, CZ-2026-000001): points are money.

A batch names the fund its value leaves, the campaign if any, the points each card gets
and the cards (``CardTopUpLine``). Its value in yuan (points × cards × yuan per point,
frozen at the request) leaves the fund as ONE fund entry when the batch posts, with one
card entry per card (``models.card_topup_rules``). Above a setting it waits for a
manager, who is never the clerk who asked (rule and CHECK).
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import db, label, utcnow
from models.choices import TOPUP_STATES, sql_codes
from models.unit_scope import UnitOwned, UnitScoped

POINTS = Numeric(12, 2)
YUAN = Numeric(14, 2)


class CardTopUp(UnitOwned, db.Model):
    """One top-up of one or many cards, paid from one fund."""

    __tablename__ = "card_topup"
    __table_args__ = (
        CheckConstraint(f"state IN ({sql_codes(TOPUP_STATES)})", name="state"),
        CheckConstraint("points_per_card > 0", name="points_positive"),
        CheckConstraint("card_count > 0", name="card_count_positive"),
        CheckConstraint("yuan_per_point > 0", name="rate_positive"),
        CheckConstraint("total_yuan > 0", name="total_positive"),
        # Separation of duties: whoever asked for the top-up does not approve it.
        CheckConstraint("approved_by_id IS NULL OR approved_by_id <> requested_by_id",
                        name="approver_not_requester"),
        CheckConstraint("state <> 'pending' OR fund_entry_id IS NULL", name="pending_unposted"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True,
                                        info=label(_l("Top-up no.")))
    fund_id: Mapped[int] = mapped_column(ForeignKey("fund.id"), index=True,
                                         info=label(_l("Paid from fund")))
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaign.id"), index=True,
                                                    info=label(_l("Campaign")))
    points_per_card: Mapped[Decimal] = mapped_column(POINTS, info=label(_l("Points per card")))
    card_count: Mapped[int] = mapped_column(info=label(_l("Cards")))
    yuan_per_point: Mapped[Decimal] = mapped_column(Numeric(8, 2), info=label(
        _l("Yuan per point")))
    total_yuan: Mapped[Decimal] = mapped_column(YUAN, info=label(_l("Value (yuan)")))
    reason: Mapped[str] = mapped_column(String(200), default="", info=label(_l("Reason")))
    state: Mapped[str] = mapped_column(String(16), default="pending", index=True,
                                       info=label(_l("State"), choices=TOPUP_STATES))
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    requested_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True,
                                                      info=label(_l("Requested at")))
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    decided_at: Mapped[dt.datetime | None] = mapped_column(info=label(_l("Decided at")))
    decision_note: Mapped[str] = mapped_column(String(200), default="", info=label(
        _l("Decision note")))
    fund_entry_id: Mapped[int | None] = mapped_column(ForeignKey("fund_entry.id"), unique=True,
                                                      info=label(_l("Fund entry")))

    fund = relationship("Fund")
    campaign = relationship("Campaign")
    requested_by = relationship("User", foreign_keys=[requested_by_id])
    approved_by = relationship("User", foreign_keys=[approved_by_id])
    fund_entry = relationship("FundEntry")
    lines: Mapped[list[CardTopUpLine]] = relationship(back_populates="topup",
                                                      order_by="CardTopUpLine.id")

    def __str__(self) -> str:
        return self.number or ""


class CardTopUpLine(UnitScoped, db.Model):
    """One card of a batch; ``entry_id`` is its card entry once the batch has posted."""

    unit_from = "topup"
    __tablename__ = "card_topup_line"
    __table_args__ = (UniqueConstraint("topup_id", "card_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    topup_id: Mapped[int] = mapped_column(ForeignKey("card_topup.id"), info=label(_l("Top-up")))
    card_id: Mapped[int] = mapped_column(ForeignKey("love_card.id"), index=True,
                                         info=label(_l("Card")))
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("card_entry.id"), unique=True,
                                                 info=label(_l("Card entry")))

    topup: Mapped[CardTopUp] = relationship(back_populates="lines")
    card = relationship("LoveCard")
    entry = relationship("CardEntry")

    def __str__(self) -> str:
        return f"{self.topup} {self.card}" if self.topup is not None else ""
