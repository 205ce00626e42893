"""The love supermarket's goods (爱心超市): items, lots with expiry, and the stock ledger."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import db, label, today, utcnow
from models.choices import ITEM_CATEGORIES, MOVEMENT_REASONS
from models.unit_scope import UnitOwned, UnitScoped

POINTS = Numeric(12, 2)
IN_REASONS = ("donation_in", "purchase_in")
OUT_REASONS = ("redemption_out", "handout_out", "loss_out")


def _in(column: str, values) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Item(UnitOwned, db.Model):
    """A kind of goods, counted in whole units; ``on_hand`` caches the ledger's sum."""

    __tablename__ = "item"
    __table_args__ = (
        # The last guard against overselling under any race: the cache cannot go negative.
        CheckConstraint("on_hand >= 0", name="on_hand_not_negative"),
        CheckConstraint("points_price >= 0 AND low_stock >= 0", name="not_negative"),
        CheckConstraint(_in("category", ITEM_CATEGORIES), name="category"),
        Index("ix_item_initials", "initials", postgresql_ops={"initials": "varchar_pattern_ops"}),
        # Each unit's supermarket keeps its own goods: names and barcodes are unique in it.
        UniqueConstraint("unit_id", "name", name="uq_item_unit_name"),
        Index("ix_item_name", "name"),  # the stock lists filter by the item's name
        UniqueConstraint("unit_id", "barcode", name="uq_item_unit_barcode"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), info=label(
        _l("Item name"), description=_l("With the size, e.g. 大米 5kg")))
    category: Mapped[str] = mapped_column(String(16), default="other", index=True, info=label(
        _l("Item category"), choices=ITEM_CATEGORIES))
    unit: Mapped[str] = mapped_column(String(8), info=label(
        _l("Unit"), description=_l("e.g. 袋, 桶, 床, 个")))
    barcode: Mapped[str | None] = mapped_column(String(32), info=label(_l("Barcode")))
    points_price: Mapped[Decimal] = mapped_column(POINTS, default=Decimal("0"), info=label(
        _l("Points price"), description=_l("1 point = 1 yuan")))
    low_stock: Mapped[int] = mapped_column(default=5, info=label(_l("Low-stock threshold")))
    active: Mapped[bool] = mapped_column(default=True, info=label(_l("Offered")))
    on_hand: Mapped[int] = mapped_column(default=0, info=label(_l("In stock")))
    initials: Mapped[str] = mapped_column(String(64), default="", info={
        "audit": False, "label": _l("Pinyin initials")})
    notes: Mapped[str] = mapped_column(Text, default="", info=label(_l("Notes")))

    lots: Mapped[list[StockLot]] = relationship(back_populates="item", order_by="StockLot.id")

    @property
    def is_low(self) -> bool:
        return self.active and (self.on_hand or 0) <= (self.low_stock or 0)

    def __str__(self) -> str:
        return self.name or ""


class StockLot(UnitScoped, db.Model):
    """The units of one item from one lot (batch and expiry date); ``on_hand`` is cached."""
    unit_from = "item"

    __tablename__ = "stock_lot"
    __table_args__ = (
        CheckConstraint("on_hand >= 0", name="on_hand_not_negative"),
        # lot_key folds lot no. and expiry into one value: NULLs are never equal in an index.
        UniqueConstraint("item_id", "lot_key"),
        Index("ix_stock_lot_expiry_on_hand", "expiry", "on_hand"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id"), index=True,
                                         info=label(_l("Item")))
    lot_no: Mapped[str] = mapped_column(String(32), default="", info=label(_l("Lot no.")))
    expiry: Mapped[dt.date | None] = mapped_column(Date, info=label(_l("Expiry date")))
    lot_key: Mapped[str] = mapped_column(String(48), info={"audit": False})
    on_hand: Mapped[int] = mapped_column(default=0, info=label(_l("In stock")))
    received_on: Mapped[dt.date] = mapped_column(Date, default=today,
                                                 info=label(_l("First received on")))

    item: Mapped[Item] = relationship(back_populates="lots")

    @staticmethod
    def key(lot_no: str, expiry: dt.date | None) -> str:
        """Return the value that identifies a lot of an item."""
        return f"{(lot_no or '').strip()}|{expiry.isoformat() if expiry else ''}"

    def __str__(self) -> str:
        parts = [self.lot_no or "", self.expiry.isoformat() if self.expiry else ""]
        return " ".join(p for p in parts if p) or "—"


class StockMovement(UnitScoped, db.Model):
    """One change of stock of one lot (+ in, − out). Never edited or deleted."""
    unit_from = "item"

    __tablename__ = "stock_movement"
    __table_args__ = (
        CheckConstraint("quantity <> 0", name="quantity_not_zero"),
        CheckConstraint("stock_after >= 0 AND lot_after >= 0", name="after_not_negative"),
        CheckConstraint(_in("reason", MOVEMENT_REASONS), name="reason"),
        CheckConstraint(f"({_in('reason', IN_REASONS)} AND quantity > 0) OR "
                        f"({_in('reason', OUT_REASONS)} AND quantity < 0) OR "
                        "reason IN ('stocktake', 'reversal')", name="sign"),
        Index("ix_stock_movement_item_id_id", "item_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True, info=label(_l("Time")))
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id"), info=label(_l("Item")))
    lot_id: Mapped[int] = mapped_column(ForeignKey("stock_lot.id"), index=True,
                                        info=label(_l("Lot")))
    reason: Mapped[str] = mapped_column(String(16), index=True, info=label(
        _l("Movement"), choices=MOVEMENT_REASONS))
    quantity: Mapped[int] = mapped_column(info=label(_l("Quantity")))
    stock_after: Mapped[int] = mapped_column(info=label(_l("Item stock after")))
    lot_after: Mapped[int] = mapped_column(info=label(_l("Lot stock after")))
    document: Mapped[str] = mapped_column(String(32), default="", index=True,
                                          info=label(_l("Document no.")))
    note: Mapped[str] = mapped_column(String(200), default="", info=label(_l("Reason")))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"),
                                                info=label(_l("Entered by")))
    donation_id: Mapped[int | None] = mapped_column(ForeignKey("donation.id"), index=True,
                                                    info=label(_l("Donation")))
    redemption_id: Mapped[int | None] = mapped_column(ForeignKey("redemption.id"), index=True,
                                                      info=label(_l("Redemption")))
    stocktake_id: Mapped[int | None] = mapped_column(ForeignKey("stocktake.id"), index=True,
                                                     info=label(_l("Stocktake")))
    handout_id: Mapped[int | None] = mapped_column(ForeignKey("handout.id"), index=True,
                                                   info=label(_l("Hand-out")))
    reverses_id: Mapped[int | None] = mapped_column(
        ForeignKey("stock_movement.id"), unique=True, info=label(_l("Reverses movement")))

    item: Mapped[Item] = relationship()
    lot: Mapped[StockLot] = relationship()
    user = relationship("User")
    reverses = relationship("StockMovement", remote_side=[id])
    donation = relationship("Donation")
    redemption = relationship("Redemption")
    stocktake = relationship("Stocktake")
    handout = relationship("Handout")

    def __str__(self) -> str:
        return f"#{self.id} {self.quantity:+d}"
