"""Look up many values at once through the driver, in IN lists the databases take.

SQLAlchemy's expanding IN lists and result processing cost more than the queries
themselves when an import asks about 100,000 ID numbers; text and integer columns
need neither.
"""
from __future__ import annotations

from models.base import db

CHUNK = 2000  # values in one IN list: under every database's parameter limit


def chunks(values, size: int = CHUNK):
    """Yield ``values`` in lists of at most ``size`` (an IN list the database takes)."""
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start:start + size]


def array_text(ids) -> str:
    """Return integers as one PostgreSQL array literal ('{1,2,3}'), for a parameter cast
    to ``bigint[]`` by the server: psycopg dumps a list parameter element by element in
    Python (a third of a 5,000-id search page's time), a string at once."""
    return "{" + ",".join(map(str, ids)) + "}"


def select_in(sql: str, values) -> list[tuple]:
    """Return the rows of ``sql``, whose ``IN ({})`` takes ``values``, asked in chunks.

    The values go to the driver's cursor (in the session's transaction) as positional
    parameters; the rows come back as the driver gives them: use it for text and
    integer columns.
    """
    conn = db.session.connection()
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    cursor = conn.connection.dbapi_connection.cursor()
    rows = []
    try:
        for chunk in chunks(values):
            cursor.execute(sql.format(", ".join([mark] * len(chunk))), tuple(chunk))
            rows.extend(cursor.fetchall())
    finally:
        cursor.close()
    return rows
