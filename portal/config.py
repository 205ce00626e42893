"""Configuration read from the environment, with safe defaults kept in ``instance/``."""
from __future__ import annotations

import os
import secrets
from pathlib import Path


def instance_secret(instance_path: str) -> str:
    """Return the secret key stored in ``instance/``, making one the first time."""
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def from_environment(instance_path: str) -> dict:
    """Return the settings the environment asks for."""
    database = os.environ.get("DATABASE_URL") or f"sqlite:///{instance_path}/portal.db"
    return {
        "SQLALCHEMY_DATABASE_URI": database,
        "SECRET_KEY": os.environ.get("SECRET_KEY"),
        "PORTAL_LOCALE": os.environ.get("PORTAL_LOCALE", "zh_CN"),
        "PORTAL_NAME": os.environ.get("PORTAL_NAME", ""),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "WTF_CSRF_TIME_LIMIT": None,  # a form left open all morning must still submit
        "LOGIN_MAX_FAILURES": 5,
        "LOGIN_LOCK_MINUTES": 15,
        # Previewed but never confirmed import files are deleted after this many hours.
        "IMPORT_UPLOAD_HOURS": float(os.environ.get("IMPORT_UPLOAD_HOURS", 24)),
        "BABEL_DEFAULT_TIMEZONE": "Asia/Shanghai",
        "FLASK_ADMIN_SWATCH": "default",
    }
