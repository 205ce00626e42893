"""Employment services (职业介绍): job seekers, employers, vacancies and referrals.

A job seeker is a worker on file or a person from the service desk (exactly one of the
two). The 4050 mark, the hardship-file mark and the migrant mark are stored when the
seeker is registered (``models.employment_rules.register``), so lists filter on them and
the figures count them with plain SQL. A vacancy's places are held like class places: a
cached count taken by a guarded UPDATE and backed by a CHECK.
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
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import db, label, today
from models.choices import EMPLOYER_NATURES, sql_codes
from models.unit_scope import UnitOwned

MONEY = Numeric(12, 2)

# Job types: the training categories that are trades come first, so a completed class
# of the same code counts as a qualification for a vacancy of that type.
JOB_TYPES = {
    "welding": _l("Welding"),
    "computer": _l("Computer skills"),
    "sewing": _l("Sewing"),
    "housekeeping": _l("Housekeeping services"),
    "catering": _l("Nutritional catering"),
    "cleaning": _l("Cleaning and property"),
    "security": _l("Security guard"),
    "factory": _l("Factory worker"),
    "sales": _l("Sales and shop"),
    "driver": _l("Driver and delivery"),
    "care": _l("Elderly and child care"),
    "other": _l("Other"),
}
EDUCATION = {
    "primary": _l("Primary school or less"),
    "junior": _l("Junior middle school"),
    "senior": _l("Senior middle or vocational school"),
    "college": _l("College or above"),
}
AVAILABILITY = {
    "now": _l("Available now"),
    "month": _l("Within a month"),
    "part_time": _l("Part-time only"),
}
SEEKER_STATES = {"seeking": _l("Seeking work"), "placed": _l("Placed"),
                 "withdrawn": _l("Withdrawn")}
VACANCY_KINDS = {"ordinary": _l("Ordinary post"), "public_welfare": _l("Public-welfare post"),
                 "labour_export": _l("Labour export")}
VACANCY_STATES = {"open": _l("Open"), "filled": _l("Filled"), "closed": _l("Closed")}
REFERRAL_STATES = {"referred": _l("Referred"), "interviewed": _l("Interviewed"),
                   "hired": _l("Hired"), "not_hired": _l("Not hired"),
                   "no_show": _l("Did not show up")}


class Employer(UnitOwned, db.Model):
    """An employer that offers jobs (用工单位), perhaps a re-employment base (再就业基地)."""

    __tablename__ = "employer"
    __table_args__ = (
        CheckConstraint("length(credit_code) = 18", name="credit_code"),
        CheckConstraint(f"nature IS NULL OR nature IN ({sql_codes(EMPLOYER_NATURES)})",
                        name="nature"),
        # A base has the day it became one; an employer that is none has no such day.
        CheckConstraint("(is_base AND base_since IS NOT NULL) OR "
                        "(NOT is_base AND base_since IS NULL)", name="base_since"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), index=True, info=label(_l("Employer name")))
    credit_code: Mapped[str] = mapped_column(String(18), unique=True, info=label(
        _l("Unified social credit code")))
    contact: Mapped[str] = mapped_column(String(32), default="", info=label(_l("Contact person")))
    phone: Mapped[str] = mapped_column(String(20), default="", info=label(_l("Phone")))
    address: Mapped[str] = mapped_column(String(200), default="", info=label(_l("Address")))
    nature: Mapped[str | None] = mapped_column(String(16), index=True, info=label(
        _l("Employer nature"), choices=EMPLOYER_NATURES))
    is_base: Mapped[bool] = mapped_column(Boolean, default=False, index=True, info=label(
        _l("Re-employment base")))
    base_since: Mapped[dt.date | None] = mapped_column(Date, index=True, info=label(
        _l("Base since")))
    notes: Mapped[str] = mapped_column(Text, default="", info=label(_l("Notes")))

    vacancies: Mapped[list[Vacancy]] = relationship(back_populates="employer",
                                                    order_by="Vacancy.id")

    def __str__(self) -> str:
        return self.name or ""


class JobSeeker(UnitOwned, db.Model):
    """One registration of someone looking for work (求职登记)."""

    unit_parents = ("worker", "person")
    __tablename__ = "job_seeker"
    __table_args__ = (
        # Exactly one of the two: a worker on file or a person from the desk.
        CheckConstraint("(worker_id IS NULL) <> (person_id IS NULL)", name="one_holder"),
        CheckConstraint(f"state IN ({sql_codes(SEEKER_STATES)})", name="state"),
        CheckConstraint(f"education IS NULL OR education IN ({sql_codes(EDUCATION)})",
                        name="education"),
        CheckConstraint(f"availability IN ({sql_codes(AVAILABILITY)})", name="availability"),
        CheckConstraint("desired_wage IS NULL OR desired_wage >= 0", name="desired_wage"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    worker_id: Mapped[int | None] = mapped_column(ForeignKey("worker.id"), index=True,
                                                  info=label(_l("Worker")))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True,
                                                  info=label(_l("Person served")))
    registered_on: Mapped[dt.date] = mapped_column(Date, default=today, index=True,
                                                   info=label(_l("Registered on")))
    registered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    skills: Mapped[str] = mapped_column(Text, default="", info=label(
        _l("Skills and certificates")))
    education: Mapped[str | None] = mapped_column(String(16), index=True, info=label(
        _l("Education"), choices=EDUCATION))
    desired_job_types: Mapped[list | None] = mapped_column(JSON, default=list, info=label(
        _l("Job types wanted"), choices=JOB_TYPES))
    desired_wage: Mapped[Decimal | None] = mapped_column(MONEY, info=label(
        _l("Monthly wage wanted (yuan)")))
    willing_to_travel: Mapped[bool] = mapped_column(Boolean, default=False, index=True, info=label(
        _l("Willing to work away from home")))
    availability: Mapped[str] = mapped_column(String(16), default="now", info=label(
        _l("Availability"), choices=AVAILABILITY))
    state: Mapped[str] = mapped_column(String(16), default="seeking", index=True, info=label(
        _l("Seeker state"), choices=SEEKER_STATES))
    # Derived at registration (models.employment_rules.register), stored to be filtered.
    is_4050: Mapped[bool] = mapped_column(Boolean, default=False, index=True, info=label(
        _l("4050 person")))
    has_file: Mapped[bool] = mapped_column(Boolean, default=False, index=True, info=label(
        _l("Holds a hardship file")))
    is_migrant: Mapped[bool] = mapped_column(Boolean, default=False, index=True, info=label(
        _l("Migrant worker")))
    name: Mapped[str] = mapped_column(String(32), default="", index=True, info=label(
        _l("Name")))
    notes: Mapped[str] = mapped_column(Text, default="", info=label(_l("Notes")))

    worker = relationship("Worker")
    person = relationship("Person")
    registered_by = relationship("User", foreign_keys=[registered_by_id])
    referrals: Mapped[list[Referral]] = relationship(back_populates="seeker",
                                                     order_by="Referral.id")

    def __str__(self) -> str:
        return self.name or ""


class Vacancy(UnitOwned, db.Model):
    """Jobs an employer offers (用工信息), with the places still free."""

    unit_parents = ("employer",)
    __tablename__ = "vacancy"
    __table_args__ = (
        CheckConstraint("places >= 1", name="places_positive"),
        # The count taken never passes the places offered, also under concurrent hires.
        CheckConstraint("places_taken >= 0 AND places_taken <= places", name="within_places"),
        CheckConstraint(f"state IN ({sql_codes(VACANCY_STATES)})", name="state"),
        CheckConstraint(f"kind IN ({sql_codes(VACANCY_KINDS)})", name="kind"),
        CheckConstraint(f"job_type IN ({sql_codes(JOB_TYPES)})", name="job_type"),
        CheckConstraint("wage_min IS NULL OR wage_min >= 0", name="wage_min"),
        CheckConstraint("wage_max IS NULL OR wage_min IS NULL OR wage_max >= wage_min",
                        name="wage_range"),
        CheckConstraint("open_to IS NULL OR open_to >= open_from", name="dates_in_order"),
        CheckConstraint("kind <> 'labour_export' OR destination <> ''", name="destination"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    employer_id: Mapped[int] = mapped_column(ForeignKey("employer.id"), index=True,
                                             info=label(_l("Employer")))
    title: Mapped[str] = mapped_column(String(100), index=True, info=label(_l("Job title")))
    job_type: Mapped[str] = mapped_column(String(16), index=True, info=label(
        _l("Job type"), choices=JOB_TYPES))
    kind: Mapped[str] = mapped_column(String(16), default="ordinary", index=True, info=label(
        _l("Kind of post"), choices=VACANCY_KINDS))
    destination: Mapped[str] = mapped_column(String(100), default="", info=label(
        _l("Destination (labour export)")))
    places: Mapped[int] = mapped_column(default=1, info=label(_l("Places")))
    places_taken: Mapped[int] = mapped_column(default=0, info=label(_l("Places taken")))
    wage_min: Mapped[Decimal | None] = mapped_column(MONEY, info=label(
        _l("Monthly wage from (yuan)")))
    wage_max: Mapped[Decimal | None] = mapped_column(MONEY, info=label(
        _l("Monthly wage to (yuan)")))
    requirements: Mapped[str] = mapped_column(Text, default="", info=label(_l("Requirements")))
    location: Mapped[str] = mapped_column(String(100), default="", info=label(
        _l("Work location")))
    open_from: Mapped[dt.date] = mapped_column(Date, default=today, index=True, info=label(
        _l("Open from")))
    open_to: Mapped[dt.date | None] = mapped_column(Date, info=label(_l("Open until")))
    state: Mapped[str] = mapped_column(String(16), default="open", index=True, info=label(
        _l("Vacancy state"), choices=VACANCY_STATES))

    employer: Mapped[Employer] = relationship(back_populates="vacancies")
    referrals: Mapped[list[Referral]] = relationship(back_populates="vacancy",
                                                     order_by="Referral.id")

    @property
    def places_left(self) -> int:
        return (self.places or 0) - (self.places_taken or 0)

    def __str__(self) -> str:
        employer = self.employer.name if self.employer else ""
        return f"{self.title} · {employer}" if employer else self.title or ""


class Referral(UnitOwned, db.Model):
    """A seeker sent to a vacancy (推荐), and what came of it: the placement when hired."""

    unit_parents = ("seeker",)
    __tablename__ = "referral"
    __table_args__ = (
        # Referred once to the same vacancy; the index also settles a race.
        Index("uq_referral_once_per_vacancy", "seeker_id", "vacancy_id", unique=True),
        CheckConstraint(f"state IN ({sql_codes(REFERRAL_STATES)})", name="state"),
        # Hired: the placement's start date and wage; any other state has none.
        CheckConstraint("(state = 'hired' AND start_date IS NOT NULL AND wage IS NOT NULL) OR "
                        "(state <> 'hired' AND start_date IS NULL AND wage IS NULL)",
                        name="placement"),
        CheckConstraint("wage IS NULL OR wage >= 0", name="wage"),
        CheckConstraint("times_undone >= 0", name="times_undone"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    seeker_id: Mapped[int] = mapped_column(ForeignKey("job_seeker.id"), index=True,
                                           info=label(_l("Job seeker")))
    vacancy_id: Mapped[int] = mapped_column(ForeignKey("vacancy.id"), index=True,
                                            info=label(_l("Vacancy")))
    referred_on: Mapped[dt.date] = mapped_column(Date, default=today, index=True,
                                                 info=label(_l("Referred on")))
    referred_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    state: Mapped[str] = mapped_column(String(16), default="referred", index=True, info=label(
        _l("Referral state"), choices=REFERRAL_STATES))
    interviewed_on: Mapped[dt.date | None] = mapped_column(Date, info=label(
        _l("Interviewed on")))
    decided_on: Mapped[dt.date | None] = mapped_column(Date, index=True, info=label(
        _l("Outcome on")))
    start_date: Mapped[dt.date | None] = mapped_column(Date, index=True, info=label(
        _l("Starts work on")))
    wage: Mapped[Decimal | None] = mapped_column(MONEY, info=label(_l("Monthly wage (yuan)")))
    # What the hardship file said before the hire, put back when the placement is undone.
    file_employer_before: Mapped[str | None] = mapped_column(String(100), info={"audit": False})
    file_nature_before: Mapped[str | None] = mapped_column(String(16), info={"audit": False})
    times_undone: Mapped[int] = mapped_column(default=0, info=label(_l("Placements undone")))
    undo_reason: Mapped[str] = mapped_column(String(200), default="", info=label(
        _l("Why the placement was undone")))
    notes: Mapped[str] = mapped_column(Text, default="", info=label(_l("Notes")))

    seeker: Mapped[JobSeeker] = relationship(back_populates="referrals")
    vacancy: Mapped[Vacancy] = relationship(back_populates="referrals")
    referred_by = relationship("User", foreign_keys=[referred_by_id])

    def __str__(self) -> str:
        seeker = self.seeker.name if self.seeker else ""
        title = self.vacancy.title if self.vacancy else ""
        return f"{seeker} → {title}"
