"""An uploaded import file waiting between its preview and its confirm."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import db, utcnow


class ImportUpload(db.Model):
    """The bytes of one previewed upload, kept in the database so that any server can
    confirm it: the preview may run on one application server and the confirm on another.

    It holds full ID and bank-card numbers: it is deleted at the confirm, when a newer
    preview of the same session replaces it, or after ``IMPORT_UPLOAD_HOURS``.
    """

    __tablename__ = "import_upload"

    token: Mapped[str] = mapped_column(String(32), primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"),
                                          index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)
