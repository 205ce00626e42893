"""Write and look up many rows at once through the driver, for imports of 100,000 rows.

SQLAlchemy's executemany spends about as long per row processing parameters as the
database spends storing the row. Here each column's bind processor (the one the ORM
would use: on SQLite dates to text and Decimal to float, as Numeric always stores
there; on PostgreSQL none, psycopg sends Decimal exactly) runs once per distinct
value of the column, and the rows reach the driver as plain tuples: multi-row
INSERTs on SQLite, a pipelined executemany on PostgreSQL.
"""
from __future__ import annotations

import sqlite3
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from functools import lru_cache
from itertools import chain

from sqlalchemy import JSON, insert

from models import db

CHUNK = 2000  # values in one IN list: under every database's parameter limit
BATCH = 5000  # rows in one executemany
WRITE_CACHE_KIB = 64 * 1024


def chunks(values, size: int = CHUNK):
    """Yield ``values`` in lists of at most ``size`` (an IN list the database takes)."""
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start:start + size]


def _default(column):
    """Return the column's Python-side default, evaluated once for the whole import.

    Callable defaults here take no arguments (today, utcnow, list); SQLAlchemy wraps
    them to accept the execution context, which they ignore.
    """
    default = column.default
    if default is None or not (default.is_scalar or default.is_callable):
        return None
    return default.arg(None) if default.is_callable else default.arg


def _processed(process, values: list, done: dict) -> list:
    """Return ``values`` through ``process``, computing each distinct value once.

    Values of one column that compare equal (0 and Decimal("0"), a list and its
    tuple) come out of SQLAlchemy's processors alike, so the value is the key;
    ``done`` keeps the results from batch to batch.
    """
    out = []
    append = out.append
    for value in values:
        try:
            append(done[value])
        except KeyError:
            append(done.setdefault(value, process(value)))
        except TypeError:  # unhashable (a JSON object): processed every time
            append(process(value))
    return out


def insert_rows(table, rows: list[dict], fixed: dict | None = None,
                empty: dict | None = None, prepare=None, key: str | None = None) -> dict:
    """Insert ``rows`` (dicts by column key) into ``table``; ``fixed`` values go to every row.

    Return {row[key]: its new id} when ``key`` names a unique column, else {}.

    A missing or None value takes the column's default, as an ORM insert would, or
    for a None the value ``empty`` gives its column; the database numbers the rows.
    ``prepare(row)``, when given, first completes each row (derived fields).

    A second thread prepares the next batch while the driver stores one, which it
    does without holding the GIL. On SQLite a statement carries as many rows as its
    parameter limit allows: pysqlite's executemany takes the GIL back after every
    row, which starved the preparing thread.
    """
    if not rows:
        return {}
    fixed, empty = fixed or {}, empty or {}
    conn = db.session.connection()
    dialect = conn.dialect
    columns = [(column.key, _default(column), empty.get(column.key, _default(column)),
                column.type.dialect_impl(dialect).bind_processor(dialect),
                isinstance(column.type, JSON), {})
               for column in table.c if not column.primary_key]
    keys = [name for name, *_rest in columns]

    def parameters(batch: list[dict]) -> list:
        if prepare is not None:
            for row in batch:
                prepare(row)
        present = set().union(*batch)
        values_by_column = []
        for name, default, blank, process, is_json, done in columns:
            if name in fixed or name not in present:
                value = fixed.get(name, default)
                values = [value if process is None else process(value)] * len(batch)
            else:
                values = [blank if (v := row.get(name)) is None else v for row in batch]
                if is_json:  # lists as tuples: hashable, dumped alike
                    values = [tuple(v) if type(v) is list else v for v in values]
                if process is not None:
                    values = _processed(process, values, done)
            values_by_column.append(values)
        params = list(zip(*values_by_column, strict=True))
        if not dialect.positional:  # psycopg: named parameters
            params = [dict(zip(keys, values, strict=True)) for values in params]
        return params

    sql = insert(table).compile(dialect=dialect, column_keys=keys, for_executemany=True).string
    per_statement = _rows_per_statement(conn, len(keys))

    def executions(batch: list[dict]) -> list[tuple[str, object]]:
        params = parameters(batch)
        if per_statement is None:
            return [(sql, params)]  # one executemany
        return [(_many_values(sql, len(part)), tuple(chain.from_iterable(part)))
                for part in (params[start:start + per_statement]
                             for start in range(0, len(params), per_statement))]

    size = BATCH if per_statement is None else per_statement * max(1, BATCH // per_statement)
    batches = [rows[start:start + size] for start in range(0, len(rows), size)]
    with ThreadPoolExecutor(max_workers=1) as pool:
        pending = pool.submit(executions, batches[0])
        for following in [*batches[1:], None]:
            ready = pending.result()
            if following is not None:
                pending = pool.submit(executions, following)
            for statement, params in ready:
                conn.exec_driver_sql(statement, params)
    if not key:
        return {}
    # Read back rather than RETURNING: fetching row by row takes the GIL back per row.
    pk = table.primary_key.columns[0].name
    return dict(select_in(f"SELECT {table.c[key].name}, {pk} FROM {table.name} "
                          f"WHERE {table.c[key].name} IN ({{}})", [r[key] for r in rows]))


def _rows_per_statement(conn, width: int) -> int | None:
    """Return how many rows one SQLite INSERT may carry, or None to use executemany."""
    if conn.dialect.name != "sqlite":
        return None  # psycopg pipelines executemany and releases the GIL meanwhile
    dbapi = conn.connection.dbapi_connection
    return max(1, dbapi.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) // width)


@lru_cache(maxsize=16)
def _many_values(sql: str, count: int) -> str:
    """Return the one-row INSERT ``sql`` written for ``count`` rows."""
    head, group = sql.rsplit(" VALUES ", 1)
    return f"{head} VALUES {', '.join([group] * count)}"


def select_in(sql: str, values) -> list[tuple]:
    """Return the rows of ``sql``, whose ``IN ({})`` takes ``values``, asked in chunks.

    The values go to the driver's cursor (in the session's transaction) as positional
    parameters; the rows come back as the driver gives them: use it for text and
    integer columns.
    """
    conn = db.session.connection()
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    cursor = conn.connection.dbapi_connection.cursor()
    values, rows = list(values), []
    try:
        for start in range(0, len(values), CHUNK):
            chunk = tuple(values[start:start + CHUNK])
            cursor.execute(sql.format(", ".join([mark] * len(chunk))), chunk)
            rows.extend(cursor.fetchall())
    finally:
        cursor.close()
    return rows


@contextmanager
def roomy_cache():
    """On SQLite, give the session's connection a large page cache while writing in bulk.

    With the default 2 MB, index pages of a 100,000-row insert (random ID numbers)
    are written out to the WAL and read back many times over; this took as long as
    the inserting itself. The connection's own setting is put back afterwards.
    """
    conn = db.session.connection()
    if conn.dialect.name != "sqlite":
        yield
        return
    before = conn.exec_driver_sql("PRAGMA cache_size").scalar()
    conn.exec_driver_sql(f"PRAGMA cache_size=-{WRITE_CACHE_KIB}")
    try:
        yield
    finally:
        conn.exec_driver_sql(f"PRAGMA cache_size={int(before)}")
