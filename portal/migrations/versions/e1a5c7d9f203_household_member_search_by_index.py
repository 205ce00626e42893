"""Household-member search by index: initials, ID tails, name prefix and full-text part

Revision ID: e1a5c7d9f203
Revises: 5d8e1f3a7b20
Create Date: 2026-11-30 13:00:00.000000

The member list searched with LIKE '%…%' over every searchable column. This adds what
models.member_search reads: the member name's pinyin initials (filled here for the members
there are), indexes on the name and the initials, expression indexes on the last 4, 5 and
6 ID characters, and a full-text index over the name (SQLite: FTS5 trigram table kept by
triggers; PostgreSQL: a pg_trgm GIN index). The statements are frozen copies of
models.member_search_schema as written.
"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'e1a5c7d9f203'
down_revision = '5d8e1f3a7b20'
branch_labels = None
depends_on = None

EXPRESSION_INDEXES = {
    'ix_family_member_id_tail4': 'substr(id_number, 15)',
    'ix_family_member_id_tail5': 'substr(id_number, 14)',
    'ix_family_member_id_tail6': 'substr(id_number, 13)',
}
SQLITE = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS family_member_fts USING fts5(name, content='family_member', content_rowid='id', tokenize='trigram')",
    'CREATE TRIGGER IF NOT EXISTS family_member_fts_ai AFTER INSERT ON family_member BEGIN INSERT INTO family_member_fts(rowid, name) VALUES (new.id, new.name); END',
    "CREATE TRIGGER IF NOT EXISTS family_member_fts_ad AFTER DELETE ON family_member BEGIN INSERT INTO family_member_fts(family_member_fts, rowid, name) VALUES ('delete', old.id, old.name); END",
    "CREATE TRIGGER IF NOT EXISTS family_member_fts_au AFTER UPDATE OF name ON family_member BEGIN INSERT INTO family_member_fts(family_member_fts, rowid, name) VALUES ('delete', old.id, old.name); INSERT INTO family_member_fts(rowid, name) VALUES (new.id, new.name); END",
]
SQLITE_REBUILD = "INSERT INTO family_member_fts(family_member_fts) VALUES ('rebuild')"
POSTGRESQL = [
    'CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public',
    "DO $$ DECLARE s text; BEGIN SELECT n.nspname INTO s FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm'; EXECUTE format('CREATE INDEX IF NOT EXISTS ix_family_member_trgm_name ON family_member USING gin (name %I.gin_trgm_ops) WITH (gin_pending_list_limit = 512)', s); END $$",
]
BATCH = 5000


def _fill_initials(conn) -> None:
    """Give every member its name's pinyin initials, as saving it now does."""
    from models.pinyin import initials

    last, known = 0, {}
    while True:
        rows = conn.execute(sa.text("SELECT id, name FROM family_member WHERE id > :last "
                                    "ORDER BY id LIMIT :n"), {"last": last, "n": BATCH}).all()
        if not rows:
            return
        for r in rows:
            if r.name not in known:
                known[r.name] = initials(r.name or '', person=True)[:32]
        conn.execute(sa.text("UPDATE family_member SET initials = :i WHERE id = :id"),
                     [{"id": r.id, "i": known[r.name]} for r in rows])
        last = rows[-1].id


def upgrade():
    # A server default, so that adding the column copies no table on SQLite.
    op.add_column('family_member', sa.Column('initials', sa.String(length=32), nullable=False,
                                             server_default=''))
    conn = op.get_bind()
    _fill_initials(conn)
    op.create_index('ix_family_member_name', 'family_member', ['name'], unique=False)
    op.create_index('ix_family_member_initials', 'family_member', ['initials'], unique=False,
                    postgresql_ops={'initials': 'varchar_pattern_ops'})
    for name, expr in EXPRESSION_INDEXES.items():
        op.execute(f'CREATE INDEX IF NOT EXISTS {name} ON family_member ({expr})')
    if conn.dialect.name == 'sqlite':
        for statement in SQLITE:
            op.execute(statement)
        op.execute(SQLITE_REBUILD)
    else:
        for statement in POSTGRESQL:
            op.execute(statement)


def downgrade():
    conn = op.get_bind()
    if conn.dialect.name == 'sqlite':
        for trigger in ('family_member_fts_ai', 'family_member_fts_ad', 'family_member_fts_au'):
            op.execute(f'DROP TRIGGER IF EXISTS {trigger}')
        op.execute('DROP TABLE IF EXISTS family_member_fts')
    else:
        op.execute('DROP INDEX IF EXISTS ix_family_member_trgm_name')
    for name in EXPRESSION_INDEXES:
        op.execute(f'DROP INDEX IF EXISTS {name}')
    op.drop_index('ix_family_member_initials', table_name='family_member')
    op.drop_index('ix_family_member_name', table_name='family_member')
    with op.batch_alter_table('family_member', schema=None) as batch_op:
        batch_op.drop_column('initials')
