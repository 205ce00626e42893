"""Worker search by index: pinyin initials, ID and phone tails, full-text name/employer/union

Revision ID: 5d8e1f3a7b20
Revises: a4d17c3e9b58
Create Date: 2026-11-30 11:30:00.000000

Every search was a LIKE '%…%' over every searchable column, run twice (count and page):
seconds at a million files. This adds what models.worker_search reads: the name's pinyin
initials (filled here for the files there are), expression indexes on the last 4, 5 and 6
ID characters and the last 4 phone digits, and a full-text index over name, employer and
base union (SQLite: FTS5 trigram table kept by triggers; PostgreSQL: pg_trgm GIN indexes).
The statements are frozen copies of models.worker_search_schema as written.
"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '5d8e1f3a7b20'
down_revision = 'a4d17c3e9b58'
branch_labels = None
depends_on = None

SQLITE = [
    'CREATE INDEX IF NOT EXISTS ix_worker_id_tail4 ON worker (substr(id_number, 15))',
    'CREATE INDEX IF NOT EXISTS ix_worker_id_tail5 ON worker (substr(id_number, 14))',
    'CREATE INDEX IF NOT EXISTS ix_worker_id_tail6 ON worker (substr(id_number, 13))',
    'CREATE INDEX IF NOT EXISTS ix_worker_phone_tail4 ON worker (substr(phone, length(phone) - 3))',
    "CREATE VIRTUAL TABLE IF NOT EXISTS worker_fts USING fts5(name, employer, base_union, content='worker', content_rowid='id', tokenize='trigram')",
    'CREATE TRIGGER IF NOT EXISTS worker_fts_ai AFTER INSERT ON worker BEGIN INSERT INTO worker_fts(rowid, name, employer, base_union) VALUES (new.id, new.name, new.employer, new.base_union); END',
    "CREATE TRIGGER IF NOT EXISTS worker_fts_ad AFTER DELETE ON worker BEGIN INSERT INTO worker_fts(worker_fts, rowid, name, employer, base_union) VALUES ('delete', old.id, old.name, old.employer, old.base_union); END",
    "CREATE TRIGGER IF NOT EXISTS worker_fts_au AFTER UPDATE OF name, employer, base_union ON worker BEGIN INSERT INTO worker_fts(worker_fts, rowid, name, employer, base_union) VALUES ('delete', old.id, old.name, old.employer, old.base_union); INSERT INTO worker_fts(rowid, name, employer, base_union) VALUES (new.id, new.name, new.employer, new.base_union); END",
]
SQLITE_REBUILD = "INSERT INTO worker_fts(worker_fts) VALUES ('rebuild')"
POSTGRESQL = [
    'CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public',
    'CREATE INDEX IF NOT EXISTS ix_worker_id_tail4 ON worker (substr(id_number, 15))',
    'CREATE INDEX IF NOT EXISTS ix_worker_id_tail5 ON worker (substr(id_number, 14))',
    'CREATE INDEX IF NOT EXISTS ix_worker_id_tail6 ON worker (substr(id_number, 13))',
    'CREATE INDEX IF NOT EXISTS ix_worker_phone_tail4 ON worker (substr(phone, length(phone) - 3))',
    "DO $$ DECLARE s text; BEGIN SELECT n.nspname INTO s FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm'; EXECUTE format('CREATE INDEX IF NOT EXISTS ix_worker_trgm_name ON worker USING gin (name %I.gin_trgm_ops) WITH (gin_pending_list_limit = 512)', s); EXECUTE format('CREATE INDEX IF NOT EXISTS ix_worker_trgm_employer ON worker USING gin (employer %I.gin_trgm_ops) WITH (gin_pending_list_limit = 512)', s); EXECUTE format('CREATE INDEX IF NOT EXISTS ix_worker_trgm_base_union ON worker USING gin (base_union %I.gin_trgm_ops) WITH (gin_pending_list_limit = 512)', s); END $$",
]
EXPRESSION_INDEXES = ['ix_worker_id_tail4', 'ix_worker_id_tail5', 'ix_worker_id_tail6', 'ix_worker_phone_tail4']
TRIGRAM_INDEXES = ['ix_worker_trgm_name', 'ix_worker_trgm_employer', 'ix_worker_trgm_base_union']
BATCH = 5000


def _fill_initials(conn) -> None:
    """Give every file its name's pinyin initials, as saving it now does."""
    from models.pinyin import initials

    last = 0
    while True:
        rows = conn.execute(sa.text("SELECT id, name FROM worker WHERE id > :last "
                                    "ORDER BY id LIMIT :n"), {"last": last, "n": BATCH}).all()
        if not rows:
            return
        conn.execute(sa.text("UPDATE worker SET initials = :i WHERE id = :id"),
                     [{"id": r.id, "i": initials(r.name, person=True)[:32]} for r in rows])
        last = rows[-1].id


def upgrade():
    # The server default stays: dropping it would make SQLite copy the whole table.
    op.add_column('worker', sa.Column('initials', sa.String(length=32), nullable=False,
                                      server_default=''))
    conn = op.get_bind()
    _fill_initials(conn)
    op.create_index('ix_worker_initials', 'worker', ['initials'], unique=False,
                    postgresql_ops={'initials': 'varchar_pattern_ops'})
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
        for trigger in ('worker_fts_ai', 'worker_fts_ad', 'worker_fts_au'):
            op.execute(f'DROP TRIGGER IF EXISTS {trigger}')
        op.execute('DROP TABLE IF EXISTS worker_fts')
    else:
        for name in TRIGRAM_INDEXES:
            op.execute(f'DROP INDEX IF EXISTS {name}')
    for name in EXPRESSION_INDEXES:
        op.execute(f'DROP INDEX IF EXISTS {name}')
    op.drop_index('ix_worker_initials', table_name='worker')
    with op.batch_alter_table('worker', schema=None) as batch_op:
        batch_op.drop_column('initials')
