"""Episodes of a worker file: each stretch on record, from approval to exit or withdrawal.

A file re-filed after an exit (返困) gets a new episode; a closed episode is never
changed, so last year's exits stay what they were.
"""
from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import db, label
from models.choices import EPISODE_CLOSE_KINDS, EXIT_CAUSES
from models.unit_scope import UnitScoped

OPEN = "closed_on IS NULL"


class WorkerEpisode(UnitScoped, db.Model):
    unit_from = "worker"
    __tablename__ = "worker_episode"
    __table_args__ = (
        CheckConstraint("(closed_on IS NULL AND close_kind IS NULL) OR (closed_on IS NOT NULL "
                        "AND close_kind IN ('exited', 'removed'))", name="closed"),
        CheckConstraint("closed_on IS NULL OR closed_on >= opened_on", name="dates"),
        CheckConstraint("exit_cause IS NULL OR (close_kind = 'exited' AND exit_cause IN "
                        "('employment', 'business', 'safety_net', 'children_work', 'other'))",
                        name="exit_cause"),
        # At most one open episode per file.
        Index("uq_worker_episode_open", "worker_id", unique=True,
              sqlite_where=text(OPEN), postgresql_where=text(OPEN)),
        Index("ix_worker_episode_closed_on", "closed_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    worker_id: Mapped[int] = mapped_column(ForeignKey("worker.id", ondelete="CASCADE"),
                                           index=True, info=label(_l("Worker file")))
    opened_on: Mapped[dt.date] = mapped_column(Date, index=True, info=label(_l("On file from")))
    # Re-filed after an earlier exit from hardship (返困).
    returned: Mapped[bool] = mapped_column(Boolean, default=False, index=True,
                                           info=label(_l("Back in hardship")))
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    closed_on: Mapped[dt.date | None] = mapped_column(Date, info=label(_l("Closed on")))
    close_kind: Mapped[str | None] = mapped_column(
        String(16), index=True, info=label(_l("Closed as"), choices=EPISODE_CLOSE_KINDS))
    exit_cause: Mapped[str | None] = mapped_column(
        String(16), index=True,
        info=label(_l("Reason for leaving hardship"), choices=EXIT_CAUSES))
    close_reason: Mapped[str] = mapped_column(String(200), default="",
                                              info=label(_l("Reason for closing")))
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    worker = relationship("Worker")
    opened_by = relationship("User", foreign_keys=[opened_by_id])
    closed_by = relationship("User", foreign_keys=[closed_by_id])

    @property
    def is_open(self) -> bool:
        return self.closed_on is None

    def __str__(self) -> str:
        return f"#{self.id}"
