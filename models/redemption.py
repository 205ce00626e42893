"""Redemptions (兑换) at the love supermarket counter: points for goods."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import db, label, utcnow
from models.choices import REDEMPTION_STATES
from models.unit_scope import UnitOwned, UnitScoped

POINTS = Numeric(12, 2)


class Redemption(UnitOwned, db.Model):
    """What one worker took at the counter; voided (reversed), never edited."""
    unit_parents = ("card", "worker")

    __tablename__ = "redemption"
    __table_args__ = (
        CheckConstraint("points > 0", name="points_positive"),
        CheckConstraint("state IN ('done', 'voided')", name="state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True,
                                        info=label(_l("Redemption no.")))
    card_id: Mapped[int] = mapped_column(ForeignKey("love_card.id"), index=True,
                                         info=label(_l("Card")))
    worker_id: Mapped[int] = mapped_column(ForeignKey("worker.id"), index=True,
                                           info=label(_l("Worker")))
    points: Mapped[Decimal] = mapped_column(POINTS, info=label(_l("Points")))
    state: Mapped[str] = mapped_column(String(16), default="done", index=True, info=label(
        _l("Redemption status"), choices=REDEMPTION_STATES))
    at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True, info=label(_l("Time")))
    clerk_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    # A one-time token from the counter page: a double-submitted form redeems once.
    token: Mapped[str | None] = mapped_column(String(36), unique=True, info={"audit": False})
    voided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    voided_at: Mapped[dt.datetime | None] = mapped_column(info=label(_l("Voided at")))
    void_reason: Mapped[str] = mapped_column(String(200), default="",
                                             info=label(_l("Reason for voiding")))
    version: Mapped[int] = mapped_column(default=1, info={"audit": False})
    __mapper_args__ = {"version_id_col": version}

    card = relationship("LoveCard")
    worker = relationship("Worker")
    clerk = relationship("User", foreign_keys=[clerk_id])
    voided_by = relationship("User", foreign_keys=[voided_by_id])
    lines: Mapped[list[RedemptionLine]] = relationship(
        back_populates="redemption", cascade="all, delete-orphan",
        order_by="RedemptionLine.id")

    def __str__(self) -> str:
        return self.number or ""


class RedemptionLine(UnitScoped, db.Model):
    unit_from = "redemption"
    __tablename__ = "redemption_line"
    __table_args__ = (
        CheckConstraint("quantity > 0 AND unit_points >= 0 AND points >= 0",
                        name="amounts"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    redemption_id: Mapped[int] = mapped_column(ForeignKey("redemption.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id"), index=True,
                                         info=label(_l("Item")))
    quantity: Mapped[int] = mapped_column(info=label(_l("Quantity")))
    unit_points: Mapped[Decimal] = mapped_column(POINTS, info=label(_l("Points price")))
    points: Mapped[Decimal] = mapped_column(POINTS, info=label(_l("Points")))

    redemption: Mapped[Redemption] = relationship(back_populates="lines")
    item = relationship("Item")
