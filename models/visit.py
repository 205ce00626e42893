"""Visits (走访慰问): who went to a household on file, when, why, what they found and left.

Kinds: 节日慰问, 入户核实, the 三必访 (生病住院必访, 家庭变故必访, 重大困难必访) and 结对走访,
which names its pair (``pairing_id``). What was left is words; cash or goods go through
an aid record (先建档后帮扶, the fund and stock move there), which the visit may link
(``assistance_id``). A visit needing follow-up says what (``follow_up_note``); the desk
case or aid application opened from it is linked back (``service_case_id``,
``assistance_id``; ``models.visit_rules``).
"""
from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import db, label, today, utcnow
from models.choices import sql_codes
from models.unit_scope import UnitOwned

VISIT_KINDS = {
    "festival": _l("Festival visit"),
    "home_check": _l("Home check"),
    "hospital": _l("Must-visit: illness or hospital stay"),
    "family_change": _l("Must-visit: family change"),
    "major_hardship": _l("Must-visit: major hardship"),
    "pairing": _l("Pairing visit"),
}
# 三必访: the visits a hospitalisation, a family change or a major hardship calls for.
MUST_VISITS = ("hospital", "family_change", "major_hardship")


class Visit(UnitOwned, db.Model):
    unit_parents = ("worker",)
    __tablename__ = "visit"
    __table_args__ = (
        CheckConstraint(f"kind IN ({sql_codes(VISIT_KINDS)})", name="kind"),
        # A pairing visit names its pair; no other visit does.
        CheckConstraint("(kind = 'pairing') = (pairing_id IS NOT NULL)", name="pairing_named"),
        CheckConstraint("follow_up = false OR follow_up_note <> ''", name="follow_up_said"),
        CheckConstraint("visitors <> ''", name="visitors_named"),
        # The start page's "not visited this year" and "三必访 due" look up a file's visits.
        Index("ix_visit_worker_day", "worker_id", "visited_on"),
        Index("ix_visit_pairing_day", "pairing_id", "visited_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Indexed by ix_visit_worker_day, which leads with it.
    worker_id: Mapped[int] = mapped_column(ForeignKey("worker.id"), info=label(_l("Worker")))
    visited_on: Mapped[dt.date] = mapped_column(Date, default=today, index=True,
                                                info=label(_l("Visited on")))
    kind: Mapped[str] = mapped_column(String(16), default="home_check", index=True,
                                      info=label(_l("Kind of visit"), choices=VISIT_KINDS))
    pairing_id: Mapped[int | None] = mapped_column(ForeignKey("pairing.id"),
                                                   info=label(_l("Pair")))
    visitors: Mapped[str] = mapped_column(String(200), default="",
                                          info=label(_l("Visitors")))
    found: Mapped[str] = mapped_column(Text, default="", info=label(_l("What was found")))
    left_behind: Mapped[str] = mapped_column(Text, default="", info=label(
        _l("What was left"), description=_l("Cash or goods go through an aid record: link it")))
    assistance_id: Mapped[int | None] = mapped_column(
        ForeignKey("assistance.id"), index=True, info=label(_l("Aid record")))
    follow_up: Mapped[bool] = mapped_column(Boolean, default=False, index=True,
                                            info=label(_l("Follow-up needed")))
    follow_up_note: Mapped[str] = mapped_column(String(200), default="",
                                                info=label(_l("Follow-up")))
    service_case_id: Mapped[int | None] = mapped_column(
        ForeignKey("service_case.id"), index=True, info=label(_l("Desk case")))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    recorded_at: Mapped[dt.datetime] = mapped_column(default=utcnow,
                                                     info=label(_l("Entered at")))

    worker = relationship("Worker")
    pairing = relationship("Pairing", backref="visits")
    assistance = relationship("Assistance")
    service_case = relationship("ServiceCase")
    recorded_by = relationship("User", foreign_keys=[recorded_by_id])

    @property
    def must_visit(self) -> bool:
        return self.kind in MUST_VISITS

    def __str__(self) -> str:
        return f"ZF-{self.id}"
