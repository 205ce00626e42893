"""The hardship certificate (特困职工证) of a worker file: each card handed out, by number.

A number (TK-2026-000123) is taken from a gap-free sequence when a file goes on record in
a category that qualifies (``models.worker_certificate_rules``). A card lost or damaged is
re-issued under the same number as the next edition: a new row, the old card void. A
file's certificate is returned (收回) when the file closes; a later return to hardship
(返困) takes a new number. Rows are written by the rules alone and never deleted.
"""
from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import db, label, today
from models.unit_scope import UnitScoped

CERTIFICATE_KINDS = {"issue": _l("First issue"), "reissue": _l("Re-issue (lost)"),
                     "renew": _l("Exchange")}
# Why a card is re-issued: a lost one is 补发, the others are 换发.
REISSUE_REASONS = {"lost": _l("Lost"), "damaged": _l("Damaged"),
                   "changed": _l("Details changed"), "other": _l("Other")}
# How a card stopped being valid.
END_CAUSES = {"replaced": _l("Replaced by a re-issued card"),
              "exited": _l("Returned: out of hardship"),
              "removed": _l("Returned: file withdrawn"),
              "category": _l("Returned: category no longer qualifies")}
VALID = "ended_on IS NULL"


class WorkerCertificate(UnitScoped, db.Model):
    unit_from = "worker"
    __tablename__ = "worker_certificate"
    __table_args__ = (
        # A number with its edition names one card; a number is issued once (edition 1).
        UniqueConstraint("number", "edition"),
        Index("uq_worker_certificate_issue", "number", unique=True,
              sqlite_where=text("kind = 'issue'"), postgresql_where=text("kind = 'issue'")),
        # At most one valid card per file.
        Index("uq_worker_certificate_valid", "worker_id", unique=True,
              sqlite_where=text(VALID), postgresql_where=text(VALID)),
        CheckConstraint("kind IN ('issue', 'reissue', 'renew')", name="kind"),
        CheckConstraint("(kind = 'issue') = (edition = 1) AND edition >= 1", name="edition"),
        CheckConstraint("(kind = 'issue' AND reason IS NULL) OR (kind <> 'issue' AND reason "
                        "IN ('lost', 'damaged', 'changed', 'other'))", name="reason"),
        CheckConstraint("(ended_on IS NULL AND end_cause IS NULL) OR (ended_on IS NOT NULL "
                        "AND ended_on >= issued_on AND end_cause IN ('replaced', 'exited', "
                        "'removed', 'category'))", name="ended"),
        CheckConstraint("print_count >= 0", name="print_count"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    worker_id: Mapped[int] = mapped_column(ForeignKey("worker.id", ondelete="CASCADE"),
                                           index=True, info=label(_l("Worker file")))
    number: Mapped[str] = mapped_column(String(20), info=label(_l("Hardship certificate no.")))
    # 1 for the first card of a number, then one more per re-issue.
    edition: Mapped[int] = mapped_column(default=1, info=label(_l("Edition")))
    kind: Mapped[str] = mapped_column(String(16), default="issue", index=True,
                                      info=label(_l("Issued as"), choices=CERTIFICATE_KINDS))
    reason: Mapped[str | None] = mapped_column(
        String(16), index=True, info=label(_l("Reason for re-issue"), choices=REISSUE_REASONS))
    note: Mapped[str] = mapped_column(String(200), default="", info=label(_l("Note")))
    issued_on: Mapped[dt.date] = mapped_column(Date, default=today, index=True,
                                               info=label(_l("Date of issue")))
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    ended_on: Mapped[dt.date | None] = mapped_column(Date, index=True,
                                                     info=label(_l("Valid until")))
    end_cause: Mapped[str | None] = mapped_column(
        String(16), index=True, info=label(_l("Why no longer valid"), choices=END_CAUSES))
    print_count: Mapped[int] = mapped_column(default=0, info=label(_l("Times printed")))
    last_printed_at: Mapped[dt.datetime | None] = mapped_column(
        DateTime, info=label(_l("Last printed at")))

    worker = relationship("Worker")
    issued_by = relationship("User")

    @property
    def is_valid(self) -> bool:
        return self.ended_on is None

    @property
    def kind_label(self) -> str:
        return str(CERTIFICATE_KINDS.get(self.kind, self.kind))

    @property
    def reason_label(self) -> str:
        return str(REISSUE_REASONS.get(self.reason, self.reason or ""))

    @property
    def end_label(self) -> str:
        return str(END_CAUSES.get(self.end_cause, "")) if self.end_cause else ""

    def __str__(self) -> str:
        return self.number if self.edition == 1 else f"{self.number}（{self.edition}）"
