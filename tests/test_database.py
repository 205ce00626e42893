"""Transactions behave alike on SQLite and PostgreSQL."""
from __future__ import annotations

from sqlalchemy import func, select

from models import Fund, db


def test_released_savepoint_is_undone_by_rollback(app):
    """A savepoint opened before any change still belongs to the session's transaction.

    pysqlite alone would let the savepoint open its own transaction and commit on release.
    """
    with app.app_context():
        with db.session.begin_nested():
            db.session.add(Fund(name="临时资金", source="union"))
        db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(Fund)) == 0
