"""Write many rows at once through the driver, for imports of 100,000 rows.

SQLAlchemy's executemany spends about as long per row processing parameters as the
database spends storing the row. Here each column's bind processor (the one the ORM
would use: on SQLite dates to text and Decimal to float, as Numeric always stores
there; on PostgreSQL none, psycopg sends Decimal exactly) runs once per distinct
value of the column, and the rows reach the driver as plain tuples: multi-row
INSERTs on SQLite, COPY on PostgreSQL (a pipelined executemany of one-row INSERTs took
about 150 µs a row there, several times SQLite's time).
"""
from __future__ import annotations

import sqlite3
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from functools import lru_cache
from itertools import chain

from sqlalchemy import JSON, bindparam, insert

from models import db
from models.lookup import select_in

BATCH = 5000  # rows in one executemany
FIRST_BATCH = 250  # rows prepared before the driver has anything to store
ROWS_PER_STATEMENT = 1000  # rows in one multi-row INSERT on SQLite
WRITE_CACHE_KIB = 64 * 1024


def _default(column, kind: str = "default"):
    """Return the column's Python-side default (or ``onupdate``), evaluated once.

    Callable defaults here take no arguments (today, utcnow, list); SQLAlchemy wraps
    them to accept the execution context, which they ignore.
    """
    default = getattr(column, kind)
    if default is None or not (default.is_scalar or default.is_callable):
        return None
    return default.arg(None) if default.is_callable else default.arg


def _stored(name: str, default, blank, fixed: dict, present: set, rows: list[dict]):
    """Return ``(value, None)`` when all ``rows`` store one value in column ``name``,
    else ``(None, their values)``.

    A column no row has takes its default, a None the value ``blank`` (what the
    caller's ``empty`` gives, else the default), and ``fixed`` values every row.
    """
    if name in fixed or name not in present:
        return fixed.get(name, default), None
    return None, [blank if (v := row.get(name)) is None else v for row in rows]


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


def _bind(column, dialect, encoded=()) -> tuple:
    """Return how ``column``'s values reach the driver: (bind processor, is JSON, cache)."""
    if column.key in encoded:
        return None, False, {}
    return (column.type.dialect_impl(dialect).bind_processor(dialect),
            isinstance(column.type, JSON), {})


def _for_driver(values: list, process, is_json: bool, done: dict) -> list:
    """Return one column's values as the driver takes them."""
    if is_json:  # lists as tuples: hashable, dumped alike
        values = [tuple(v) if type(v) is list else v for v in values]
    return values if process is None else _processed(process, values, done)


