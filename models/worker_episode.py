"""Episodes of a worker file: each stretch on record, from approval to exit or withdrawal.

A file re-filed after an exit (返困) gets a new episode; a closed episode is never
changed, so last year's exits stay what they were: the database refuses to update or
delete a closed episode's row (``closed_guard``, made by create_all and by migration
d6f9b2a5c8e3), which also keeps a file with history from being deleted.
"""
from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from sqlalchemy import DDL, Boolean, CheckConstraint, Date, ForeignKey, Index, String, event, text
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


CLOSED_MESSAGE = "worker_episode is closed history"


def closed_guard(dialect: str) -> list[str]:
    """Return the statements that refuse updating or deleting a closed episode's row."""
    if dialect == "sqlite":  # RAISE(ABORT) is a constraint error: IntegrityError
        return [f"CREATE TRIGGER IF NOT EXISTS worker_episode_closed_{verb} BEFORE "
                f"{verb.upper()} ON worker_episode WHEN OLD.closed_on IS NOT NULL "
                f"BEGIN SELECT RAISE(ABORT, '{CLOSED_MESSAGE}'); END"
                for verb in ("update", "delete")]
    # The SQLSTATE of a violated constraint, so drivers raise an IntegrityError here too.
    return [
        "CREATE OR REPLACE FUNCTION forbid_closed_episode_change() RETURNS trigger "
        "LANGUAGE plpgsql AS $$ BEGIN IF OLD.closed_on IS NOT NULL THEN RAISE EXCEPTION "
        f"'{CLOSED_MESSAGE}' USING ERRCODE = 'integrity_constraint_violation'; END IF; "
        "IF TG_OP = 'DELETE' THEN RETURN OLD; END IF; RETURN NEW; END $$",
        "CREATE TRIGGER worker_episode_closed BEFORE UPDATE OR DELETE ON worker_episode "
        "FOR EACH ROW EXECUTE FUNCTION forbid_closed_episode_change()",
    ]


for _dialect in ("sqlite", "postgresql"):
    for _statement in closed_guard(_dialect):
        event.listen(WorkerEpisode.__table__, "after_create",
                     DDL(_statement.replace("%", "%%")).execute_if(dialect=_dialect))
