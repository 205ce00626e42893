"""Database set-up: SQLite pragmas, schema upgrade and default rows."""
from __future__ import annotations

from pathlib import Path

from flask import Flask
from sqlalchemy import event

from models import Setting, db
from models.orgunit import ensure_root_unit
from models.settings import SETTINGS


def init_app(app: Flask) -> None:
    """Attach the SQLite connection settings to the app's engine (ignored elsewhere)."""
    with app.app_context():
        engine = db.engine
    for name, hook in (("connect", sqlite_pragmas), ("savepoint", sqlite_savepoint_in_transaction)):
        if not event.contains(engine, name, hook):
            event.listen(engine, name, hook)


def sqlite_pragmas(dbapi_connection, connection_record):
    """Turn on foreign keys and WAL for every SQLite connection; keep the file private.

    The database holds full ID and bank-card numbers: its file is made 0600 (SQLite
    gives its -wal and -shm files the same mode).
    """
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        for _seq, name, file in dbapi_connection.execute("PRAGMA database_list"):
            if name == "main" and file:
                Path(file).chmod(0o600)
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()


def sqlite_savepoint_in_transaction(conn, name):
    """Open the transaction before a savepoint on SQLite, so releasing it commits nothing.

    pysqlite begins a transaction only before a data change; a SAVEPOINT issued before
    any opens a transaction of its own, and its RELEASE commits: a dry run's rows or a
    half-done step would be kept whatever the session does afterwards.
    """
    raw = conn.connection.dbapi_connection
    if type(raw).__module__.startswith("sqlite3") and not raw.in_transaction:
        raw.execute("BEGIN")


def ensure_settings() -> None:
    """Create a row for every known setting that has none, holding its default, and the
    top org unit (the centre itself) on a database that has none."""
    ensure_root_unit()
    for key, (_kind, default, _label) in SETTINGS.items():
        if db.session.get(Setting, key) is None:
            db.session.add(Setting(key=key, value=str(default)))
    db.session.commit()


def upgrade(app: Flask) -> None:
    """Bring the schema to the newest migration and add default rows."""
    from flask_migrate import upgrade as alembic_upgrade

    with app.app_context():
        alembic_upgrade(directory=app.extensions["migrate"].directory)
        ensure_settings()