def insert_rows(table, rows: list[dict], fixed: dict | None = None,
                empty: dict | None = None, prepare=None, key: str | None = None,
                encoded: tuple[str, ...] = (), stored=None) -> dict:
    """Insert ``rows`` (dicts by column key) into ``table``; ``fixed`` values go to every row.

    Return {row[key]: its new id} when ``key`` names a unique column, else {}.

    A missing or None value takes the column's default, as an ORM insert would, or
    for a None the value ``empty`` gives its column; the database numbers the rows
    unless the first row gives its primary key.
    ``prepare(row)``, when given, first completes each row (derived fields), and
    ``stored(columns)`` then sees each batch's values as stored, ``{column: values}``
    (to audit them), batch after batch. Columns named in ``encoded`` come already as
    the driver takes them (JSON as its text).

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
                *_bind(column, dialect, encoded))
               for column in table.c if not column.primary_key or column.key in rows[0]]
    keys = [name for name, *_rest in columns]

    copy = _copy_sql(table, keys, dialect) if dialect.name == "postgresql" else None

    def parameters(batch: list[dict]) -> list:
        if prepare is not None:
            for row in batch:
                prepare(row)
        present = set().union(*batch)
        values_by_column, as_stored = [], {}
        for name, default, blank, process, is_json, done in columns:
            same, values = _stored(name, default, blank, fixed, present, batch)
            if values is None:
                as_stored[name] = [same] * len(batch)
                values = [same if process is None else process(same)] * len(batch)
            else:
                as_stored[name] = values
                values = _for_driver(values, process, is_json, done)
            values_by_column.append(values)
        if stored is not None:
            stored(as_stored)
        # Columns NULL in every row of the batch are written as NULL in the statement:
        # pysqlite looks for an adapter of each None it binds, which cost more than
        # storing the row's other columns.
        nulls = tuple(i for i, values in enumerate(values_by_column)
                      if values.count(None) == len(values)) if inline_nulls else ()
        if len(nulls) == len(keys):  # a row of parameters must remain
            nulls = nulls[1:]
        params = list(zip(*(values for i, values in enumerate(values_by_column)
                            if i not in nulls), strict=True))
        if copy is None and not dialect.positional:  # psycopg's INSERT: named parameters
            params = [dict(zip(keys, values, strict=True)) for values in params]
        return params, nulls

    sql = insert(table).compile(dialect=dialect, column_keys=keys, for_executemany=True).string
    per_statement = _rows_per_statement(conn, len(keys))
    inline_nulls = per_statement is not None and sql.endswith(_values_group(len(keys), ()))

    def executions(batch: list[dict]) -> list[tuple[str, object]]:
        params, nulls = parameters(batch)
        if copy is not None:
            return [(copy, params)]
        if per_statement is None:
            return [(sql, params)]  # one executemany
        statement = _with_nulls(sql, len(keys), nulls)
        return [(_many_values(statement, len(part)), tuple(chain.from_iterable(part)))
                for part in (params[start:start + per_statement]
                             for start in range(0, len(params), per_statement))]

    size = BATCH if per_statement is None else per_statement * max(1, BATCH // per_statement)
    batches = list(_growing(rows, size))
    with ThreadPoolExecutor(max_workers=1) as pool:
        pending = pool.submit(executions, batches[0])
        for following in [*batches[1:], None]:
            ready = pending.result()
            if following is not None:
                pending = pool.submit(executions, following)
            for statement, params in ready:
                if statement is copy:
                    _copy(conn, copy, params)
                else:
                    conn.exec_driver_sql(statement, params)
    if not key:
        return {}
    # Read back rather than RETURNING: fetching row by row takes the GIL back per row.
    pk = table.primary_key.columns[0].name
    return dict(select_in(f"SELECT {table.c[key].name}, {pk} FROM {table.name} "
                          f"WHERE {table.c[key].name} IN ({{}})", [r[key] for r in rows]))


def _copy_sql(table, keys: list[str], dialect) -> str:
    """Return the COPY statement that writes ``keys`` of ``table`` (PostgreSQL)."""
    quote = dialect.identifier_preparer
    names = ", ".join(quote.quote(table.c[key].name) for key in keys)
    return f"COPY {quote.format_table(table)} ({names}) FROM STDIN"


def _copy(conn, sql: str, rows: list[tuple]) -> None:
    """Write ``rows`` (tuples as the driver takes them) with COPY, in the transaction."""
    with conn.connection.dbapi_connection.cursor() as cursor, cursor.copy(sql) as copy:
        write = copy.write_row
        for row in rows:
            write(row)


def update_rows(table, rows: list[dict]) -> None:
    """Update ``rows`` (dicts of the columns to set, the primary key too) of ``table``.

    What SQLAlchemy's ORM bulk UPDATE by primary key does, without its per-row
    parameter handling, which took three times as long as the database's updating:
    each column's values are processed as ``insert_rows`` does. Columns with an
    ``onupdate`` (the time of change) take it. On SQLite one UPDATE per row in an
    executemany; on PostgreSQL the rows go by COPY into a temporary table and one
    UPDATE … FROM it writes them all: a pipelined executemany of 100,000 one-row
    UPDATEs took twice as long as that one statement.
    """
    conn = db.session.connection()
    dialect, pk = conn.dialect, table.primary_key.columns[0]
    groups: dict[tuple, list[dict]] = {}
    for row in rows:  # an import's rows share their keys: one group
        groups.setdefault(tuple(row), []).append(row)
    for names, group in groups.items():
        stamped = {c.key: _default(c, "onupdate") for c in table.c
                   if c.onupdate is not None and c.key not in names}
        keys = [k for k in names if k != pk.key]
        values = {pk.key: [row[pk.key] for row in group]}
        for key in keys:
            values[key] = _for_driver([row[key] for row in group],
                                      *_bind(table.c[key], dialect))
        for key, value in stamped.items():
            process = _bind(table.c[key], dialect)[0]
            values[key] = [value if process is None else process(value)] * len(group)
        if dialect.name == "postgresql":
            _update_by_copy(conn, table, values)
            continue
        compiled = table.update().where(pk == bindparam("_pk")).compile(
            dialect=dialect, column_keys=[*keys, *stamped])
        values["_pk"] = values.pop(pk.key)
        order = compiled.positiontup if dialect.positional else list(values)
        params = list(zip(*(values[name] for name in order), strict=True))
        if not dialect.positional:  # named parameters
            params = [dict(zip(order, p, strict=True)) for p in params]
        for start in range(0, len(params), BATCH):
            conn.exec_driver_sql(compiled.string, params[start:start + BATCH])


def _update_by_copy(conn, table, values: dict[str, list]) -> None:
    """Set the columns of ``values`` ({column key: values as the driver takes them},
    the primary key's first) in the rows its primary key names, on PostgreSQL."""
    quote = conn.dialect.identifier_preparer
    target, scratch = quote.format_table(table), quote.quote(f"_update_{table.name}")
    pk, *keys = (quote.quote(table.c[key].name) for key in values)
    conn.exec_driver_sql(f"CREATE TEMPORARY TABLE {scratch} ON COMMIT DROP AS SELECT {pk}, "
                         f"{', '.join(keys)} FROM {target} WITH NO DATA")
    _copy(conn, f"COPY {scratch} ({pk}, {', '.join(keys)}) FROM STDIN",
          list(zip(*values.values(), strict=True)))
    conn.exec_driver_sql(f"UPDATE {target} AS t SET "
                         + ", ".join(f"{key} = s.{key}" for key in keys)
                         + f" FROM {scratch} AS s WHERE t.{pk} = s.{pk}")
    conn.exec_driver_sql(f"DROP TABLE {scratch}")


def _growing(rows: list, size: int):
    """Yield ``rows`` in batches growing from ``FIRST_BATCH`` rows to ``size``.

    Only the first batch's preparing keeps the driver waiting: each next one, twice
    as big, is prepared while the driver stores the one before, which takes longer.
    """
    start, step = 0, min(FIRST_BATCH, size)
    while start < len(rows):
        yield rows[start:start + step]
        start += step
        step = min(step * 2, size)


def _rows_per_statement(conn, width: int) -> int | None:
    """Return how many rows one SQLite INSERT carries, or None to use executemany.

    As many as the parameter limit allows, up to ``ROWS_PER_STATEMENT``: SQLite 3.32+
    allows 250,000 parameters, and a statement of thousands of rows took longer to
    write out and to compile than several of a thousand.
    """
    if conn.dialect.name != "sqlite":
        return None  # COPY on PostgreSQL
    dbapi = conn.connection.dbapi_connection
    limit = dbapi.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) // width
    return max(1, min(limit, ROWS_PER_STATEMENT))


