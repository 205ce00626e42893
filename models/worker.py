"""Hardship-worker files (困难职工档案) and their household members."""
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
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import db, label, today, utcnow
from models.choices import (
    EMPLOYER_NATURES,
    GENDERS,
    HARDSHIP_CAUSES,
    HEALTH,
    HOUSING_TYPES,
    MEDICAL_INSURANCE,
    RELATIONS,
    WORKER_CATEGORIES,
    WORKER_STATUSES,
)
from models.unit_scope import UnitOwned, UnitScoped

LIVE_STATUSES = ("pending", "active")
MONEY = Numeric(12, 2)


class Worker(UnitOwned, db.Model):
    __tablename__ = "worker"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'active', 'exited', 'removed')", name="status"),
        CheckConstraint("category IS NULL OR category IN ('deep', 'relative', 'accident', "
                        "'migrant')", name="category"),
        CheckConstraint("household_size >= 1", name="household_size"),
        CheckConstraint("household_income >= 0 AND essential_spending >= 0", name="money"),
        # A second person approves a new file: never whoever filed it.
        CheckConstraint("approved_by_id IS NULL OR filed_by_id IS NULL OR "
                        "approved_by_id <> filed_by_id", name="second_person"),
        Index("ix_worker_name_employer", "name", "employer"),
        Index("ix_worker_initials", "initials",
              postgresql_ops={"initials": "varchar_pattern_ops"}),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(32), index=True, info=label(_l("Name")))
    # Pinyin initials of the name (张晓明 → zxm), derived on every save and import
    # (models.worker_rules.derived_values), for search.
    initials: Mapped[str] = mapped_column(String(32), default="", info={
        "audit": False, "label": _l("Pinyin initials")})
    id_number: Mapped[str] = mapped_column(String(18), unique=True, info=label(_l("ID number")))
    gender: Mapped[str | None] = mapped_column(String(1), info=label(_l("Gender"),
                                                                     choices=GENDERS))
    birth_date: Mapped[dt.date | None] = mapped_column(Date, info=label(_l("Birth date")),
                                                       index=True)
    ethnicity: Mapped[str] = mapped_column(String(16), default="汉族",
                                           info=label(_l("Ethnicity")))
    phone: Mapped[str] = mapped_column(String(20), default="", index=True,
                                       info=label(_l("Phone")))
    base_union: Mapped[str] = mapped_column(String(64), default="", index=True,
                                            info=label(_l("Base union")))
    employer: Mapped[str] = mapped_column(String(100), default="", info=label(_l("Employer")))
    employer_nature: Mapped[str | None] = mapped_column(
        String(16), info=label(_l("Employer nature"), choices=EMPLOYER_NATURES))
    address: Mapped[str] = mapped_column(String(200), default="", info=label(_l("Address")))
    category: Mapped[str | None] = mapped_column(
        String(16), index=True, info=label(_l("Category"), choices=WORKER_CATEGORIES))
    main_cause: Mapped[str] = mapped_column(
        String(16), index=True, info=label(_l("Main hardship cause"), choices=HARDSHIP_CAUSES))
    secondary_causes: Mapped[list | None] = mapped_column(
        JSON, default=list, info=label(_l("Secondary causes"), choices=HARDSHIP_CAUSES))
    health: Mapped[str | None] = mapped_column(String(16), info=label(_l("Health"),
                                                                      choices=HEALTH))
    disability: Mapped[str] = mapped_column(String(64), default="",
                                            info=label(_l("Disability")))
    single_parent: Mapped[bool] = mapped_column(Boolean, default=False,
                                                info=label(_l("Single parent")))
    household_size: Mapped[int] = mapped_column(default=1, info=label(_l("Household size")))
    household_income: Mapped[Decimal] = mapped_column(
        MONEY, default=Decimal("0"), info=label(_l("Household annual income (yuan)")))
    essential_spending: Mapped[Decimal] = mapped_column(
        MONEY, default=Decimal("0"), info=label(_l("Essential annual spending (yuan)")))
    per_capita_income: Mapped[Decimal | None] = mapped_column(
        MONEY, info=label(_l("Monthly income per person (yuan)")))
    on_dibao: Mapped[bool] = mapped_column(Boolean, default=False,
                                           info=label(_l("Receives minimum living allowance")))
    housing_type: Mapped[str | None] = mapped_column(
        String(16), info=label(_l("Housing"), choices=HOUSING_TYPES))
    housing_area: Mapped[Decimal | None] = mapped_column(
        Numeric(8, 2), info=label(_l("Housing area (m²)")))
    medical_insurance: Mapped[str | None] = mapped_column(
        String(16), info=label(_l("Medical insurance"), choices=MEDICAL_INSURANCE))
    bank_name: Mapped[str] = mapped_column(String(64), default="", info=label(_l("Bank")))
    bank_card_no: Mapped[str] = mapped_column(String(32), default="",
                                              info=label(_l("Bank card no.")))
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True,
                                        info=label(_l("Status"), choices=WORKER_STATUSES))
    filed_on: Mapped[dt.date] = mapped_column(Date, default=today, info=label(_l("Filed on")),
                                              index=True)
    filed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    last_reviewed_on: Mapped[dt.date | None] = mapped_column(
        Date, info=label(_l("Last reviewed on")))
    exit_date: Mapped[dt.date | None] = mapped_column(Date, info=label(_l("Exit date")))
    exit_reason: Mapped[str] = mapped_column(String(200), default="",
                                             info=label(_l("Exit reason")))
    certificate_no: Mapped[str] = mapped_column(String(32), default="",
                                                info=label(_l("Hardship certificate no.")))
    notes: Mapped[str] = mapped_column(Text, default="", info=label(_l("Notes")))
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow,
                                                    info={"audit": False})

    filed_by = relationship("User", foreign_keys=[filed_by_id])
    reviewed_by = relationship("User", foreign_keys=[reviewed_by_id])
    approved_by = relationship("User", foreign_keys=[approved_by_id])
    members: Mapped[list[FamilyMember]] = relationship(
        back_populates="worker", cascade="all, delete-orphan", order_by="FamilyMember.id")

    def __str__(self) -> str:
        return f"{self.name}（{self.id_number[-4:]}）" if self.id_number else self.name or ""


