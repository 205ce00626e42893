"""The Alembic migrations build exactly the schema the models declare."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade
from sqlalchemy import text

from models import Base, db, member_search_schema, worker_search_schema

NAMES = worker_search_schema.NAMES | member_search_schema.NAMES
FTS_TABLES = (worker_search_schema.FTS + "_", member_search_schema.FTS + "_")


def _comparable(obj, name, type_, reflected, compare_to) -> bool:
    """Leave out the search's FTS5 tables and expression and trigram indexes, made by DDL.

    Alembic cannot express them; tests/test_worker_search.py checks they exist and serve.
    """
    return not (reflected and compare_to is None and (name in NAMES or (
        type_ == "table" and name.startswith(FTS_TABLES))))


def test_upgrade_to_head_matches_models(database_config):
    """`portal init-db` on an empty database leaves nothing for autogenerate to add."""
    from portal import create_app

    app = create_app({"TESTING": True, "SECRET_KEY": "x", **database_config})
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(
                conn, opts={"include_object": _comparable}), Base.metadata)
            assert diff == []
            if conn.dialect.name == "sqlite":
                assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
                assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        db.engine.dispose()


def test_init_db_command_is_idempotent(database_config):
    """Running init-db twice is harmless and creates the default settings."""
    from models import Setting
    from portal import create_app

    app = create_app({"TESTING": True, "SECRET_KEY": "x", **database_config})
    runner = app.test_cli_runner()
    for _ in range(2):
        result = runner.invoke(args=["init-db"])
        assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.get(Setting, "dibao_line").value == "800.00"
        db.engine.dispose()
