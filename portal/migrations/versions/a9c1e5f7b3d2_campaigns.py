"""Campaigns and their standards

Revision ID: a9c1e5f7b3d2
Revises: f8b2d4e6a1c3
Create Date: 2026-11-30 23:00:00.000000

Three new tables: campaign (who is eligible, the fund, the budget), campaign_standard
(cash per household by file category) and campaign_goods (the goods package); the
assistance records a campaign generates point to it (assistance.campaign_id), one per
household and campaign (uq_assistance_campaign_worker).
"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'a9c1e5f7b3d2'
down_revision = 'f8b2d4e6a1c3'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('campaign',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('fund_id', sa.Integer(), nullable=False),
    sa.Column('budget', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('causes', sa.JSON(), nullable=True),
    sa.Column('base_unions', sa.JSON(), nullable=True),
    sa.Column('needs_child_in_school', sa.Boolean(), nullable=False),
    sa.Column('school_levels', sa.JSON(), nullable=True),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.CheckConstraint("kind IN ('living', 'medical', 'education', 'festival', 'emergency', 'employment', 'legal')", name=op.f('ck_campaign_kind')),
    sa.CheckConstraint('budget > 0', name=op.f('ck_campaign_budget_positive')),
    sa.CheckConstraint('ends_on >= starts_on', name=op.f('ck_campaign_period')),
    sa.CheckConstraint('year BETWEEN 2000 AND 2100', name=op.f('ck_campaign_year')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_campaign_created_by_id_user')),
    sa.ForeignKeyConstraint(['fund_id'], ['fund.id'], name=op.f('fk_campaign_fund_id_fund')),
    sa.ForeignKeyConstraint(['unit_id'], ['orgunit.id'], name=op.f('fk_campaign_unit_id_orgunit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_campaign')),
    sa.UniqueConstraint('name', name=op.f('uq_campaign_name'))
    )
    op.create_index(op.f('ix_campaign_fund_id'), 'campaign', ['fund_id'], unique=False)
    op.create_index(op.f('ix_campaign_kind'), 'campaign', ['kind'], unique=False)
    op.create_index(op.f('ix_campaign_unit_id'), 'campaign', ['unit_id'], unique=False)
    op.create_index(op.f('ix_campaign_year'), 'campaign', ['year'], unique=False)
    op.create_table('campaign_standard',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('category', sa.String(length=16), nullable=False),
    sa.Column('cash_amount', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.CheckConstraint("category IN ('deep', 'relative', 'accident', 'migrant')", name=op.f('ck_campaign_standard_category')),
    sa.CheckConstraint('cash_amount >= 0', name=op.f('ck_campaign_standard_cash_not_negative')),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaign.id'], name=op.f('fk_campaign_standard_campaign_id_campaign'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_campaign_standard')),
    sa.UniqueConstraint('campaign_id', 'category', name=op.f('uq_campaign_standard_campaign_id'))
    )
    op.create_index(op.f('ix_campaign_standard_campaign_id'), 'campaign_standard', ['campaign_id'], unique=False)
    op.create_table('campaign_goods',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_campaign_goods_quantity_positive')),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaign.id'], name=op.f('fk_campaign_goods_campaign_id_campaign'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['item_id'], ['item.id'], name=op.f('fk_campaign_goods_item_id_item')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_campaign_goods')),
    sa.UniqueConstraint('campaign_id', 'item_id', name=op.f('uq_campaign_goods_campaign_id'))
    )
    op.create_index(op.f('ix_campaign_goods_campaign_id'), 'campaign_goods', ['campaign_id'], unique=False)
    op.create_index(op.f('ix_campaign_goods_item_id'), 'campaign_goods', ['item_id'], unique=False)
    with op.batch_alter_table('assistance', schema=None) as batch_op:
        batch_op.add_column(sa.Column('campaign_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_assistance_campaign_id_campaign'), 'campaign', ['campaign_id'], ['id'])
        batch_op.create_index(batch_op.f('ix_assistance_campaign_id'), ['campaign_id'], unique=False)
        batch_op.create_index('uq_assistance_campaign_worker', ['campaign_id', 'worker_id'], unique=True)


def downgrade():
    with op.batch_alter_table('assistance', schema=None) as batch_op:
        batch_op.drop_index('uq_assistance_campaign_worker')
        batch_op.drop_index(batch_op.f('ix_assistance_campaign_id'))
        batch_op.drop_constraint(batch_op.f('fk_assistance_campaign_id_campaign'), type_='foreignkey')
        batch_op.drop_column('campaign_id')
    op.drop_index(op.f('ix_campaign_goods_item_id'), table_name='campaign_goods')
    op.drop_index(op.f('ix_campaign_goods_campaign_id'), table_name='campaign_goods')
    op.drop_table('campaign_goods')
    op.drop_index(op.f('ix_campaign_standard_campaign_id'), table_name='campaign_standard')
    op.drop_table('campaign_standard')
    op.drop_index(op.f('ix_campaign_year'), table_name='campaign')
    op.drop_index(op.f('ix_campaign_unit_id'), table_name='campaign')
    op.drop_index(op.f('ix_campaign_kind'), table_name='campaign')
    op.drop_index(op.f('ix_campaign_fund_id'), table_name='campaign')
    op.drop_table('campaign')
