"""Reviews and episodes of worker files; the second person who approves a file

Revision ID: f2c8b6a4d913
Revises: 9b3e6f2d1c8a
Create Date: 2026-11-30 16:56:04.263565

Each file gets the episodes its status and dates tell: a file on record one open since
its filing date; an exited or withdrawn file one closed on its exit date. A pending file
that still carries an exit date was re-opened after an exit (the old way, which kept the
exit on the file): it gets that closed episode, so the year it left keeps its count.
The worker table gets ``approved_by_id`` with its CHECK (never whoever filed): added in
place on SQLite (ADD COLUMN takes a CHECK), so the search triggers stay as they are.
"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'f2c8b6a4d913'
down_revision = '9b3e6f2d1c8a'
branch_labels = None
depends_on = None

SECOND_PERSON = 'approved_by_id IS NULL OR filed_by_id IS NULL OR approved_by_id <> filed_by_id'

# Frozen copy of models.worker_episode_rules.MISSING_EPISODES, plus the re-opened files.
EPISODES = """
INSERT INTO worker_episode (worker_id, opened_on, returned, closed_on, close_kind,
                            exit_cause, close_reason)
SELECT w.id,
       CASE WHEN w.exit_date IS NOT NULL AND w.exit_date < w.filed_on
            THEN w.exit_date ELSE w.filed_on END,
       :no,
       CASE WHEN w.status = 'active' THEN NULL ELSE COALESCE(w.exit_date, w.filed_on) END,
       CASE WHEN w.status = 'active' THEN NULL
            WHEN w.status = 'pending' THEN 'exited' ELSE w.status END,
       CASE WHEN w.status NOT IN ('exited', 'pending') THEN NULL
            WHEN w.exit_reason LIKE '%子女就业%' THEN 'children_work'
            WHEN w.exit_reason LIKE '%就业增收%' THEN 'employment'
            WHEN w.exit_reason LIKE '%创业%' THEN 'business'
            WHEN w.exit_reason LIKE '%政策兜底%' THEN 'safety_net' ELSE 'other' END,
       CASE WHEN w.status = 'active' THEN '' ELSE COALESCE(w.exit_reason, '') END
FROM worker w
WHERE w.status IN ('active', 'exited', 'removed')
   OR (w.status = 'pending' AND w.exit_date IS NOT NULL)
