"""Org units (三级网络): the unit tree, and the unit of every user and record that has one

Revision ID: 9b3e6f2d1c8a
Revises: e1a5c7d9f203
Create Date: 2026-11-30 13:20:00.000000

Every user and every record that belongs to a household or a place gets the top unit
(the centre itself, made here), which is what it was until now: one office. SQLite's
batch mode rebuilds each table; worker loses its search triggers and expression indexes
with it, made again here from frozen copies of models.worker_search_schema (5d8e1f3a7b20).
"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '9b3e6f2d1c8a'
down_revision = 'e1a5c7d9f203'
branch_labels = None
depends_on = None

TABLES = ['user', 'worker', 'assistance', 'love_card', 'redemption', 'loan', 'item',
          'donation', 'stocktake', 'training_class', 'notice']

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
    op.create_table(
        'orgunit',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=64), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('parent_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint("kind IN ('city', 'county', 'station')", name=op.f('ck_orgunit_kind')),
        sa.CheckConstraint('parent_id IS NULL OR parent_id <> id',
                           name=op.f('ck_orgunit_not_own_parent')),
        sa.ForeignKeyConstraint(['parent_id'], ['orgunit.id'],
                                name=op.f('fk_orgunit_parent_id_orgunit')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_orgunit')),
        sa.UniqueConstraint('parent_id', 'name', name='uq_orgunit_parent_id_name'),
    )
    with op.batch_alter_table('orgunit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_orgunit_parent_id'), ['parent_id'], unique=False)
    root = op.get_bind().execute(
        sa.text("INSERT INTO orgunit (name, kind, created_at) VALUES ('帮扶中心', 'county', "
                "CURRENT_TIMESTAMP) RETURNING id")).scalar_one()
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('unit_id', sa.Integer(), nullable=True))
        op.get_bind().execute(sa.text(f'UPDATE "{table}" SET unit_id = :root'), {"root": root})
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column('unit_id', existing_type=sa.Integer(), nullable=False)
            batch_op.create_index(batch_op.f(f'ix_{table}_unit_id'), ['unit_id'], unique=False)
            batch_op.create_foreign_key(batch_op.f(f'fk_{table}_unit_id_orgunit'), 'orgunit',
                                        ['unit_id'], ['id'])
    # Each unit's supermarket keeps its own goods: names and barcodes unique per unit.
    with op.batch_alter_table('item', schema=None) as batch_op:
        batch_op.drop_constraint('uq_item_name', type_='unique')
        batch_op.drop_constraint('uq_item_barcode', type_='unique')
        batch_op.create_unique_constraint('uq_item_unit_name', ['unit_id', 'name'])
        batch_op.create_unique_constraint('uq_item_unit_barcode', ['unit_id', 'barcode'])
        batch_op.create_index('ix_item_name', ['name'], unique=False)
    if op.get_bind().dialect.name == "sqlite":
        for statement in WORKER_SEARCH_SQLITE:
            op.execute(statement)


def downgrade():
    with op.batch_alter_table('item', schema=None) as batch_op:
        batch_op.drop_index('ix_item_name')
        batch_op.drop_constraint('uq_item_unit_barcode', type_='unique')
        batch_op.drop_constraint('uq_item_unit_name', type_='unique')
        batch_op.create_unique_constraint('uq_item_name', ['name'])
        batch_op.create_unique_constraint('uq_item_barcode', ['barcode'])
    for table in reversed(TABLES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f(f'fk_{table}_unit_id_orgunit'),
                                     type_='foreignkey')
            batch_op.drop_index(batch_op.f(f'ix_{table}_unit_id'))
            batch_op.drop_column('unit_id')
    if op.get_bind().dialect.name == "sqlite":
        for statement in WORKER_SEARCH_SQLITE:
            op.execute(statement)
    with op.batch_alter_table('orgunit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_orgunit_parent_id'))
    op.drop_table('orgunit')
