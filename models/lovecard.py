"""Love cards (爱心卡) of workers on file and their points ledger (1 point = 1 yuan)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Numeric, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import db, label, today, utcnow
from models.choices import CARD_ENTRY_KINDS, CARD_STATUSES
from models.unit_scope import UnitOwned, UnitScoped

POINTS = Numeric(12, 2)


def end_of_next_year() -> dt.date:
    """Return the default expiry of a new card: 31 December of next year."""
    return dt.date(today().year + 1, 12, 31)


class LoveCard(UnitOwned, db.Model):
    """A worker's card; ``balance`` caches the sum of its entries and never goes below zero."""
    unit_parents = ("worker",)

    __tablename__ = "love_card"
    __table_args__ = (
        CheckConstraint("balance >= 0", name="balance_not_negative"),
        CheckConstraint("status IN ('active', 'lost', 'cancelled')", name="status"),
        # A worker holds at most one usable card: a lost card's points move to its successor.
        Index("uq_love_card_one_active", "worker_id", unique=True,
              sqlite_where=text("status = 'active'"),
              postgresql_where=text("status = 'active'")),
        # Prefix search (LIKE 'oyx%') uses the index under any collation with pattern ops.
        Index("ix_love_card_initials", "initials",
              postgresql_ops={"initials": "varchar_pattern_ops"}),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    card_no: Mapped[str] = mapped_column(String(20), unique=True, info=label(_l("Card no.")))
    worker_id: Mapped[int] = mapped_column(ForeignKey("worker.id"), index=True,
                                           info=label(_l("Worker")))
    status: Mapped[str] = mapped_column(String(16), default="active", index=True, info=label(
        _l("Card status"), choices=CARD_STATUSES))
    balance: Mapped[Decimal] = mapped_column(POINTS, default=Decimal("0"),
                                             info=label(_l("Points balance")))
    issued_on: Mapped[dt.date] = mapped_column(Date, default=today,
                                               info=label(_l("Issued on")), index=True)
    valid_until: Mapped[dt.date] = mapped_column(Date, default=lambda: end_of_next_year(),
                                                 info=label(_l("Valid until")), index=True)
    # Pinyin initials of the holder's name, kept by models.lovecard_rules on every flush.
    initials: Mapped[str] = mapped_column(String(32), default="", info={
        "audit": False, "label": _l("Pinyin initials")})
    replaced_by_id: Mapped[int | None] = mapped_column(ForeignKey("love_card.id"),
                                                       info=label(_l("Replaced by card")))
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    closed_reason: Mapped[str] = mapped_column(String(200), default="", info=label(
        _l("Reason for loss or cancellation")))
    notes: Mapped[str] = mapped_column(Text, default="", info=label(_l("Notes")))

    worker = relationship("Worker")
    issued_by = relationship("User")
    replaced_by = relationship("LoveCard", remote_side=[id])
    entries: Mapped[list[CardEntry]] = relationship(back_populates="card",
                                                    order_by="CardEntry.id")

    def __str__(self) -> str:
        return self.card_no or ""


class CardEntry(UnitScoped, db.Model):
    """One change of a card's points (+ top-up or refund, − redemption or reversal).

    Never edited or deleted: a mistaken top-up is undone by a ``topup_reversal`` entry.
    """
    unit_from = "card"

    __tablename__ = "card_entry"
    __table_args__ = (
        CheckConstraint("points <> 0", name="points_not_zero"),
        CheckConstraint("balance_after >= 0", name="balance_after_not_negative"),
        CheckConstraint("kind IN ('topup', 'redemption', 'refund', 'transfer_out', "
                        "'transfer_in', 'topup_reversal')", name="kind"),
        CheckConstraint("(kind IN ('topup', 'refund', 'transfer_in') AND points > 0) OR "
                        "(kind IN ('redemption', 'transfer_out', 'topup_reversal') "
                        "AND points < 0)", name="sign"),
        # A reversal always names the top-up it undoes, and only a reversal names one.
        CheckConstraint("(kind = 'topup_reversal' AND reverses_id IS NOT NULL) OR "
                        "(kind <> 'topup_reversal' AND reverses_id IS NULL)", name="reverses"),
        Index("ix_card_entry_card_id_id", "card_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    card_id: Mapped[int] = mapped_column(ForeignKey("love_card.id"), info=label(_l("Card")))
    kind: Mapped[str] = mapped_column(String(16), index=True, info=label(
        _l("Kind"), choices=CARD_ENTRY_KINDS))
    points: Mapped[Decimal] = mapped_column(POINTS, info=label(_l("Points")))
    balance_after: Mapped[Decimal] = mapped_column(POINTS, info=label(_l("Balance after")))
    at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True, info=label(_l("Time")))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    document: Mapped[str] = mapped_column(String(32), default="",
                                          info=label(_l("Document no.")))
    reason: Mapped[str] = mapped_column(String(200), default="", info=label(_l("Reason")))
    redemption_id: Mapped[int | None] = mapped_column(ForeignKey("redemption.id"), index=True)
    # Unique: an entry is reversed at most once, also by two clerks at the same moment.
    reverses_id: Mapped[int | None] = mapped_column(
        ForeignKey("card_entry.id"), unique=True, info=label(_l("Reverses entry")))

    card: Mapped[LoveCard] = relationship(back_populates="entries")
    user = relationship("User")
    redemption = relationship("Redemption")
    reverses = relationship("CardEntry", remote_side=[id])

    def __str__(self) -> str:
        return f"#{self.id} {self.points:+.2f}"
