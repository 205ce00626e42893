"""Document numbers that run per year without gaps or repeats (JZ-2026-000123)."""
from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, mapped_column

from models.base import db


class DocCounter(db.Model):
    """The last number handed out for one kind of document in one year."""

    __tablename__ = "doc_counter"

    prefix: Mapped[str] = mapped_column(String(8), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(default=0)


def next_number(prefix: str, year: int) -> int:
    """Take the next number of ``prefix`` in ``year``, in the caller's transaction.

    One upsert both creates the year's counter and bumps it. It locks the counter
    row until the caller commits, so concurrent callers queue for it, and a caller
    that rolls back gives its number back: numbers are unique and without gaps.
    Plain Core (no ORM flush), so callers may take a number with objects pending.
    """
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(DocCounter).values(prefix=prefix, year=year, last=1)
    statement = statement.on_conflict_do_update(
        index_elements=[DocCounter.prefix, DocCounter.year],
        set_={"last": DocCounter.last + 1}).returning(DocCounter.last)
    return db.session.execute(statement).scalar_one()


def document_no(prefix: str, year: int, width: int = 6) -> str:
    """Return the next document number, formatted like ``JZ-2026-000123``."""
    return f"{prefix}-{year}-{next_number(prefix, year):0{width}d}"


def number_block(prefix: str, year: int, count: int, width: int = 6) -> list[str]:
    """Take ``count`` consecutive numbers of ``prefix`` in ``year`` with one statement
    (bulk writes), formatted as ``document_no`` formats them; same locking as above."""
    if count <= 0:
        return []
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(DocCounter).values(prefix=prefix, year=year, last=count)
    statement = statement.on_conflict_do_update(
        index_elements=[DocCounter.prefix, DocCounter.year],
        set_={"last": DocCounter.last + count}).returning(DocCounter.last)
    last = db.session.execute(statement).scalar_one()
    return [f"{prefix}-{year}-{n:0{width}d}" for n in range(last - count + 1, last + 1)]
