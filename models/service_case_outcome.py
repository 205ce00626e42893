"""What came of a desk case (有帮扶档案): the records started from it, linked both ways.

A legal case names its desk case itself (``LegalCase.service_case_id``). The records of
other areas (a file draft, an aid application, a loan, a training enrolment) are not
changed for the desk: one link row per record says which case it came from, so the case
page lists them and each record's page finds its case (``origin_of``). A record comes
from at most one case.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import db, utcnow
from models.choices import sql_codes

# Record types a desk case may lead to through a link row (the registry's endpoints).
OUTCOME_TYPES = ("worker", "assistance", "loan", "enrolment")


class ServiceCaseOutcome(db.Model):
    __tablename__ = "service_case_outcome"
    __table_args__ = (
        UniqueConstraint("record_type", "record_id", name="one_origin"),
        CheckConstraint(f"record_type IN ({sql_codes(OUTCOME_TYPES)})",
                        name="record_type"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    service_case_id: Mapped[int] = mapped_column(ForeignKey("service_case.id"), index=True)
    record_type: Mapped[str] = mapped_column(String(16))
    record_id: Mapped[int]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    service_case = relationship("ServiceCase", backref="outcomes")
