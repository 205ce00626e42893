"""The audit log: who changed what, when and from where."""
from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import db, label, utcnow
from models.choices import AUDIT_ACTIONS


class AuditLog(db.Model):
    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_username_action_at", "username", "action", "at"),
        Index("ix_audit_log_record", "record_type", "record_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True, info=label(_l("Time")))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    username: Mapped[str] = mapped_column(String(64), default="", info=label(_l("User")))
    ip: Mapped[str] = mapped_column(String(64), default="", info=label(_l("IP address")))
    action: Mapped[str] = mapped_column(String(32), info=label(_l("Action"),
                                                                 choices=AUDIT_ACTIONS), index=True)
    record_type: Mapped[str] = mapped_column(String(64), default="",
                                             info=label(_l("Record type")))
    record_id: Mapped[str] = mapped_column(String(64), default="", info=label(_l("Record")))
    changes: Mapped[dict | None] = mapped_column(JSON, info=label(_l("Changes")))
    note: Mapped[str] = mapped_column(Text, default="", info=label(_l("Note")))

    user = relationship("User", lazy="joined")
