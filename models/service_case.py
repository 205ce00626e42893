"""Service desk cases (接待登记): a visit, call, letter or online request, and its handling.

received → assigned → in_progress → resolved (办结报告) → closed after the return visit
(回访); a return visit that finds the person not satisfied reopens the case. Each step is
stamped with who took it and when (``models.service_case_rules``); the CHECKs below keep
the stamps consistent with the state whatever writes the row.
"""
from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import db, label, today, utcnow
from models.choices import sql_codes
from models.desk_choices import CASE_STATES, CASE_TYPES, CHANNELS, HANDLING_MODES, SATISFACTION
from models.unit_scope import UnitOwned

OPEN_STATES = ("received", "assigned", "in_progress")


class ServiceCase(UnitOwned, db.Model):
    unit_parents = ("person",)
    __tablename__ = "service_case"
    __table_args__ = (
        CheckConstraint(f"state IN ({sql_codes(CASE_STATES)})", name="state"),
        CheckConstraint(f"channel IN ({sql_codes(CHANNELS)})", name="channel"),
        CheckConstraint(f"case_type IN ({sql_codes(CASE_TYPES)})", name="case_type"),
        CheckConstraint(f"handling_mode IS NULL OR handling_mode IN ({sql_codes(HANDLING_MODES)})",
                        name="handling_mode"),
        CheckConstraint(f"satisfaction IS NULL OR satisfaction IN ({sql_codes(SATISFACTION)})",
                        name="satisfaction"),
        # A collective visit counts its people (two or more); any other contact is one.
        CheckConstraint("(channel = 'collective' AND head_count >= 2) OR "
                        "(channel <> 'collective' AND head_count = 1)", name="head_count"),
        CheckConstraint("hotline = false OR channel = 'call'", name="hotline_is_a_call"),
        # The stamps each state needs.
        CheckConstraint("state = 'received' OR (assignee_id IS NOT NULL AND assigned_at IS "
                        "NOT NULL AND handling_mode IS NOT NULL)", name="assigned_stamp"),
        CheckConstraint("state NOT IN ('in_progress', 'resolved', 'closed') OR "
                        "started_at IS NOT NULL", name="started_stamp"),
        CheckConstraint("state NOT IN ('resolved', 'closed') OR (resolved_at IS NOT NULL AND "
                        "resolved_by_id IS NOT NULL AND report <> '')", name="resolved_stamp"),
        CheckConstraint("state <> 'closed' OR (visited_at IS NOT NULL AND "
                        "satisfaction IN ('satisfied', 'basic'))", name="closed_stamp"),
        CheckConstraint("handling_mode NOT IN ('assist', 'transfer') OR partner_unit <> ''",
                        name="partner_named"),
        CheckConstraint("reopened >= 0", name="reopened"),
        Index("ix_service_case_state_deadline", "state", "deadline"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True,
                                           info=label(_l("Person")))
    channel: Mapped[str] = mapped_column(String(16), default="call", index=True,
                                         info=label(_l("Channel"), choices=CHANNELS))
    hotline: Mapped[bool] = mapped_column(Boolean, default=False, info=label(
        _l("12351 hotline")))
    head_count: Mapped[int] = mapped_column(default=1, info=label(_l("Head count")))
    case_type: Mapped[str] = mapped_column(String(16), default="other", index=True,
                                           info=label(_l("Case type"), choices=CASE_TYPES))
    summary: Mapped[str] = mapped_column(Text, default="", info=label(_l("Summary")))
    received_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    received_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True,
                                                     info=label(_l("Received at")))
    deadline: Mapped[dt.date] = mapped_column(Date, default=today, index=True,
                                              info=label(_l("Deadline")))
    state: Mapped[str] = mapped_column(String(16), default="received", index=True,
                                       info=label(_l("State"), choices=CASE_STATES))
    handling_mode: Mapped[str | None] = mapped_column(
        String(16), index=True, info=label(_l("Handling mode"), choices=HANDLING_MODES))
    partner_unit: Mapped[str] = mapped_column(String(100), default="",
                                              info=label(_l("Partner unit")))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True,
                                                    info=label(_l("Assignee")))
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    assigned_at: Mapped[dt.datetime | None] = mapped_column(info=label(_l("Case assigned at")))
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    started_at: Mapped[dt.datetime | None] = mapped_column(info=label(_l("Handling started at")))
    supervised_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    supervised_at: Mapped[dt.datetime | None] = mapped_column(
        info=label(_l("Supervised at")))
    supervision_note: Mapped[str] = mapped_column(String(200), default="",
                                                  info=label(_l("Supervision note")))
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    resolved_at: Mapped[dt.datetime | None] = mapped_column(info=label(_l("Case resolved at")))
    report: Mapped[str] = mapped_column(Text, default="", info=label(_l("Closing report")))
    result: Mapped[str] = mapped_column(String(200), default="", info=label(_l("Result")))
    visited_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    visited_at: Mapped[dt.datetime | None] = mapped_column(
        info=label(_l("Return visit at")))
    satisfaction: Mapped[str | None] = mapped_column(
        String(16), info=label(_l("Satisfaction"), choices=SATISFACTION))
    visit_note: Mapped[str] = mapped_column(String(200), default="",
                                            info=label(_l("Return visit note")))
    reopened: Mapped[int] = mapped_column(default=0, info=label(_l("Times reopened")))
    # Optimistic lock: two users moving the same case at once cannot both succeed.
    version: Mapped[int] = mapped_column(default=1, info={"audit": False})
    __mapper_args__ = {"version_id_col": version}

    person = relationship("Person", backref="cases")
    received_by = relationship("User", foreign_keys=[received_by_id])
    assignee = relationship("User", foreign_keys=[assignee_id])
    assigned_by = relationship("User", foreign_keys=[assigned_by_id])
    started_by = relationship("User", foreign_keys=[started_by_id])
    supervised_by = relationship("User", foreign_keys=[supervised_by_id])
    resolved_by = relationship("User", foreign_keys=[resolved_by_id])
    visited_by = relationship("User", foreign_keys=[visited_by_id])

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def overdue(self) -> bool:
        """Open past its deadline (``models.service_case_rules.overdue_clause`` in SQL)."""
        return self.is_open and self.deadline is not None and self.deadline < today()

    def __str__(self) -> str:
        return f"#{self.id}"
