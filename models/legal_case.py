"""Legal aid and labour-dispute mediation (法律援助与劳动争议调解): one dispute, its sessions.

A legal case is opened from a desk case (``service_case_id``) or directly, for one person
or a group led by one (``head_count``), against an employer named by its unified social
credit code (统一社会信用代码, checked when given). It stays ``open`` while sessions are
held and is ``closed`` with its outcome; a manager may reopen it. Money here is recorded,
never paid from a fund: what was claimed and what the workers got back.

The amount recovered is not capped by the amount claimed: an award may add compensation
(加付赔偿金, 经济补偿) to the wages claimed. Only a successful or partly successful case
records money recovered.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, Date, ForeignKey, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import db, label, utcnow
from models.choices import sql_codes
from models.unit_scope import UnitOwned

DISPUTE_TYPES = {
    "wages": _l("Unpaid wages"),
    "injury": _l("Work injury"),
    "contract": _l("Labour contract"),
    "insurance": _l("Social insurance"),
    "severance": _l("Economic compensation"),
    "other": _l("Other"),
}
ROUTES = {
    "union": _l("Union mediation"),
    "pre_arbitration": _l("Mediation before arbitration"),
    "pre_litigation": _l("Mediation before litigation"),
    "arbitration": _l("Represented in arbitration"),
    "litigation": _l("Represented in court"),
    "advice": _l("Legal advice"),
}
OUTCOMES = {
    "success": _l("Mediated successfully"),
    "partial": _l("Partly successful"),
    "failed": _l("Not successful / to arbitration"),
    "withdrawn": _l("Withdrawn by the applicant"),
}
# Outcomes under which money may have been recovered.
RECOVERING = ("success", "partial")
LEGAL_STATES = {"open": _l("Being handled"), "closed": _l("Closed")}


class LegalCase(UnitOwned, db.Model):
    unit_parents = ("person",)
    __tablename__ = "legal_case"
    __table_args__ = (
        CheckConstraint(f"state IN ({sql_codes(LEGAL_STATES)})", name="state"),
        CheckConstraint(f"dispute_type IN ({sql_codes(DISPUTE_TYPES)})", name="dispute_type"),
        CheckConstraint(f"route IN ({sql_codes(ROUTES)})", name="route"),
        CheckConstraint(f"outcome IS NULL OR outcome IN ({sql_codes(OUTCOMES)})", name="outcome"),
        CheckConstraint("head_count >= 1", name="head_count"),
        CheckConstraint("amount_claimed >= 0", name="amount_claimed"),
        CheckConstraint("amount_recovered >= 0", name="amount_recovered"),
        CheckConstraint("workers_benefited >= 0 AND workers_benefited <= head_count",
                        name="workers_benefited"),
        CheckConstraint("credit_code IS NULL OR length(credit_code) = 18", name="credit_code"),
        # Open: no outcome yet; closed: the outcome, the day and who closed it.
        CheckConstraint("(state = 'open' AND outcome IS NULL AND closed_on IS NULL) OR "
                        "(state = 'closed' AND outcome IS NOT NULL AND closed_on IS NOT NULL "
                        "AND closed_by_id IS NOT NULL)", name="closed_stamp"),
        CheckConstraint(f"amount_recovered = 0 OR (outcome IS NOT NULL AND outcome IN "
                        f"({sql_codes(RECOVERING)}))",
                        name="recovered_when_won"),
        CheckConstraint("reopened >= 0", name="reopened"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    service_case_id: Mapped[int | None] = mapped_column(
        ForeignKey("service_case.id"), index=True, info=label(_l("Desk case")))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True,
                                           info=label(_l("Applicant")))
    head_count: Mapped[int] = mapped_column(default=1, info=label(_l("Applicants (people)")))
    employer_name: Mapped[str] = mapped_column(String(100), default="",
                                               info=label(_l("Employer")))
    credit_code: Mapped[str | None] = mapped_column(
        String(18), index=True, info=label(_l("Unified social credit code")))
    dispute_type: Mapped[str] = mapped_column(String(16), default="wages", index=True,
                                              info=label(_l("Dispute type"),
                                                         choices=DISPUTE_TYPES))
    route: Mapped[str] = mapped_column(String(16), default="union", index=True,
                                       info=label(_l("Route"), choices=ROUTES))
    summary: Mapped[str] = mapped_column(Text, default="", info=label(_l("Summary")))
    amount_claimed: Mapped[Decimal] = mapped_column(
        Numeric(12, 2), default=Decimal("0.00"), info=label(_l("Amount claimed (yuan)")))
    state: Mapped[str] = mapped_column(String(16), default="open", index=True,
                                       info=label(_l("State"), choices=LEGAL_STATES))
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    opened_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True,
                                                   info=label(_l("Opened at")))
    outcome: Mapped[str | None] = mapped_column(String(16), index=True,
                                                info=label(_l("Outcome"), choices=OUTCOMES))
    amount_recovered: Mapped[Decimal] = mapped_column(
        Numeric(12, 2), default=Decimal("0.00"), info=label(_l("Amount recovered (yuan)")))
    workers_benefited: Mapped[int] = mapped_column(default=0,
                                                   info=label(_l("Workers benefited")))
    closed_on: Mapped[dt.date | None] = mapped_column(Date, index=True,
                                                      info=label(_l("Closed on")))
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    reopened: Mapped[int] = mapped_column(default=0, info=label(_l("Times reopened")))
    reopen_reason: Mapped[str] = mapped_column(String(200), default="",
                                               info=label(_l("Reason for reopening")))
    version: Mapped[int] = mapped_column(default=1, info={"audit": False})
    __mapper_args__ = {"version_id_col": version}

    person = relationship("Person", backref="legal_cases")
    service_case = relationship("ServiceCase", backref="legal_cases")
    opened_by = relationship("User", foreign_keys=[opened_by_id])
    closed_by = relationship("User", foreign_keys=[closed_by_id])
    sessions = relationship("LegalSession", back_populates="legal_case",
                            order_by="LegalSession.held_on, LegalSession.id",
                            cascade="all, delete-orphan")

    def __str__(self) -> str:
        return f"FY-{self.id}"


class LegalSession(db.Model):
    """One mediation session, hearing or consultation of a legal case."""

    __tablename__ = "legal_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    legal_case_id: Mapped[int] = mapped_column(ForeignKey("legal_case.id"), index=True)
    held_on: Mapped[dt.date] = mapped_column(Date, info=label(_l("Session date")))
    handler: Mapped[str] = mapped_column(String(50), info=label(_l("Handled by")))
    note: Mapped[str] = mapped_column(Text, default="", info=label(_l("Note")))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    recorded_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    legal_case = relationship("LegalCase", back_populates="sessions")
