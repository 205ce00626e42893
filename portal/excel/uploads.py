"""Uploaded import files kept between the preview and the confirm, and nowhere longer.

They are kept in the database (``models.import_upload``), not on a server's disk, so that
the confirm may reach another application server than the preview did. Each belongs to
the user who previewed it and only that user can fetch it back. It holds full ID and
bank-card numbers, so it is deleted when its import is confirmed or replaced by a newer
preview, and every upload older than ``IMPORT_UPLOAD_HOURS`` (default 24) is deleted
whenever a preview or a confirm runs.

Each function writes in a transaction of its own, apart from the session's (the preview
rolls the session back; the upload must stay for the confirm all the same).
"""
from __future__ import annotations

import datetime as dt
import re
import secrets

from sqlalchemy import delete, insert, select

from models import ImportUpload, db
from models.base import utcnow

TOKEN = re.compile(r"[0-9a-f]{32}")
DEFAULT_HOURS = 24


def keep(owner_id: int, data: bytes) -> str:
    """Store ``data`` for ``owner_id`` and return the token that fetches it back."""
    token = secrets.token_hex(16)
    with db.engine.begin() as conn:
        conn.execute(insert(ImportUpload).values(token=token, owner_id=owner_id,
                                                 created_at=utcnow(), data=data))
    return token


def read(owner_id: int, token: str | None) -> bytes | None:
    """Return ``owner_id``'s stored upload of ``token``, or None when it is gone."""
    if not TOKEN.fullmatch(token or ""):
        return None
    with db.engine.connect() as conn:
        return conn.scalar(select(ImportUpload.data).where(
            ImportUpload.token == token, ImportUpload.owner_id == owner_id))


def discard(token: str | None) -> None:
    """Delete the stored upload of ``token`` (if any)."""
    if TOKEN.fullmatch(token or ""):
        with db.engine.begin() as conn:
            conn.execute(delete(ImportUpload).where(ImportUpload.token == token))


def purge(hours: float = DEFAULT_HOURS) -> int:
    """Delete kept uploads older than ``hours``; return how many were deleted."""
    limit = utcnow() - dt.timedelta(hours=hours)
    with db.engine.begin() as conn:
        return conn.execute(delete(ImportUpload).where(ImportUpload.created_at < limit)).rowcount