def _values_group(width: int, nulls: tuple[int, ...]) -> str:
    """Return one row's VALUES group of ``width`` parameters, NULL at positions ``nulls``."""
    return " VALUES (" + ", ".join(["NULL" if i in nulls else "?" for i in range(width)]) + ")"


@lru_cache(maxsize=16)
def _with_nulls(sql: str, width: int, nulls: tuple[int, ...]) -> str:
    """Return the one-row INSERT ``sql`` (plain parameters) with NULL at ``nulls``."""
    if not nulls:
        return sql
    return sql.removesuffix(_values_group(width, ())) + _values_group(width, nulls)


@lru_cache(maxsize=16)
def _many_values(sql: str, count: int) -> str:
    """Return the one-row INSERT ``sql`` written for ``count`` rows."""
    head, group = sql.rsplit(" VALUES ", 1)
    return f"{head} VALUES {', '.join([group] * count)}"


@contextmanager
def roomy_cache(kib: int = WRITE_CACHE_KIB):
    """On SQLite, give the session's connection a page cache of ``kib`` KiB while writing
    in bulk.

    With the default 2 MB, index pages of a 100,000-row insert (random ID numbers)
    are written out to the WAL and read back many times over; this took as long as
    the inserting itself. The connection's own setting is put back afterwards.
    """
    conn = db.session.connection()
    if conn.dialect.name != "sqlite":
        yield
        return
    before = conn.exec_driver_sql("PRAGMA cache_size").scalar()
    conn.exec_driver_sql(f"PRAGMA cache_size=-{int(kib)}")
    try:
        yield
    finally:
        conn.exec_driver_sql(f"PRAGMA cache_size={int(before)}")
