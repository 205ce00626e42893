"""Skills training (技能培训): classes and the workers enrolled in them."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import db, label, today, utcnow
from models.choices import (
    ENROLMENT_STATES,
    TRAINING_CATEGORIES,
    TRAINING_CLASS_STATES,
    TRAINING_OUTCOMES,
)
from models.unit_scope import UnitOwned, UnitScoped

MONEY = Numeric(12, 2)


class TrainingClass(UnitOwned, db.Model):
    __tablename__ = "training_class"
    __table_args__ = (
        CheckConstraint("capacity >= 1", name="capacity_positive"),
        # The cached count of places taken never passes the capacity: the last guard
        # under concurrent enrolment, and it also stops the capacity being cut below it.
        CheckConstraint("enrolled_count >= 0 AND enrolled_count <= capacity",
                        name="within_capacity"),
        CheckConstraint("hours > 0", name="hours_positive"),
        CheckConstraint("end_date >= start_date", name="dates_in_order"),
        CheckConstraint("state IN ('planned', 'running', 'finished')", name="state"),
        CheckConstraint("category IN ('welding', 'computer', 'sewing', 'housekeeping', "
                        "'catering', 'syb', 'gyb', 'other')", name="category"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), index=True, info=label(_l("Class name")))
    category: Mapped[str] = mapped_column(String(16), index=True, info=label(
        _l("Training category"), choices=TRAINING_CATEGORIES))
    start_date: Mapped[dt.date] = mapped_column(Date, index=True, info=label(_l("Starts on")))
    end_date: Mapped[dt.date] = mapped_column(Date, info=label(_l("Ends on")))
    hours: Mapped[int] = mapped_column(info=label(_l("Class hours")))
    capacity: Mapped[int] = mapped_column(info=label(_l("Places")))
    enrolled_count: Mapped[int] = mapped_column(default=0, info=label(_l("Places taken")))
    instructor: Mapped[str] = mapped_column(String(32), default="",
                                            info=label(_l("Instructor")), index=True)
    venue: Mapped[str] = mapped_column(String(100), default="", info=label(_l("Venue")))
    state: Mapped[str] = mapped_column(String(16), default="planned", index=True, info=label(
        _l("Class state"), choices=TRAINING_CLASS_STATES))
    notes: Mapped[str] = mapped_column(Text, default="", info=label(_l("Notes")))

    enrolments: Mapped[list[Enrolment]] = relationship(
        back_populates="training_class", order_by="Enrolment.id")

    @property
    def places_left(self) -> int:
        return (self.capacity or 0) - (self.enrolled_count or 0)

    def __str__(self) -> str:
        return f"{self.name}（{self.start_date:%Y-%m-%d}）" if self.start_date else self.name or ""


class Enrolment(UnitScoped, db.Model):
    """One worker on file in one class, and what became of them afterwards."""
    unit_from = "training_class"

    __tablename__ = "enrolment"
    __table_args__ = (
        # A worker enrols once per class; the index also settles a race.
        Index("uq_enrolment_once_per_class", "class_id", "worker_id", unique=True),
        CheckConstraint("state IN ('enrolled', 'completed', 'dropped')", name="state"),
        CheckConstraint("attendance_rate IS NULL OR (attendance_rate >= 0 AND "
                        "attendance_rate <= 100)", name="attendance_rate"),
        CheckConstraint("outcome IS NULL OR (state = 'completed' AND outcome IN "
                        "('reemployed', 'business', 'not_employed'))", name="outcome"),
        CheckConstraint("monthly_income IS NULL OR monthly_income >= 0",
                        name="income_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("training_class.id"), index=True,
                                          info=label(_l("Training class")))
    worker_id: Mapped[int] = mapped_column(ForeignKey("worker.id"), index=True,
                                           info=label(_l("Worker")))
    state: Mapped[str] = mapped_column(String(16), default="enrolled", index=True,
                                       info=label(_l("Enrolment state"),
                                                  choices=ENROLMENT_STATES))
    enrolled_on: Mapped[dt.date] = mapped_column(Date, default=today,
                                                 info=label(_l("Enrolled on")), index=True)
    enrolled_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    completed_on: Mapped[dt.date | None] = mapped_column(Date, info=label(_l("Completed on")))
    dropped_on: Mapped[dt.date | None] = mapped_column(Date, info=label(_l("Dropped out on")))
    attendance_rate: Mapped[Decimal | None] = mapped_column(
        Numeric(5, 2), info=label(_l("Attendance rate (%)")))
    certificate_no: Mapped[str] = mapped_column(String(32), default="",
                                                info=label(_l("Certificate no.")))
    outcome: Mapped[str | None] = mapped_column(String(16), index=True, info=label(
        _l("Follow-up outcome"), choices=TRAINING_OUTCOMES))
    employer: Mapped[str] = mapped_column(String(100), default="", info=label(
        _l("New employer or business")))
    outcome_on: Mapped[dt.date | None] = mapped_column(Date, info=label(
        _l("Employed or started on")))
    monthly_income: Mapped[Decimal | None] = mapped_column(MONEY, info=label(
        _l("Monthly income (yuan)")))
    followed_up_on: Mapped[dt.date | None] = mapped_column(Date, info=label(
        _l("Followed up on")), index=True)
    notes: Mapped[str] = mapped_column(Text, default="", info=label(_l("Notes")))
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow,
                                                    info={"audit": False})

    training_class: Mapped[TrainingClass] = relationship(back_populates="enrolments")
    worker = relationship("Worker")
    enrolled_by = relationship("User", foreign_keys=[enrolled_by_id])

    @property
    def found_work(self) -> bool:
        return self.outcome in ("reemployed", "business")

    def __str__(self) -> str:
        worker = self.worker.name if self.worker else ""
        return f"{worker}（{self.training_class.name}）" if self.training_class else worker
