"""Love-card top-ups drawn from a fund

Revision ID: e5a7c9b1d3f2
Revises: d2f6b8c4e1a7
Create Date: 2026-12-01 03:00:00.000000

A top-up batch (card_topup, CZ-2026-000001) names the fund its value leaves, and its
cards (card_topup_line, each linked to its card entry once posted). Written by hand to
match models/card_topup.py.
"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'e5a7c9b1d3f2'
down_revision = 'd2f6b8c4e1a7'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'card_topup',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('number', sa.String(length=20), nullable=False),
        sa.Column('fund_id', sa.Integer(), nullable=False),
        sa.Column('campaign_id', sa.Integer(), nullable=True),
        sa.Column('points_per_card', sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column('card_count', sa.Integer(), nullable=False),
        sa.Column('yuan_per_point', sa.Numeric(precision=8, scale=2), nullable=False),
        sa.Column('total_yuan', sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column('reason', sa.String(length=200), nullable=False),
        sa.Column('state', sa.String(length=16), nullable=False),
        sa.Column('requested_by_id', sa.Integer(), nullable=True),
        sa.Column('requested_at', sa.DateTime(), nullable=False),
        sa.Column('approved_by_id', sa.Integer(), nullable=True),
        sa.Column('decided_at', sa.DateTime(), nullable=True),
        sa.Column('decision_note', sa.String(length=200), nullable=False),
        sa.Column('fund_entry_id', sa.Integer(), nullable=True),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.CheckConstraint("state IN ('pending', 'posted', 'rejected', 'reversed')",
                           name=op.f('ck_card_topup_state')),
        sa.CheckConstraint('points_per_card > 0', name=op.f('ck_card_topup_points_positive')),
        sa.CheckConstraint('card_count > 0', name=op.f('ck_card_topup_card_count_positive')),
        sa.CheckConstraint('yuan_per_point > 0', name=op.f('ck_card_topup_rate_positive')),
        sa.CheckConstraint('total_yuan > 0', name=op.f('ck_card_topup_total_positive')),
        sa.CheckConstraint('approved_by_id IS NULL OR approved_by_id <> requested_by_id',
                           name=op.f('ck_card_topup_approver_not_requester')),
        sa.CheckConstraint("state <> 'pending' OR fund_entry_id IS NULL",
                           name=op.f('ck_card_topup_pending_unposted')),
        sa.ForeignKeyConstraint(['fund_id'], ['fund.id'], name=op.f('fk_card_topup_fund_id_fund')),
        sa.ForeignKeyConstraint(['campaign_id'], ['campaign.id'],
                                name=op.f('fk_card_topup_campaign_id_campaign')),
        sa.ForeignKeyConstraint(['requested_by_id'], ['user.id'],
                                name=op.f('fk_card_topup_requested_by_id_user')),
        sa.ForeignKeyConstraint(['approved_by_id'], ['user.id'],
                                name=op.f('fk_card_topup_approved_by_id_user')),
        sa.ForeignKeyConstraint(['fund_entry_id'], ['fund_entry.id'],
                                name=op.f('fk_card_topup_fund_entry_id_fund_entry')),
        sa.ForeignKeyConstraint(['unit_id'], ['orgunit.id'],
                                name=op.f('fk_card_topup_unit_id_orgunit')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_card_topup')),
        sa.UniqueConstraint('number', name=op.f('uq_card_topup_number')),
        sa.UniqueConstraint('fund_entry_id', name=op.f('uq_card_topup_fund_entry_id')),
    )
    with op.batch_alter_table('card_topup', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_card_topup_fund_id'), ['fund_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_card_topup_campaign_id'), ['campaign_id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_card_topup_state'), ['state'], unique=False)
        batch_op.create_index(batch_op.f('ix_card_topup_requested_at'), ['requested_at'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_card_topup_unit_id'), ['unit_id'], unique=False)

    op.create_table(
        'card_topup_line',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('topup_id', sa.Integer(), nullable=False),
        sa.Column('card_id', sa.Integer(), nullable=False),
        sa.Column('entry_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['topup_id'], ['card_topup.id'],
                                name=op.f('fk_card_topup_line_topup_id_card_topup')),
        sa.ForeignKeyConstraint(['card_id'], ['love_card.id'],
                                name=op.f('fk_card_topup_line_card_id_love_card')),
        sa.ForeignKeyConstraint(['entry_id'], ['card_entry.id'],
                                name=op.f('fk_card_topup_line_entry_id_card_entry')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_card_topup_line')),
        sa.UniqueConstraint('topup_id', 'card_id', name=op.f('uq_card_topup_line_topup_id')),
        sa.UniqueConstraint('entry_id', name=op.f('uq_card_topup_line_entry_id')),
    )
    with op.batch_alter_table('card_topup_line', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_card_topup_line_card_id'), ['card_id'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('card_topup_line', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_card_topup_line_card_id'))
    op.drop_table('card_topup_line')
    with op.batch_alter_table('card_topup', schema=None) as batch_op:
        for name in ('ix_card_topup_unit_id', 'ix_card_topup_requested_at',
                     'ix_card_topup_state', 'ix_card_topup_campaign_id', 'ix_card_topup_fund_id'):
            batch_op.drop_index(batch_op.f(name))
    op.drop_table('card_topup')