class FamilyMember(UnitScoped, db.Model):
    unit_from = "worker"
    __tablename__ = "family_member"

    id: Mapped[int] = mapped_column(primary_key=True)
    worker_id: Mapped[int] = mapped_column(ForeignKey("worker.id", ondelete="CASCADE"),
                                           index=True, info=label(_l("Worker file")))
    name: Mapped[str] = mapped_column(String(32), info=label(_l("Name")))
    # Pinyin initials of the name, for search (models.member_search_schema keeps them).
    initials: Mapped[str] = mapped_column(String(32), default="", server_default="", info={
        "audit": False, "label": _l("Pinyin initials")})
    relation: Mapped[str] = mapped_column(String(16), info=label(_l("Relation"),
                                                                 choices=RELATIONS))
    id_number: Mapped[str | None] = mapped_column(String(18), index=True,
                                                  info=label(_l("ID number")))
    health: Mapped[str | None] = mapped_column(String(16), info=label(_l("Health"),
                                                                      choices=HEALTH))
    monthly_income: Mapped[Decimal] = mapped_column(
        MONEY, default=Decimal("0"), info=label(_l("Monthly income (yuan)")))
    school_or_work: Mapped[str] = mapped_column(String(100), default="",
                                                info=label(_l("School or work")))

    worker: Mapped[Worker] = relationship(back_populates="members")

    def __str__(self) -> str:
        return self.name or ""


class PersonInFile(db.Model):
    """One row per ID number standing in a file; a partial unique index keeps live ones unique.

    A person may be a worker or a household member, and the rule "at most one
    live file" spans both tables, so the index lives on this derived table that
    ``models.worker_rules`` rewrites in the same flush.
    """

    __tablename__ = "person_in_file"
    __table_args__ = (
        Index("uq_person_in_file_live", "id_number", unique=True,
              sqlite_where=text("live"), postgresql_where=text("live")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    id_number: Mapped[str] = mapped_column(String(18))
    worker_id: Mapped[int] = mapped_column(ForeignKey("worker.id", ondelete="CASCADE"),
                                           index=True)
    member_id: Mapped[int | None] = mapped_column(
        ForeignKey("family_member.id", ondelete="CASCADE"))
    live: Mapped[bool] = mapped_column(Boolean)
