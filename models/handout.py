"""Hand-outs (发放) of donated goods to named people: a worker on file or a desk person.

Free of charge, unlike a redemption; a campaign grant's goods package is handed out as
one hand-out naming the grant (``assistance_id``, once per grant). Voided, never edited.
"""
from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import db, label, utcnow
from models.choices import HANDOUT_STATES
from models.unit_scope import UnitOwned, UnitScoped


class Handout(UnitOwned, db.Model):
    """What one named person was handed out; voided (reversed), never edited."""
    unit_parents = ("worker", "person")

    __tablename__ = "handout"
    __table_args__ = (
        # Exactly one recipient: a worker on file or a service-desk person.
        CheckConstraint("(worker_id IS NULL) <> (person_id IS NULL)", name="one_recipient"),
        CheckConstraint("state IN ('done', 'voided')", name="state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True,
                                        info=label(_l("Hand-out no.")))
    worker_id: Mapped[int | None] = mapped_column(ForeignKey("worker.id"), index=True,
                                                  info=label(_l("Worker")))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True,
                                                  info=label(_l("Person")))
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaign.id"), index=True,
                                                    info=label(_l("Campaign")))
    # A campaign grant's package goes out once.
    assistance_id: Mapped[int | None] = mapped_column(ForeignKey("assistance.id"),
                                                      unique=True,
                                                      info=label(_l("Campaign grant")))
    handed_out_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True,
                                                       info=label(_l("Handed out at")))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"),
                                                info=label(_l("Handed out by")))
    note: Mapped[str] = mapped_column(String(200), default="", info=label(_l("Note")))
    state: Mapped[str] = mapped_column(String(16), default="done", index=True, info=label(
        _l("Hand-out status"), choices=HANDOUT_STATES))
    voided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    voided_at: Mapped[dt.datetime | None] = mapped_column(info=label(_l("Voided at")))
    void_reason: Mapped[str] = mapped_column(String(200), default="",
                                             info=label(_l("Reason for voiding")))
    version: Mapped[int] = mapped_column(default=1, info={"audit": False})
    __mapper_args__ = {"version_id_col": version}

    worker = relationship("Worker")
    person = relationship("Person")
    campaign = relationship("Campaign")
    assistance = relationship("Assistance")
    user = relationship("User", foreign_keys=[user_id])
    voided_by = relationship("User", foreign_keys=[voided_by_id])
    lines: Mapped[list[HandoutLine]] = relationship(
        back_populates="handout", cascade="all, delete-orphan", order_by="HandoutLine.id")

    @property
    def recipient(self):
        return self.worker if self.worker_id is not None else self.person

    def __str__(self) -> str:
        return self.number or ""


class HandoutLine(UnitScoped, db.Model):
    unit_from = "handout"
    __tablename__ = "handout_line"
    __table_args__ = (CheckConstraint("quantity > 0", name="quantity_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    handout_id: Mapped[int] = mapped_column(ForeignKey("handout.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id"), index=True,
                                         info=label(_l("Item")))
    quantity: Mapped[int] = mapped_column(info=label(_l("Quantity")))

    handout: Mapped[Handout] = relationship(back_populates="lines")
    item = relationship("Item")

    def __str__(self) -> str:
        return f"{self.item} × {self.quantity}" if self.item is not None else ""