"""

WORKER_SEARCH_SQLITE = [
    'CREATE INDEX IF NOT EXISTS ix_worker_id_tail4 ON worker (substr(id_number, 15))',
    'CREATE INDEX IF NOT EXISTS ix_worker_id_tail5 ON worker (substr(id_number, 14))',
    'CREATE INDEX IF NOT EXISTS ix_worker_id_tail6 ON worker (substr(id_number, 13))',
    'CREATE INDEX IF NOT EXISTS ix_worker_phone_tail4 ON worker (substr(phone, length(phone) - 3))',
    'CREATE TRIGGER IF NOT EXISTS worker_fts_ai AFTER INSERT ON worker BEGIN INSERT INTO worker_fts(rowid, name, employer, base_union) VALUES (new.id, new.name, new.employer, new.base_union); END',
    "CREATE TRIGGER IF NOT EXISTS worker_fts_ad AFTER DELETE ON worker BEGIN INSERT INTO worker_fts(worker_fts, rowid, name, employer, base_union) VALUES ('delete', old.id, old.name, old.employer, old.base_union); END",
    "CREATE TRIGGER IF NOT EXISTS worker_fts_au AFTER UPDATE OF name, employer, base_union ON worker BEGIN INSERT INTO worker_fts(worker_fts, rowid, name, employer, base_union) VALUES ('delete', old.id, old.name, old.employer, old.base_union); INSERT INTO worker_fts(rowid, name, employer, base_union) VALUES (new.id, new.name, new.employer, new.base_union); END",
]


def upgrade():
    op.create_table('worker_episode',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('worker_id', sa.Integer(), nullable=False),
    sa.Column('opened_on', sa.Date(), nullable=False),
    sa.Column('returned', sa.Boolean(), nullable=False),
    sa.Column('opened_by_id', sa.Integer(), nullable=True),
    sa.Column('closed_on', sa.Date(), nullable=True),
    sa.Column('close_kind', sa.String(length=16), nullable=True),
    sa.Column('exit_cause', sa.String(length=16), nullable=True),
    sa.Column('close_reason', sa.String(length=200), nullable=False),
    sa.Column('closed_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("(closed_on IS NULL AND close_kind IS NULL) OR (closed_on IS NOT NULL AND close_kind IN ('exited', 'removed'))", name=op.f('ck_worker_episode_closed')),
    sa.CheckConstraint("exit_cause IS NULL OR (close_kind = 'exited' AND exit_cause IN ('employment', 'business', 'safety_net', 'children_work', 'other'))", name=op.f('ck_worker_episode_exit_cause')),
    sa.CheckConstraint('closed_on IS NULL OR closed_on >= opened_on', name=op.f('ck_worker_episode_dates')),
    sa.ForeignKeyConstraint(['closed_by_id'], ['user.id'], name=op.f('fk_worker_episode_closed_by_id_user')),
    sa.ForeignKeyConstraint(['opened_by_id'], ['user.id'], name=op.f('fk_worker_episode_opened_by_id_user')),
    sa.ForeignKeyConstraint(['worker_id'], ['worker.id'], name=op.f('fk_worker_episode_worker_id_worker'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_worker_episode'))
    )
    with op.batch_alter_table('worker_episode', schema=None) as batch_op:
        batch_op.create_index('ix_worker_episode_closed_on', ['closed_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_worker_episode_opened_on'), ['opened_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_worker_episode_close_kind'), ['close_kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_worker_episode_exit_cause'), ['exit_cause'], unique=False)
        batch_op.create_index(batch_op.f('ix_worker_episode_returned'), ['returned'], unique=False)
        batch_op.create_index(batch_op.f('ix_worker_episode_worker_id'), ['worker_id'], unique=False)
        batch_op.create_index('uq_worker_episode_open', ['worker_id'], unique=True, sqlite_where=sa.text('closed_on IS NULL'), postgresql_where=sa.text('closed_on IS NULL'))

    op.create_table('worker_snapshot',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('worker_id', sa.Integer(), nullable=False),
    sa.Column('taken_on', sa.Date(), nullable=False),
    sa.Column('taken_by_id', sa.Integer(), nullable=True),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('accepted_on', sa.Date(), nullable=True),
    sa.Column('facts', sa.JSON(), nullable=False),
    sa.Column('category', sa.String(length=16), nullable=True),
    sa.Column('household_size', sa.Integer(), nullable=False),
    sa.Column('household_income', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('essential_spending', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('per_capita_income', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('on_dibao', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['taken_by_id'], ['user.id'], name=op.f('fk_worker_snapshot_taken_by_id_user')),
    sa.ForeignKeyConstraint(['worker_id'], ['worker.id'], name=op.f('fk_worker_snapshot_worker_id_worker'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_worker_snapshot'))
    )
    with op.batch_alter_table('worker_snapshot', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_worker_snapshot_worker_id'), ['worker_id'], unique=False)

    op.create_table('worker_review',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('worker_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('assigned_to_id', sa.Integer(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('assigned_by_id', sa.Integer(), nullable=True),
    sa.Column('assigned_at', sa.DateTime(), nullable=False),
    sa.Column('snapshot_id', sa.Integer(), nullable=True),
    sa.Column('conclusion', sa.String(length=16), nullable=True),
    sa.Column('new_category', sa.String(length=16), nullable=True),
    sa.Column('exit_cause', sa.String(length=16), nullable=True),
    sa.Column('conclusion_reason', sa.String(length=200), nullable=False),
    sa.Column('per_capita_income', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
    sa.Column('submitted_at', sa.DateTime(), nullable=True),
    sa.Column('approved_by_id', sa.Integer(), nullable=True),
    sa.Column('approved_at', sa.DateTime(), nullable=True),
    sa.Column('returned_reason', sa.String(length=200), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("conclusion IS NULL OR conclusion IN ('continue', 'exit', 'remove')", name=op.f('ck_worker_review_conclusion')),
    sa.CheckConstraint("state IN ('assigned', 'submitted', 'returned', 'approved')", name=op.f('ck_worker_review_state')),
    sa.CheckConstraint('approved_by_id IS NULL OR reviewed_by_id IS NULL OR approved_by_id <> reviewed_by_id', name=op.f('ck_worker_review_second_person')),
    sa.ForeignKeyConstraint(['approved_by_id'], ['user.id'], name=op.f('fk_worker_review_approved_by_id_user')),
    sa.ForeignKeyConstraint(['assigned_by_id'], ['user.id'], name=op.f('fk_worker_review_assigned_by_id_user')),
    sa.ForeignKeyConstraint(['assigned_to_id'], ['user.id'], name=op.f('fk_worker_review_assigned_to_id_user')),
    sa.ForeignKeyConstraint(['reviewed_by_id'], ['user.id'], name=op.f('fk_worker_review_reviewed_by_id_user')),
    sa.ForeignKeyConstraint(['snapshot_id'], ['worker_snapshot.id'], name=op.f('fk_worker_review_snapshot_id_worker_snapshot')),
    sa.ForeignKeyConstraint(['worker_id'], ['worker.id'], name=op.f('fk_worker_review_worker_id_worker'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_worker_review'))
    )
    with op.batch_alter_table('worker_review', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_worker_review_assigned_to_id'), ['assigned_to_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_worker_review_state'), ['state'], unique=False)
        batch_op.create_index(batch_op.f('ix_worker_review_conclusion'), ['conclusion'], unique=False)
        batch_op.create_index(batch_op.f('ix_worker_review_due_on'), ['due_on'], unique=False)
        batch_op.create_index('ix_worker_review_state_due', ['state', 'due_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_worker_review_worker_id'), ['worker_id'], unique=False)
        batch_op.create_index('uq_worker_review_open', ['worker_id'], unique=True, sqlite_where=sa.text("state IN ('assigned', 'submitted', 'returned')"), postgresql_where=sa.text("state IN ('assigned', 'submitted', 'returned')"))

    if op.get_bind().dialect.name == "sqlite":
        op.execute('ALTER TABLE worker ADD COLUMN approved_by_id INTEGER '
                   'CONSTRAINT fk_worker_approved_by_id_user REFERENCES "user" (id) '
                   f'CONSTRAINT ck_worker_second_person CHECK ({SECOND_PERSON})')
    else:
        op.add_column('worker', sa.Column('approved_by_id', sa.Integer(), nullable=True))
        op.create_foreign_key(op.f('fk_worker_approved_by_id_user'), 'worker', 'user',
                              ['approved_by_id'], ['id'])
        op.create_check_constraint(op.f('ck_worker_second_person'), 'worker', SECOND_PERSON)
    op.get_bind().execute(sa.text(EPISODES), {"no": False})


def downgrade():
    op.drop_table('worker_review')
    op.drop_table('worker_snapshot')
    op.drop_table('worker_episode')
    if op.get_bind().dialect.name == "sqlite":
        with op.batch_alter_table('worker', schema=None) as batch_op:
            batch_op.drop_constraint('ck_worker_second_person', type_='check')
            batch_op.drop_constraint('fk_worker_approved_by_id_user', type_='foreignkey')
            batch_op.drop_column('approved_by_id')
        for statement in WORKER_SEARCH_SQLITE:
            op.execute(statement)
    else:
        op.drop_constraint('ck_worker_second_person', 'worker', type_='check')
        op.drop_constraint('fk_worker_approved_by_id_user', 'worker', type_='foreignkey')
        op.drop_column('worker', 'approved_by_id')
