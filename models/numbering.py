"""Document numbers that run per year without gaps or repeats (JZ-2026-000123)."""
from __future__ import annotations

import datetime as dt
import functools
import json
from decimal import Decimal

from sqlalchemy import String, text
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

    ``rows`` are ``(table, values)``; a text value holding ``NUMBER`` (the number itself,
    a document field, an audit row's changes) gets the number. The upsert is a
    data-modifying CTE of the statement that writes the rows, so a caller that commits
    next holds the counter's row lock for one statement and the COMMIT, not for its
    writes: counters queue on that row for microseconds. Same numbers as
    ``next_number``: gap-free, in order of commit, given back by a rollback.

    The rows of a table (with the same columns) go as ONE JSON parameter, read back by
    ``json_populate_recordset`` as the table's own row type: the statement's text depends
    only on which tables and columns are written, not on how many rows, so the driver
    keeps it parsed and the server prepared, and it binds a few parameters, not hundreds.
    """
    groups: dict[tuple, list[dict]] = {}
    for table, values in rows:
        groups.setdefault((table, tuple(values)), []).append(values)
    params = {"prefix": prefix, "year": year, "head": f"{prefix}-{year}-", "width": width}
    for n, written in enumerate(groups.values()):
        params[f"rows{n}"] = json.dumps(written, default=_json_value)
    statement = _numbered_statement(tuple(groups))
    last = db.session.execute(statement, params).scalar_one()
    return f"{prefix}-{year}-{last:0{width}d}"


def _json_value(value):
    """Return what JSON cannot hold as it is (amounts, dates, times) as its text."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date):  # a datetime too
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not written by insert_numbered")


@functools.cache
def _numbered_statement(shape: tuple):
    """Return the statement ``insert_numbered`` runs for ``shape``: its ``(table, column
    names)`` groups, each group's rows given as the JSON parameter ``rows<n>``."""
    quote = postgresql.dialect().identifier_preparer
    writes = []
    for n, (table, keys) in enumerate(shape):
        name = quote.format_table(table)
        columns = ", ".join(quote.quote(key) for key in keys)
        writes.append(
            f"w{n} AS (INSERT INTO {name} ({columns}) SELECT {columns} FROM "
            f"json_populate_recordset(CAST(NULL AS {name}), CAST(replace(CAST(:rows{n} AS text), "
            f"'{NUMBER}', (SELECT value FROM number)) AS json)))")
    counter = quote.format_table(DocCounter.__table__)
    return text(
        f"WITH taken AS (INSERT INTO {counter} (prefix, year, last) "
        "VALUES (CAST(:prefix AS varchar), CAST(:year AS integer), 1) "
        f"ON CONFLICT (prefix, year) DO UPDATE SET last = {counter}.last + 1 "
        "RETURNING last), "
        "number AS (SELECT CAST(:head AS text) || lpad(CAST(last AS text), "
        "greatest(CAST(:width AS integer), length(CAST(last AS text))), '0') AS value "
        f"FROM taken), {', '.join(writes)} SELECT last FROM taken")
