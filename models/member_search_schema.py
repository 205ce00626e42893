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

from sqlalchemy import Index, event

from models.worker import FamilyMember
from models.worker_rules import name_initials
from models.worker_search_schema import made_with, search_ddl

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

STATEMENTS = search_ddl("family_member", FTS, ("name",), EXPRESSION_INDEXES, TRIGRAM_INDEXES)
SQLITE, POSTGRESQL = STATEMENTS["sqlite"], STATEMENTS["postgresql"]
SQLITE_REBUILD = f"INSERT INTO {FTS}({FTS}) VALUES ('rebuild')"
made_with(FamilyMember.__table__, STATEMENTS)


@event.listens_for(FamilyMember, "before_insert")
@event.listens_for(FamilyMember, "before_update")
def _derive_initials(mapper, connection, member) -> None:
    """Keep a member's initials with its name, however the ORM saves it."""
    member.initials = name_initials(member.name)
