"""Build a fresh table's secondary indexes after its bulk rows, not row by row.

Inserting a million rows with random keys (ID numbers, names, their trigrams) into a
dozen B-trees and full-text indexes touches a random page of each per row; building
each index once over the loaded table sorts instead, several times faster on both
databases. Used by `portal seed` and by the worker import, only for tables that are
empty when they start: the indexes and triggers are dropped inside the caller's
transaction and made again, from the database's own definitions, before it commits,
so a failure (rolled back) leaves them as they were.

On PostgreSQL the foreign keys between those tables go too (checking each row's
reference took as long as storing the row) and are added back after the indexes, each
checked by one join over the whole table. The dropped indexes hold the tables' ACCESS
EXCLUSIVE lock until the commit: others' reads of the (empty) tables wait for the import
instead of seeing none. Foreign keys to other tables (users, units) stay: dropping one
would lock the table it refers to.
"""
from __future__ import annotations

import contextlib

from sqlalchemy import text

from models.member_search_schema import FTS as MEMBER_FTS
from models.worker_search_schema import FTS as WORKER_FTS

# The tables of files and people, written together by the seed and the worker import.
PEOPLE_TABLES = ("worker", "family_member", "person_in_file", "worker_episode")
# The hardship certificates both issue to the new files on record before the indexes come
# back. On PostgreSQL their nine indexes are built after the cards too (kept, they took
# as long again as writing 50,000 cards). Not on SQLite: each new file there takes its
# card's number through the cards' index on the file (without it, a first import of
# 100,000 files took 78 s instead of 14).
CARDS = "worker_certificate"
# PostgreSQL's memory for building the indexes again, in the caller's transaction: the
# three trigram indexes of 100,000 files took 1.1 s at the default 64 MB, 0.7 s so.
PG_INDEX_MEMORY = "512MB"
# Full-text tables (SQLite) kept by triggers on the content table: rebuilt at the end.
FTS_OF = {"worker": WORKER_FTS, "family_member": MEMBER_FTS}


def people_tables(conn) -> tuple[str, ...]:
    """Return the tables whose indexes a bulk write of files into empty tables builds
    after its rows, on the connection's database."""
    return PEOPLE_TABLES + ((CARDS,) if conn.dialect.name == "postgresql" else ())


def _sqlite_objects(conn, table: str) -> list[tuple[str, str, str]]:
    """Return (type, name, sql) of the table's own indexes and triggers."""
    return [tuple(r) for r in conn.execute(text(
        "SELECT type, name, sql FROM sqlite_master WHERE tbl_name = :t "
        "AND type IN ('index', 'trigger') AND sql IS NOT NULL ORDER BY type, name"),
        {"t": table})]


def _postgresql_objects(conn, table: str) -> list[tuple[str, str, str]]:
    """Return ("index", name, definition) of the table's indexes that back no constraint."""
    return [("index", r[0], r[1]) for r in conn.execute(text(
        "SELECT i.indexname, i.indexdef FROM pg_indexes i "
        "WHERE i.schemaname = current_schema() AND i.tablename = :t AND NOT EXISTS ("
        "SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname "
        "AND c.connamespace = to_regnamespace(current_schema()))"), {"t": table})]


def _postgresql_foreign_keys(conn, tables: list[str]) -> list[tuple[str, str, str]]:
    """Return (table, name, definition) of the foreign keys from one of ``tables`` to
    another."""
    return [tuple(r) for r in conn.execute(text(
        "SELECT t.relname, c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c "
        "JOIN pg_class t ON t.oid = c.conrelid JOIN pg_class r ON r.oid = c.confrelid "
        "WHERE c.contype = 'f' AND c.connamespace = to_regnamespace(current_schema()) "
        "AND r.relnamespace = c.connamespace AND t.relname = ANY(:tables) "
        "AND r.relname = ANY(:tables) ORDER BY t.relname, c.conname"), {"tables": tables})]


@contextlib.contextmanager
def deferred(conn, tables: tuple[str, ...]):
    """Drop the secondary indexes (and SQLite triggers) of the empty ``tables`` inside,
    and build them again after."""
    sqlite = conn.dialect.name == "sqlite"
    empty = [t for t in tables
             if conn.execute(text(f"SELECT 1 FROM {t} LIMIT 1")).first() is None]
    dropped = []
    for table in empty:
        for kind, name, sql in (_sqlite_objects if sqlite else _postgresql_objects)(conn, table):
            conn.execute(text(f'DROP {kind.upper()} "{name}"'))
            dropped.append((table, kind, sql))
    keys = [] if sqlite or not empty else _postgresql_foreign_keys(conn, empty)
    if empty and not sqlite:
        conn.exec_driver_sql(f"SET LOCAL maintenance_work_mem = '{PG_INDEX_MEMORY}'")
    for table, name, _definition in keys:
        conn.execute(text(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"'))
    yield
    for _table, _kind, sql in sorted(dropped, key=lambda d: d[1] != "index"):
        conn.exec_driver_sql(sql)
    if keys:
        conn.execute(text("ANALYZE " + ", ".join(empty)))  # to plan the keys' checks
    for table, name, definition in keys:
        conn.exec_driver_sql(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')
    if sqlite:
        for table in empty:
            if table in FTS_OF:
                conn.execute(text(f"INSERT INTO {FTS_OF[table]}({FTS_OF[table]}) "
                                  f"VALUES ('rebuild')"))
    elif empty and not keys:
        conn.execute(text("ANALYZE " + ", ".join(empty)))
