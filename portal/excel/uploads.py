"""Uploaded import files kept between the preview and the confirm, and nowhere longer.

They hold full ID and bank-card numbers, so each is private to the server's user (file
0600 in a 0700 folder), deleted when its import is confirmed or replaced by a newer
preview, and every file older than ``IMPORT_UPLOAD_HOURS`` (default 24) is deleted
whenever a preview or a confirm runs.
"""
from __future__ import annotations

import os
import re
import secrets
import time
from pathlib import Path

TOKEN = re.compile(r"[0-9a-f]{32}")
DEFAULT_HOURS = 24


def folder(instance_path: str) -> Path:
    """Return the private folder of kept uploads, making it if needed."""
    path = Path(instance_path) / "imports"
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    path.chmod(0o700)
    return path


def _path(instance_path: str, token: str) -> Path | None:
    return folder(instance_path) / f"{token}.xlsx" if TOKEN.fullmatch(token or "") else None


def keep(instance_path: str, data: bytes) -> str:
    """Store ``data`` privately and return the token that fetches it back."""
    token = secrets.token_hex(16)
    path = _path(instance_path, token)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(data)
    return token


def read(instance_path: str, token: str) -> bytes | None:
    """Return the stored upload of ``token``, or None when it is gone."""
    path = _path(instance_path, token)
    try:
        return path.read_bytes() if path else None
    except FileNotFoundError:
        return None


def discard(instance_path: str, token: str | None) -> None:
    """Delete the stored upload of ``token`` (if any)."""
    path = _path(instance_path, token or "")
    if path:
        path.unlink(missing_ok=True)


def purge(instance_path: str, hours: float = DEFAULT_HOURS) -> int:
    """Delete kept uploads older than ``hours``; return how many were deleted."""
    limit, deleted = time.time() - hours * 3600, 0
    for path in folder(instance_path).glob("*.xlsx"):
        try:
            if path.stat().st_mtime < limit:
                path.unlink()
                deleted += 1
        except FileNotFoundError:  # another request removed it meanwhile
            continue
    return deleted
