"""Public notices (公示), their frozen lines, and the objections (异议) the public files."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    DDL,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    event,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import db, label, today, utcnow
from models.choices import (
    ASSISTANCE_KINDS,
    NOTICE_KINDS,
    NOTICE_SOURCES,
    NOTICE_STATES,
    OBJECTION_STATES,
    WORKER_CATEGORIES,
)
from models.unit_scope import UnitOwned, UnitScoped


class Notice(UnitOwned, db.Model):
    __tablename__ = "notice"
    __table_args__ = (
        CheckConstraint("kind IN ('batch', 'free')", name="kind"),
        CheckConstraint("state IN ('draft', 'published', 'ended', 'withdrawn')", name="state"),
        CheckConstraint("kind = 'free' OR source IN ('assistance', 'loan', 'worker')",
                        name="source"),
        CheckConstraint("state = 'draft' OR (starts_on IS NOT NULL AND ends_on IS NOT NULL)",
                        name="period_when_published"),
        CheckConstraint("ends_on IS NULL OR starts_on IS NULL OR ends_on >= starts_on",
                        name="period_order"),
        Index("ix_notice_state_ends_on", "state", "ends_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(8), default="batch",
                                      info=label(_l("Kind of notice"), choices=NOTICE_KINDS))
    source: Mapped[str | None] = mapped_column(
        String(16), info=label(_l("Listed records"), choices=NOTICE_SOURCES,
                               description=_l("For a list of names: what it lists.")))
    title: Mapped[str] = mapped_column(String(120), info=label(_l("Title")), index=True)
    body: Mapped[str] = mapped_column(Text, default="", info=label(
        _l("Text"), description=_l("Paragraphs, headings, lists, tables and links; "
                                   "anything else (scripts, images, styles) is removed.")))
    state: Mapped[str] = mapped_column(String(16), default="draft", index=True,
                                       info=label(_l("State"), choices=NOTICE_STATES))
    starts_on: Mapped[dt.date | None] = mapped_column(Date, info=label(_l("Notice from")),
                                                      index=True)
    ends_on: Mapped[dt.date | None] = mapped_column(Date, info=label(_l("Notice until")),
                                                    index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow,
                                                    info=label(_l("Drafted at")))
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    published_at: Mapped[dt.datetime | None] = mapped_column(info=label(_l("Published at")))
    withdrawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(info=label(_l("Withdrawn at")))
    withdraw_reason: Mapped[str] = mapped_column(String(200), default="", info=label(
        _l("Reason for withdrawal")))
    # Optimistic lock: two managers publishing or withdrawing at once cannot both succeed.
    version: Mapped[int] = mapped_column(default=1, info={"audit": False})
    __mapper_args__ = {"version_id_col": version}

    lines: Mapped[list[NoticeLine]] = relationship(
        back_populates="notice", cascade="all, delete-orphan", order_by="NoticeLine.id")
    objections: Mapped[list[Objection]] = relationship(back_populates="notice",
                                                       order_by="Objection.id")
    created_by = relationship("User", foreign_keys=[created_by_id])
    published_by = relationship("User", foreign_keys=[published_by_id])
    withdrawn_by = relationship("User", foreign_keys=[withdrawn_by_id])

    def status_on(self, day: dt.date | None = None) -> str:
        """Return the state as of ``day``: a published notice past its period has ended."""
        day = day or today()
        if self.state == "published" and self.ends_on is not None and self.ends_on < day:
            return "ended"
        return self.state

    def __str__(self) -> str:
        return f"#{self.id} {self.title}" if self.id else self.title or ""


class NoticeLine(UnitScoped, db.Model):
    """One listed record: chosen while drafting, its public values frozen at publishing."""
    unit_from = "notice"

    __tablename__ = "notice_line"
    __table_args__ = (
        UniqueConstraint("notice_id", "assistance_id", name="uq_notice_line_assistance"),
        UniqueConstraint("notice_id", "loan_id", name="uq_notice_line_loan"),
        Index("uq_notice_line_worker", "notice_id", "worker_id", unique=True,
              sqlite_where=text("assistance_id IS NULL AND loan_id IS NULL"),
              postgresql_where=text("assistance_id IS NULL AND loan_id IS NULL")),
        CheckConstraint("frozen_at IS NULL OR masked_name <> ''", name="frozen_has_name"),
        CheckConstraint("amount IS NULL OR amount >= 0", name="amount_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notice.id"), index=True)
    worker_id: Mapped[int] = mapped_column(ForeignKey("worker.id"), index=True)
    assistance_id: Mapped[int | None] = mapped_column(ForeignKey("assistance.id"), index=True)
    loan_id: Mapped[int | None] = mapped_column(ForeignKey("loan.id"), index=True)
    # The snapshot: written once at publishing, already masked, never changed after.
    masked_name: Mapped[str] = mapped_column(String(32), default="", info=label(_l("Name")))
    employer: Mapped[str] = mapped_column(String(100), default="",
                                          info=label(_l("Employer")))
    category: Mapped[str | None] = mapped_column(
        String(16), info=label(_l("Category"), choices=WORKER_CATEGORIES))
    kind: Mapped[str | None] = mapped_column(String(16), info=label(
        _l("Kind of aid"), choices=ASSISTANCE_KINDS))
    amount: Mapped[Decimal | None] = mapped_column(Numeric(12, 2),
                                                   info=label(_l("Amount (yuan)")))
    frozen_at: Mapped[dt.datetime | None] = mapped_column(info=label(_l("Frozen at")))

    notice: Mapped[Notice] = relationship(back_populates="lines")
    worker = relationship("Worker")
    assistance = relationship("Assistance")
    loan = relationship("Loan")


class Objection(UnitScoped, db.Model):
    """An objection filed by the public against a published notice, and staff's answer."""
    unit_from = "notice"

    __tablename__ = "objection"
    __table_args__ = (
        CheckConstraint("state IN ('open', 'resolved')", name="state"),
        CheckConstraint("state = 'open' OR reply <> ''", name="resolved_has_reply"),
        Index("ix_objection_ip_filed_at", "ip", "filed_at"),
        Index("ix_objection_notice_id_state", "notice_id", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notice.id"), info=label(_l("Notice")))
    name: Mapped[str] = mapped_column(String(32), default="",
                                      info=label(_l("Name (optional)")))
    contact: Mapped[str] = mapped_column(String(64), info=label(_l("Contact")))
    text: Mapped[str] = mapped_column(Text, info=label(_l("Objection")))
    filed_at: Mapped[dt.datetime] = mapped_column(default=utcnow, info=label(_l("Filed at")),
                                                  index=True)
    ip: Mapped[str] = mapped_column(String(64), default="", info=label(_l("IP address")))
    state: Mapped[str] = mapped_column(String(16), default="open", info=label(
        _l("State"), choices=OBJECTION_STATES))
    reply: Mapped[str] = mapped_column(Text, default="", info=label(_l("Reply")))
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    resolved_at: Mapped[dt.datetime | None] = mapped_column(info=label(_l("Resolved at")))
    version: Mapped[int] = mapped_column(default=1, info={"audit": False})
    __mapper_args__ = {"version_id_col": version}

    notice: Mapped[Notice] = relationship(back_populates="objections")
    resolved_by = relationship("User", foreign_keys=[resolved_by_id])

    def __str__(self) -> str:
        return f"#{self.id}"


def frozen_line_guard(dialect: str) -> list[str]:
    """Return the statements that refuse changing or deleting a frozen notice line."""
    if dialect == "sqlite":
        return [f"CREATE TRIGGER IF NOT EXISTS notice_line_frozen_{verb} BEFORE {verb.upper()} "
                f"ON notice_line WHEN OLD.frozen_at IS NOT NULL "
                f"BEGIN SELECT RAISE(ABORT, 'notice_line is frozen once published'); END"
                for verb in ("update", "delete")]
    return [
        "CREATE OR REPLACE FUNCTION forbid_frozen_line_change() RETURNS trigger "
        "LANGUAGE plpgsql AS $$ BEGIN IF OLD.frozen_at IS NOT NULL THEN RAISE EXCEPTION "
        "'notice_line is frozen once published'; END IF; "
        "IF TG_OP = 'DELETE' THEN RETURN OLD; END IF; RETURN NEW; END $$",
        "CREATE TRIGGER notice_line_frozen BEFORE UPDATE OR DELETE ON notice_line "
        "FOR EACH ROW EXECUTE FUNCTION forbid_frozen_line_change()",
    ]


for _dialect in ("sqlite", "postgresql"):
    for _statement in frozen_line_guard(_dialect):
        event.listen(NoticeLine.__table__, "after_create",
                     DDL(_statement.replace("%", "%%")).execute_if(dialect=_dialect))
