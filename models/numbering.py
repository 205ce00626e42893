"""Document numbers that run per year without gaps or repeats (JZ-2026-000123)."""
from __future__ import annotations

import functools

from sqlalchemy import JSON, String, Text, bindparam, cast, func, insert, select
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


NUMBER = "<<number:7f3a>>"  # stands for the number in the values given to insert_numbered


def insert_numbered(prefix: str, year: int, rows, width: int = 6) -> str:
    """Take the next number of ``prefix`` in ``year`` and insert ``rows`` carrying it, in
    ONE statement (PostgreSQL): return the number, formatted as ``document_no`` does.

    ``rows`` are ``(table, values)``; a value that is ``NUMBER``, or text holding it (an
    audit row's JSON, given as text), gets the number. The upsert is a data-modifying CTE
    of the statement that writes the rows, so a caller that commits next holds the
    counter's row lock for one statement and the COMMIT, not for its writes: counters
    queue on that row for microseconds. Same numbers as ``next_number``: gap-free, in
    order of commit, given back by a rollback. The statement is built once per shape
    (tables, columns, where the number goes) and its values are bound.
    """
    params = {"prefix": prefix, "year": year, "head": f"{prefix}-{year}-", "width": width}
    shape = []
    for n, (table, values) in enumerate(rows):
        keys = []
        for key, value in values.items():
            numbered = isinstance(value, str) and NUMBER in value
            keys.append((key, "number" if value == NUMBER else "text" if numbered else ""))
            if value != NUMBER:
                params[f"v{n}_{key}"] = value
        shape.append((table, tuple(keys)))
    statement = _numbered_statement(tuple(shape))
    last = db.session.execute(statement, params).scalar_one()
    return f"{prefix}-{year}-{last:0{width}d}"


@functools.cache
def _numbered_statement(shape: tuple):
    """Return the statement ``insert_numbered`` runs for rows of ``shape``."""
    taken = (postgresql.insert(DocCounter)
             .values(prefix=bindparam("prefix"), year=bindparam("year"), last=1)
             .on_conflict_do_update(index_elements=[DocCounter.prefix, DocCounter.year],
                                    set_={"last": DocCounter.last + 1})
             .returning(DocCounter.last).cte("taken"))
    digits = cast(taken.c.last, Text)
    number = select(bindparam("head", type_=Text) + func.lpad(
        digits, func.greatest(bindparam("width"), func.length(digits)), "0")).scalar_subquery()
    writes = []
    for n, (table, keys) in enumerate(shape):
        given = {}
        for key, kind in keys:
            column = table.c[key]
            text = not isinstance(column.type, String) and (
                kind == "text" or column.type._type_affinity is JSON)
            value = bindparam(f"v{n}_{key}", type_=Text if text else column.type)
            if kind == "number":
                value = number
            elif kind == "text":
                value = func.replace(value, NUMBER, number)
            given[key] = cast(value, column.type) if text else value
        writes.append(insert(table).values(given).cte(f"w{n}"))
    return select(taken.c.last).add_cte(*writes)
