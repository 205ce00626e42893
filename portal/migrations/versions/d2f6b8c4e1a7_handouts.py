"""Hand-outs of goods to named people

Revision ID: d2f6b8c4e1a7
Revises: c7e3a9d5f1b8
Create Date: 2026-11-30 23:00:00.000000

Hand-outs (发放) to a worker on file or a desk person, their lines, and the stock
movement's link to its hand-out.
"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'd2f6b8c4e1a7'
down_revision = 'c7e3a9d5f1b8'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('handout',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=20), nullable=False),
    sa.Column('worker_id', sa.Integer(), nullable=True),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('campaign_id', sa.Integer(), nullable=True),
    sa.Column('assistance_id', sa.Integer(), nullable=True),
    sa.Column('handed_out_at', sa.DateTime(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.String(length=200), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('voided_by_id', sa.Integer(), nullable=True),
    sa.Column('voided_at', sa.DateTime(), nullable=True),
    sa.Column('void_reason', sa.String(length=200), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.CheckConstraint('(worker_id IS NULL) <> (person_id IS NULL)', name=op.f('ck_handout_one_recipient')),
    sa.CheckConstraint("state IN ('done', 'voided')", name=op.f('ck_handout_state')),
    sa.ForeignKeyConstraint(['assistance_id'], ['assistance.id'], name=op.f('fk_handout_assistance_id_assistance')),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaign.id'], name=op.f('fk_handout_campaign_id_campaign')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_handout_person_id_person')),
    sa.ForeignKeyConstraint(['unit_id'], ['orgunit.id'], name=op.f('fk_handout_unit_id_orgunit')),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_handout_user_id_user')),
    sa.ForeignKeyConstraint(['voided_by_id'], ['user.id'], name=op.f('fk_handout_voided_by_id_user')),
    sa.ForeignKeyConstraint(['worker_id'], ['worker.id'], name=op.f('fk_handout_worker_id_worker')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_handout')),
    sa.UniqueConstraint('assistance_id', name=op.f('uq_handout_assistance_id')),
    sa.UniqueConstraint('number', name=op.f('uq_handout_number'))
    )
    with op.batch_alter_table('handout', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_handout_campaign_id'), ['campaign_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_handout_handed_out_at'), ['handed_out_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_handout_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_handout_state'), ['state'], unique=False)
        batch_op.create_index(batch_op.f('ix_handout_unit_id'), ['unit_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_handout_worker_id'), ['worker_id'], unique=False)

    op.create_table('handout_line',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('handout_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_handout_line_quantity_positive')),
    sa.ForeignKeyConstraint(['handout_id'], ['handout.id'], name=op.f('fk_handout_line_handout_id_handout')),
    sa.ForeignKeyConstraint(['item_id'], ['item.id'], name=op.f('fk_handout_line_item_id_item')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_handout_line'))
    )
    with op.batch_alter_table('handout_line', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_handout_line_handout_id'), ['handout_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_handout_line_item_id'), ['item_id'], unique=False)

    with op.batch_alter_table('stock_movement', schema=None) as batch_op:
        batch_op.add_column(sa.Column('handout_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_stock_movement_handout_id'), ['handout_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_stock_movement_handout_id_handout'), 'handout', ['handout_id'], ['id'])


def downgrade():
    with op.batch_alter_table('stock_movement', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_stock_movement_handout_id_handout'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_stock_movement_handout_id'))
        batch_op.drop_column('handout_id')

    with op.batch_alter_table('handout_line', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_handout_line_item_id'))
        batch_op.drop_index(batch_op.f('ix_handout_line_handout_id'))
    op.drop_table('handout_line')

    with op.batch_alter_table('handout', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_handout_worker_id'))
        batch_op.drop_index(batch_op.f('ix_handout_unit_id'))
        batch_op.drop_index(batch_op.f('ix_handout_state'))
        batch_op.drop_index(batch_op.f('ix_handout_person_id'))
        batch_op.drop_index(batch_op.f('ix_handout_handed_out_at'))
        batch_op.drop_index(batch_op.f('ix_handout_campaign_id'))
    op.drop_table('handout')
