"""The indexes household-member search reads (``models.member_search``), made with the table.

As for workers (``models.worker_search_schema``): the whole ID number by its index, the
last 4, 5 and 6 characters by expression indexes on ``substr(id_number, 15|14|13)``; the
name's and initials' prefixes (SQLite: plain indexes read by ``GLOB 'x*'``; PostgreSQL:
the name's trigram index and a ``varchar_pattern_ops`` index on the initials); a part of
the name by SQLite FTS5 trigram (kept by triggers) or a PostgreSQL pg_trgm GIN index.
The migration ``e1a5c7d9f203`` makes the same objects; tests/test_migrations.py leaves the
ones Alembic cannot compare out (``NAMES``).
"""
from __future__ import annotations

from sqlalchemy import DDL, Index, event

from models.pinyin import initials
from models.worker import FamilyMember

FTS = "family_member_fts"
EXPRESSION_INDEXES = {
    "ix_family_member_id_tail4": "substr(id_number, 15)",
    "ix_family_member_id_tail5": "substr(id_number, 14)",
    "ix_family_member_id_tail6": "substr(id_number, 13)",
}
TRIGRAM_INDEXES = {"ix_family_member_trgm_name": "name"}
NAMES = {FTS, *EXPRESSION_INDEXES, *TRIGRAM_INDEXES}

Index("ix_family_member_name", FamilyMember.name)
Index("ix_family_member_initials", FamilyMember.initials,
      postgresql_ops={"initials": "varchar_pattern_ops"})

SQLITE = [
    *(f"CREATE INDEX IF NOT EXISTS {name} ON family_member ({expr})"
      for name, expr in EXPRESSION_INDEXES.items()),
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS} USING fts5(name, content='family_member', "
    f"content_rowid='id', tokenize='trigram')",
    f"CREATE TRIGGER IF NOT EXISTS {FTS}_ai AFTER INSERT ON family_member BEGIN "
    f"INSERT INTO {FTS}(rowid, name) VALUES (new.id, new.name); END",
    f"CREATE TRIGGER IF NOT EXISTS {FTS}_ad AFTER DELETE ON family_member BEGIN "
    f"INSERT INTO {FTS}({FTS}, rowid, name) VALUES ('delete', old.id, old.name); END",
    f"CREATE TRIGGER IF NOT EXISTS {FTS}_au AFTER UPDATE OF name ON family_member BEGIN "
    f"INSERT INTO {FTS}({FTS}, rowid, name) VALUES ('delete', old.id, old.name); "
    f"INSERT INTO {FTS}(rowid, name) VALUES (new.id, new.name); END",
]
SQLITE_REBUILD = f"INSERT INTO {FTS}({FTS}) VALUES ('rebuild')"
# The operator class is named by the extension's schema, as for the worker indexes.
POSTGRESQL = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public",
    *(f"CREATE INDEX IF NOT EXISTS {name} ON family_member ({expr})"
      for name, expr in EXPRESSION_INDEXES.items()),
    "DO $$ DECLARE s text; BEGIN "
    "SELECT n.nspname INTO s FROM pg_extension e "
    "JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm'; "
    + " ".join(f"EXECUTE format('CREATE INDEX IF NOT EXISTS {name} ON family_member "
               f"USING gin ({column} %I.gin_trgm_ops) "
               f"WITH (gin_pending_list_limit = 512)', s);"
               for name, column in TRIGRAM_INDEXES.items())
    + " END $$",
]

for _dialect, _statements in (("sqlite", SQLITE), ("postgresql", POSTGRESQL)):
    for _statement in _statements:
        event.listen(FamilyMember.__table__, "after_create",
                     DDL(_statement.replace("%", "%%")).execute_if(dialect=_dialect))


def member_initials(name: str | None) -> str:
    """Return the pinyin initials kept for a member's ``name`` (as for a worker's)."""
    return initials(name or "", person=True)[:32]


@event.listens_for(FamilyMember, "before_insert")
@event.listens_for(FamilyMember, "before_update")
def _derive_initials(mapper, connection, member) -> None:
    """Keep a member's initials with its name, however the ORM saves it."""
    member.initials = member_initials(member.name)
