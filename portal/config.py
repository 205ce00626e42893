"""Configuration read from the environment, with safe defaults kept in ``instance/``."""
from __future__ import annotations

import datetime as dt
import os
import secrets
from pathlib import Path

# `portal serve --prod`: seconds a connection waits for its next request (0: one request a
# connection, as the reverse proxy sends them; then each worker takes only the connections
# it has a thread free for, portal.serving.gunicorn_options).
DEFAULT_KEEP_ALIVE = 0


def private_folder(path: str | Path) -> Path:
    """Make ``path`` (the instance folder: database, key, uploads) readable by us only."""
    path = Path(path)
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    path.chmod(0o700)
    return path


def instance_secret(instance_path: str) -> str:
    """Return the secret key stored in ``instance/``, making one the first time.

    Two server processes starting at once on a fresh install must end with one key: each
    writes its candidate to a file of its own and links it into place, which succeeds
    for one of them only; both then read the key that won.
    """
    path = private_folder(instance_path) / "secret_key"
    if not path.exists():
        candidate = path.with_name(f"secret_key.{os.getpid()}.{secrets.token_hex(4)}")
        descriptor = os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as file:
            file.write(secrets.token_hex(32))
        try:
            os.link(candidate, path)
        except FileExistsError:
            pass  # another process won; use its key
        finally:
            candidate.unlink()
    return path.read_text().strip()


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


def from_environment(instance_path: str) -> dict:
    """Return the settings the environment asks for."""
    database = os.environ.get("DATABASE_URL") or f"sqlite:///{instance_path}/portal.db"
    idle_minutes = int(os.environ.get("SESSION_IDLE_MINUTES", 30))
    # Off by default so that http://127.0.0.1 (make run) works; must be on behind HTTPS.
    secure_cookies = _flag("SESSION_COOKIE_SECURE")
    return {
        "SQLALCHEMY_DATABASE_URI": database,
        "SECRET_KEY": os.environ.get("SECRET_KEY"),
        "PORTAL_LOCALE": os.environ.get("PORTAL_LOCALE", "zh_CN"),
        "PORTAL_NAME": os.environ.get("PORTAL_NAME", ""),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": secure_cookies,
        "REMEMBER_COOKIE_SECURE": secure_cookies,
        # A session unused this long ends (checked on the server, see portal.sessions);
        # the cookie's own lifetime follows, so the browser drops it too.
        "SESSION_IDLE_MINUTES": idle_minutes,
        "PERMANENT_SESSION_LIFETIME": dt.timedelta(minutes=idle_minutes),
        # The cookie is signed again only when the session changes, which its idle clock
        # does once a minute (portal.sessions.SEEN_STEP), not on every page.
        "SESSION_REFRESH_EACH_REQUEST": False,
        "WTF_CSRF_TIME_LIMIT": None,  # a form left open all morning must still submit
        # Failed logins per user name, and per address across all names, in a window of
        # LOGIN_LOCK_MINUTES; a full counter locks that long (an address: twice as long
        # each time it comes back within a day, up to LOGIN_LOCK_MAX_MINUTES).
        "LOGIN_MAX_FAILURES": 5,
        "LOGIN_ADDRESS_MAX_FAILURES": 20,
        "LOGIN_LOCK_MINUTES": 15,
        "LOGIN_LOCK_MAX_MINUTES": 24 * 60,
        # Largest request body read (an import upload fits); public forms get far less.
        "MAX_CONTENT_LENGTH": int(os.environ.get("MAX_CONTENT_LENGTH", 25 * 2**20)),
        # Where the public reaches /notices/ (links and QR codes); never the Host header.
        "PUBLIC_BASE_URL": os.environ.get("PUBLIC_BASE_URL", ""),
        # Reverse proxies in front of the portal that add X-Forwarded-For/-Proto (0: none,
        # the header is ignored). Login throttling and the audit log then see the client.
        "PROXY_COUNT": int(os.environ.get("PROXY_COUNT", 0)),
        # A list counts at most this many rows past its page (views.listing): more is
        # shown as "超过 N 条" (or PostgreSQL's estimate of a whole table, "约 N 条").
        "LIST_COUNT_CAP": int(os.environ.get("LIST_COUNT_CAP", 10_000)),
        # The start page's counts over all the files (by status, category, unit, year; due
        # for a review or a visit) are counted at most once in this many seconds per role
        # and unit in each server process (views.dashboard_kept); 0: on every page.
        "DASHBOARD_KEEP_SECONDS": int(os.environ.get("DASHBOARD_KEEP_SECONDS", 300)),
        # Previewed but never confirmed import files are deleted after this many hours.
        "IMPORT_UPLOAD_HOURS": float(os.environ.get("IMPORT_UPLOAD_HOURS", 24)),
        # Checked while streaming an upload's XML, before the reader holds any of it: the
        # widest import (workers) has 33 columns. calamine holds a whole sheet (~95 bytes
        # a cell at its peak, plus its texts: shared strings are copied into cells); the
        # rest of an import works in chunks, beside SQLite's 64 MB page cache while writing.
        # Measured (tests/test_import_memory.py): a file at these limits (1,400,000 cells:
        # 100,000 rows of 13 columns, 21,874 of 64; 32 MB of text) stays under 300 MB
        # above idle through preview (+182 MB) and confirm (+250 MB).
        "IMPORT_MAX_COLUMNS": int(os.environ.get("IMPORT_MAX_COLUMNS", 64)),
        "IMPORT_MAX_CELLS": int(os.environ.get("IMPORT_MAX_CELLS", 1_400_000)),
        "IMPORT_MAX_SHARED_STRINGS": int(os.environ.get("IMPORT_MAX_SHARED_STRINGS", 1_000_000)),
        "IMPORT_MAX_STRING_MB": int(os.environ.get("IMPORT_MAX_STRING_MB", 32)),
        "BABEL_DEFAULT_TIMEZONE": "Asia/Shanghai",
        "FLASK_ADMIN_SWATCH": "default",
    }
