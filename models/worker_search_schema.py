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

_cols = ", ".join(FTS_COLUMNS)
_new = ", ".join(f"new.{c}" for c in FTS_COLUMNS)
_old = ", ".join(f"old.{c}" for c in FTS_COLUMNS)

SQLITE = [
    *(f"CREATE INDEX IF NOT EXISTS {name} ON worker ({expr})"
      for name, expr in EXPRESSION_INDEXES.items()),
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS} USING fts5({_cols}, content='worker', "
    f"content_rowid='id', tokenize='trigram')",
    f"CREATE TRIGGER IF NOT EXISTS {FTS}_ai AFTER INSERT ON worker BEGIN "
    f"INSERT INTO {FTS}(rowid, {_cols}) VALUES (new.id, {_new}); END",
    f"CREATE TRIGGER IF NOT EXISTS {FTS}_ad AFTER DELETE ON worker BEGIN "
    f"INSERT INTO {FTS}({FTS}, rowid, {_cols}) VALUES ('delete', old.id, {_old}); END",
    # Only when a searched column changes: reviews and status changes leave the index be.
    f"CREATE TRIGGER IF NOT EXISTS {FTS}_au AFTER UPDATE OF {_cols} ON worker BEGIN "
    f"INSERT INTO {FTS}({FTS}, rowid, {_cols}) VALUES ('delete', old.id, {_old}); "
    f"INSERT INTO {FTS}(rowid, {_cols}) VALUES (new.id, {_new}); END",
]
SQLITE_REBUILD = f"INSERT INTO {FTS}({FTS}) VALUES ('rebuild')"

# The operator class lives in whichever schema holds the extension (public when this
# creates it); the index names it by that schema, so a search_path without it still works.
# New entries wait in a GIN index's pending list, which every search reads through: at the
# default 4 MB limit that cost ~10 ms a search after a bulk import; 512 kB bounds it.
POSTGRESQL = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public",
    *(f"CREATE INDEX IF NOT EXISTS {name} ON worker ({expr})"
      for name, expr in EXPRESSION_INDEXES.items()),
    "DO $$ DECLARE s text; BEGIN "
    "SELECT n.nspname INTO s FROM pg_extension e "
    "JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm'; "
    + " ".join(f"EXECUTE format('CREATE INDEX IF NOT EXISTS {name} ON worker "
               f"USING gin ({column} %I.gin_trgm_ops) "
               f"WITH (gin_pending_list_limit = 512)', s);"
               for name, column in TRIGRAM_INDEXES.items())
    + " END $$",
]

for _dialect, _statements in (("sqlite", SQLITE), ("postgresql", POSTGRESQL)):
    for _statement in _statements:
        event.listen(Worker.__table__, "after_create",
                     DDL(_statement.replace("%", "%%")).execute_if(dialect=_dialect))
