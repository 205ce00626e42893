"""Stocktakes (盘点): counted quantities against the book, confirmed into adjustments."""
from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import db, label, utcnow
from models.choices import ITEM_CATEGORIES, STOCKTAKE_STATES
from models.unit_scope import UnitOwned, UnitScoped


class Stocktake(UnitOwned, db.Model):
    __tablename__ = "stocktake"
    __table_args__ = (
        CheckConstraint("state IN ('open', 'confirmed')", name="state"),
        # One count at a time: two open stocktakes would adjust the same stock twice.
        Index("uq_stocktake_one_open", "state", unique=True,
              sqlite_where=text("state = 'open'"), postgresql_where=text("state = 'open'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True,
                                        info=label(_l("Stocktake no.")))
    category: Mapped[str | None] = mapped_column(String(16), info=label(
        _l("Item category"), choices=ITEM_CATEGORIES,
        description=_l("Empty counts every item on offer")))
    state: Mapped[str] = mapped_column(String(16), default="open", index=True, info=label(
        _l("Stocktake status"), choices=STOCKTAKE_STATES))
    note: Mapped[str] = mapped_column(Text, default="", info=label(_l("Notes")))
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    started_at: Mapped[dt.datetime] = mapped_column(default=utcnow,
                                                    info=label(_l("Started at")), index=True)
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    confirmed_at: Mapped[dt.datetime | None] = mapped_column(info=label(_l("Confirmed at")))
    version: Mapped[int] = mapped_column(default=1, info={"audit": False})
    __mapper_args__ = {"version_id_col": version}

    lines: Mapped[list[StocktakeLine]] = relationship(
        back_populates="stocktake", cascade="all, delete-orphan", order_by="StocktakeLine.id")
    started_by = relationship("User", foreign_keys=[started_by_id])
    confirmed_by = relationship("User", foreign_keys=[confirmed_by_id])

    def __str__(self) -> str:
        return self.number or ""


class StocktakeLine(UnitScoped, db.Model):
    """One item's count; ``book`` is the stock on hand when the count was entered."""
    unit_from = "stocktake"

    __tablename__ = "stocktake_line"
    __table_args__ = (
        UniqueConstraint("stocktake_id", "item_id"),
        CheckConstraint("book >= 0 AND (counted IS NULL OR counted >= 0)", name="not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    stocktake_id: Mapped[int] = mapped_column(ForeignKey("stocktake.id", ondelete="CASCADE"),
                                              info=label(_l("Stocktake")))
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id"), index=True,
                                         info=label(_l("Item")))
    book: Mapped[int] = mapped_column(default=0, info=label(_l("Book quantity")))
    counted: Mapped[int | None] = mapped_column(info=label(_l("Counted quantity")))
    counted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    counted_at: Mapped[dt.datetime | None] = mapped_column(info=label(_l("Counted at")))

    stocktake: Mapped[Stocktake] = relationship(back_populates="lines")
    item = relationship("Item")
    counted_by = relationship("User")

    @property
    def difference(self) -> int | None:
        return None if self.counted is None else self.counted - self.book
