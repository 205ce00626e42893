"""The database a bench measures: a schema of its own on the PostgreSQL that
``DATABASE_URL`` names (made if missing), else a scratch SQLite file."""
from __future__ import annotations

import os


def config(args, sqlite_path: str) -> dict:
    """Return the app config: PostgreSQL schema ``args.schema`` unless ``args.sqlite`` or no
    ``DATABASE_URL``; else the SQLite file ``args.file`` or ``sqlite_path``."""
    url = os.environ.get("DATABASE_URL")
    base = {"SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False, "TESTING": False}
    if url and not args.sqlite:
        from sqlalchemy import create_engine, text
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{args.schema}"'))
        engine.dispose()
        return {**base, "SQLALCHEMY_DATABASE_URI": url, "SQLALCHEMY_ENGINE_OPTIONS": {
            "connect_args": {"options": f"-csearch_path={args.schema}"}}}
    return {**base, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{args.file or sqlite_path}"}
