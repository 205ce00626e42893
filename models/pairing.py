"""Pairings (结对帮扶): a cadre or a unit paired with a worker on file, "一对一".

A pair runs from ``starts_on``, optionally for an agreed term (``until``), and is live
until it is ended (``ended_on``, with the reason, by ``models.pairing_rules.end_pairing``);
ended pairs stay as the household's history. A worker has at most one live pair: the
partial unique index ``uq_pairing_one_live`` holds it whatever writes the row.
The cadre's phone is a private number: a role that only reads pairs (the manager) sees it
masked, as it sees the desk's phones (``models.permissions.MASKED_IDENTITY``).
"""
from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import db, label, today, utcnow
from models.choices import sql_codes
from models.unit_scope import UnitOwned

PAIR_KINDS = {"cadre": _l("Cadre"), "unit": _l("Unit")}
LIVE = "ended_on IS NULL"


class Pairing(UnitOwned, db.Model):
    unit_parents = ("worker",)
    __tablename__ = "pairing"
    __table_args__ = (
        CheckConstraint(f"kind IN ({sql_codes(PAIR_KINDS)})", name="kind"),
        # A cadre is named; a unit pair names the unit.
        CheckConstraint("(kind = 'cadre' AND cadre_name <> '') OR "
                        "(kind = 'unit' AND partner_unit <> '')", name="partner_named"),
        CheckConstraint("until IS NULL OR until >= starts_on", name="term"),
        CheckConstraint("ended_on IS NULL OR (ended_on >= starts_on AND end_reason <> '')",
                        name="ended_stamp"),
        # One live pair per worker; ended pairs are history.
        Index("uq_pairing_one_live", "worker_id", unique=True,
              sqlite_where=text(LIVE), postgresql_where=text(LIVE)),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    worker_id: Mapped[int] = mapped_column(ForeignKey("worker.id"), index=True,
                                           info=label(_l("Worker")))
    kind: Mapped[str] = mapped_column(String(8), default="cadre",
                                      info=label(_l("Paired with"), choices=PAIR_KINDS))
    cadre_name: Mapped[str] = mapped_column(String(32), default="", index=True,
                                            info=label(_l("Cadre")))
    partner_unit: Mapped[str] = mapped_column(
        String(100), default="", index=True,
        info=label(_l("Cadre's unit / paired unit")))
    cadre_post: Mapped[str] = mapped_column(String(50), default="",
                                            info=label(_l("Post")))
    cadre_phone: Mapped[str] = mapped_column(String(20), default="",
                                             info=label(_l("Cadre's phone")))
    starts_on: Mapped[dt.date] = mapped_column(Date, default=today, index=True,
                                               info=label(_l("Paired from")))
    until: Mapped[dt.date | None] = mapped_column(Date, info=label(_l("Agreed until")))
    commitment: Mapped[str] = mapped_column(Text, default="",
                                            info=label(_l("Commitment")))
    ended_on: Mapped[dt.date | None] = mapped_column(Date, index=True,
                                                     info=label(_l("Ended on")))
    end_reason: Mapped[str] = mapped_column(String(200), default="",
                                            info=label(_l("Reason for ending")))
    ended_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow,
                                                    info=label(_l("Created at")))

    worker = relationship("Worker")
    ended_by = relationship("User", foreign_keys=[ended_by_id])
    created_by = relationship("User", foreign_keys=[created_by_id])

    @property
    def live(self) -> bool:
        return self.ended_on is None

    def __str__(self) -> str:
        who = self.cadre_name if self.kind == "cadre" else self.partner_unit
        return f"JD-{self.id} {who}"
