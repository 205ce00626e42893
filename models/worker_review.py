"""Reviews of live files (复核) and the snapshots of the facts they re-checked.

A review is assigned to a staff member with a due date, submitted by that person with a
snapshot of the household's facts and a conclusion, and approved by someone else. The
file keeps every snapshot: the one taken when it was first approved and one per review.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Numeric,
    String,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import db, label, today, utcnow
from models.choices import EXIT_CAUSES, REVIEW_CONCLUSIONS, REVIEW_STATES, WORKER_CATEGORIES
from models.unit_scope import UnitScoped

MONEY = Numeric(12, 2)
OPEN_REVIEW = "state IN ('assigned', 'submitted', 'returned')"


class WorkerSnapshot(UnitScoped, db.Model):
    """The facts of a household as checked on a day: at approval of the file or a review."""

    unit_from = "worker"
    __tablename__ = "worker_snapshot"

    id: Mapped[int] = mapped_column(primary_key=True)
    worker_id: Mapped[int] = mapped_column(ForeignKey("worker.id", ondelete="CASCADE"),
                                           index=True, info=label(_l("Worker file")))
    taken_on: Mapped[dt.date] = mapped_column(Date, default=today, info=label(_l("Checked on")))
    taken_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    # filing: when the file was first approved; review: submitted with a review.
    source: Mapped[str] = mapped_column(String(16), info=label(_l("Source")))
    # Set when the facts were accepted (approval of the file or of the review).
    accepted_on: Mapped[dt.date | None] = mapped_column(Date, info=label(_l("Accepted on")))
    facts: Mapped[dict] = mapped_column(JSON, default=dict, info=label(_l("Facts")))
    category: Mapped[str | None] = mapped_column(
        String(16), info=label(_l("Category"), choices=WORKER_CATEGORIES))
    household_size: Mapped[int] = mapped_column(info=label(_l("Household size")))
    household_income: Mapped[Decimal] = mapped_column(
        MONEY, info=label(_l("Household annual income (yuan)")))
    essential_spending: Mapped[Decimal] = mapped_column(
        MONEY, info=label(_l("Essential annual spending (yuan)")))
    per_capita_income: Mapped[Decimal | None] = mapped_column(
        MONEY, info=label(_l("Monthly income per person (yuan)")))
    on_dibao: Mapped[bool] = mapped_column(Boolean, default=False,
                                           info=label(_l("Receives minimum living allowance")))

    worker = relationship("Worker")
    taken_by = relationship("User")

    def __str__(self) -> str:
        return f"{self.taken_on:%Y-%m-%d}"


class WorkerReview(UnitScoped, db.Model):
    unit_from = "worker"
    __tablename__ = "worker_review"
    __table_args__ = (
        CheckConstraint("state IN ('assigned', 'submitted', 'returned', 'approved')",
                        name="state"),
        CheckConstraint("conclusion IS NULL OR conclusion IN ('continue', 'exit', 'remove')",
                        name="conclusion"),
        # A second person approves: never whoever submitted the review.
        CheckConstraint("approved_by_id IS NULL OR reviewed_by_id IS NULL OR "
                        "approved_by_id <> reviewed_by_id", name="second_person"),
        # One open review per file at a time.
        Index("uq_worker_review_open", "worker_id", unique=True,
              sqlite_where=text(OPEN_REVIEW), postgresql_where=text(OPEN_REVIEW)),
        Index("ix_worker_review_state_due", "state", "due_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    worker_id: Mapped[int] = mapped_column(ForeignKey("worker.id", ondelete="CASCADE"),
                                           index=True, info=label(_l("Worker file")))
    state: Mapped[str] = mapped_column(String(16), default="assigned", index=True,
                                       info=label(_l("State"), choices=REVIEW_STATES))
    assigned_to_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True,
                                                info=label(_l("Assigned to")))
    due_on: Mapped[dt.date] = mapped_column(Date, index=True, info=label(_l("Due on")))
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    assigned_at: Mapped[dt.datetime] = mapped_column(default=utcnow,
                                                     info=label(_l("Assigned at")))
    snapshot_id: Mapped[int | None] = mapped_column(ForeignKey("worker_snapshot.id"))
    conclusion: Mapped[str | None] = mapped_column(
        String(16), index=True, info=label(_l("Conclusion"), choices=REVIEW_CONCLUSIONS))
    new_category: Mapped[str | None] = mapped_column(
        String(16), info=label(_l("Category after review"), choices=WORKER_CATEGORIES))
    exit_cause: Mapped[str | None] = mapped_column(
        String(16), info=label(_l("Reason for leaving hardship"), choices=EXIT_CAUSES))
    conclusion_reason: Mapped[str] = mapped_column(String(200), default="",
                                                   info=label(_l("Reason")))
    per_capita_income: Mapped[Decimal | None] = mapped_column(
        MONEY, info=label(_l("Monthly income per person (yuan)")))
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    submitted_at: Mapped[dt.datetime | None] = mapped_column(info=label(_l("Submitted at")))
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    approved_at: Mapped[dt.datetime | None] = mapped_column(info=label(_l("Approved at")))
    returned_reason: Mapped[str] = mapped_column(String(200), default="",
                                                 info=label(_l("Reason for returning")))
    version: Mapped[int] = mapped_column(default=1, info={"audit": False})
    __mapper_args__ = {"version_id_col": version}

    worker = relationship("Worker")
    snapshot = relationship(WorkerSnapshot)
    assigned_to = relationship("User", foreign_keys=[assigned_to_id])
    assigned_by = relationship("User", foreign_keys=[assigned_by_id])
    reviewed_by = relationship("User", foreign_keys=[reviewed_by_id])
    approved_by = relationship("User", foreign_keys=[approved_by_id])

    def __str__(self) -> str:
        return f"#{self.id}"
