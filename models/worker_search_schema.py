"""The indexes worker search reads, on SQLite and PostgreSQL, made with the table.

Every search kind has an index both databases use (``models.worker_search``):

- ID number: equality on the unique column; the last 4, 5 or 6 characters by an
  expression index each on ``substr(id_number, 15|14|13)`` (numbers are stored as 18
  characters). No index serves a middle part, and no search asks for one.
- phone: equality on its index; the last 4 digits by ``substr(phone, length(phone) - 3)``.
- name by prefix and pinyin initials by prefix: SQLite ``GLOB 'x*'`` over the plain
  indexes; PostgreSQL ``LIKE 'x%'`` over the trigram index (name) and a
  ``varchar_pattern_ops`` index (initials).
- any part of 3 characters or more of name, employer or base union: SQLite FTS5 with the
  trigram tokenizer (an external-content table kept by triggers, so bulk statements
  keep it too); PostgreSQL pg_trgm GIN indexes, which need no upkeep.

``db.create_all`` (tests) and the migration make the same objects; Alembic cannot
compare them, so ``tests/test_migrations.py`` leaves these names out (``NAMES``).
"""
from __future__ import annotations

from sqlalchemy import DDL, event

from models.worker import Worker

FTS = "worker_fts"
FTS_COLUMNS = ("name", "employer", "base_union")
TRIGRAM_INDEXES = {f"ix_worker_trgm_{c}": c for c in FTS_COLUMNS}
EXPRESSION_INDEXES = {
    "ix_worker_id_tail4": "substr(id_number, 15)",
    "ix_worker_id_tail5": "substr(id_number, 14)",
    "ix_worker_id_tail6": "substr(id_number, 13)",
    "ix_worker_phone_tail4": "substr(phone, length(phone) - 3)",
}
NAMES = {FTS, *TRIGRAM_INDEXES, *EXPRESSION_INDEXES}

def search_ddl(table: str, fts: str, fts_columns, expression_indexes: dict,
               trigram_indexes: dict) -> dict[str, list[str]]:
    """Return, per dialect, the statements making ``table``'s search objects.

    SQLite: the expression indexes and an FTS5 trigram table kept by triggers (the
    update trigger fires only when a searched column changes: reviews and status changes
    leave the index be). PostgreSQL: the expression indexes and pg_trgm GIN indexes,
    whose operator class is named by whichever schema holds the extension (public when
    this creates it), so a search_path without it still works. New entries wait in a GIN
    index's pending list, which every search reads through: at the default 4 MB that
    cost ~10 ms a search after a bulk import; 512 kB bounds it.
    """
    cols = ", ".join(fts_columns)
    new = ", ".join(f"new.{c}" for c in fts_columns)
    old = ", ".join(f"old.{c}" for c in fts_columns)
    expressions = [f"CREATE INDEX IF NOT EXISTS {name} ON {table} ({expr})"
                   for name, expr in expression_indexes.items()]
    return {
        "sqlite": [
            *expressions,
            f"CREATE VIRTUAL TABLE IF NOT EXISTS {fts} USING fts5({cols}, content='{table}', "
            f"content_rowid='id', tokenize='trigram')",
            f"CREATE TRIGGER IF NOT EXISTS {fts}_ai AFTER INSERT ON {table} BEGIN "
            f"INSERT INTO {fts}(rowid, {cols}) VALUES (new.id, {new}); END",
            f"CREATE TRIGGER IF NOT EXISTS {fts}_ad AFTER DELETE ON {table} BEGIN "
            f"INSERT INTO {fts}({fts}, rowid, {cols}) VALUES ('delete', old.id, {old}); END",
            f"CREATE TRIGGER IF NOT EXISTS {fts}_au AFTER UPDATE OF {cols} ON {table} BEGIN "
            f"INSERT INTO {fts}({fts}, rowid, {cols}) VALUES ('delete', old.id, {old}); "
            f"INSERT INTO {fts}(rowid, {cols}) VALUES (new.id, {new}); END",
        ],
        "postgresql": [
            # Two processes building schemas at once on a database without the extension
            # would both try to create it (IF NOT EXISTS does not guard against a race):
            # the second waits here until the first commits, then finds it.
            "SELECT pg_advisory_xact_lock(hashtext('portal: CREATE EXTENSION pg_trgm'))",
            "CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public",
            *expressions,
            "DO $$ DECLARE s text; BEGIN "
            "SELECT n.nspname INTO s FROM pg_extension e "
            "JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm'; "
            + " ".join(f"EXECUTE format('CREATE INDEX IF NOT EXISTS {name} ON {table} "
                       f"USING gin ({column} %I.gin_trgm_ops) "
                       f"WITH (gin_pending_list_limit = 512)', s);"
                       for name, column in trigram_indexes.items())
            + " END $$",
        ],
    }


def made_with(table, statements: dict[str, list[str]]) -> None:
    """Run ``statements`` (per dialect) after ``table`` is created (``db.create_all``)."""
    for dialect, listed in statements.items():
        for statement in listed:
            event.listen(table, "after_create",
                         DDL(statement.replace("%", "%%")).execute_if(dialect=dialect))


STATEMENTS = search_ddl("worker", FTS, FTS_COLUMNS, EXPRESSION_INDEXES, TRIGRAM_INDEXES)
SQLITE, POSTGRESQL = STATEMENTS["sqlite"], STATEMENTS["postgresql"]
SQLITE_REBUILD = f"INSERT INTO {FTS}({FTS}) VALUES ('rebuild')"
made_with(Worker.__table__, STATEMENTS)
