"""Pairings and visits

Revision ID: c7e3a9d5f1b8
Revises: b4d8f2a6c1e9
Create Date: 2026-11-30 23:00:00.000000

Two new tables, nothing in the old ones changes: pairing (结对帮扶; one live pair per
worker by the partial unique index uq_pairing_one_live) and visit (走访慰问; a pairing
visit names its pair, follow-up says what, links to the aid record and desk case).
"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'c7e3a9d5f1b8'
down_revision = 'b4d8f2a6c1e9'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('pairing',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('worker_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('cadre_name', sa.String(length=32), nullable=False),
    sa.Column('partner_unit', sa.String(length=100), nullable=False),
    sa.Column('cadre_post', sa.String(length=50), nullable=False),
    sa.Column('cadre_phone', sa.String(length=20), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('until', sa.Date(), nullable=True),
    sa.Column('commitment', sa.Text(), nullable=False),
    sa.Column('ended_on', sa.Date(), nullable=True),
    sa.Column('end_reason', sa.String(length=200), nullable=False),
    sa.Column('ended_by_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.CheckConstraint("(kind = 'cadre' AND cadre_name <> '') OR (kind = 'unit' AND partner_unit <> '')", name=op.f('ck_pairing_partner_named')),
    sa.CheckConstraint("ended_on IS NULL OR (ended_on >= starts_on AND end_reason <> '')", name=op.f('ck_pairing_ended_stamp')),
    sa.CheckConstraint("kind IN ('cadre', 'unit')", name=op.f('ck_pairing_kind')),
    sa.CheckConstraint('until IS NULL OR until >= starts_on', name=op.f('ck_pairing_term')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_pairing_created_by_id_user')),
    sa.ForeignKeyConstraint(['ended_by_id'], ['user.id'], name=op.f('fk_pairing_ended_by_id_user')),
    sa.ForeignKeyConstraint(['unit_id'], ['orgunit.id'], name=op.f('fk_pairing_unit_id_orgunit')),
    sa.ForeignKeyConstraint(['worker_id'], ['worker.id'], name=op.f('fk_pairing_worker_id_worker')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pairing'))
    )
    op.create_index(op.f('ix_pairing_cadre_name'), 'pairing', ['cadre_name'], unique=False)
    op.create_index(op.f('ix_pairing_ended_on'), 'pairing', ['ended_on'], unique=False)
    op.create_index(op.f('ix_pairing_partner_unit'), 'pairing', ['partner_unit'], unique=False)
    op.create_index(op.f('ix_pairing_starts_on'), 'pairing', ['starts_on'], unique=False)
    op.create_index(op.f('ix_pairing_unit_id'), 'pairing', ['unit_id'], unique=False)
    op.create_index(op.f('ix_pairing_worker_id'), 'pairing', ['worker_id'], unique=False)
    op.create_index('uq_pairing_one_live', 'pairing', ['worker_id'], unique=True, sqlite_where=sa.text('ended_on IS NULL'), postgresql_where=sa.text('ended_on IS NULL'))
    op.create_table('visit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('worker_id', sa.Integer(), nullable=False),
    sa.Column('visited_on', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('pairing_id', sa.Integer(), nullable=True),
    sa.Column('visitors', sa.String(length=200), nullable=False),
    sa.Column('found', sa.Text(), nullable=False),
    sa.Column('left_behind', sa.Text(), nullable=False),
    sa.Column('assistance_id', sa.Integer(), nullable=True),
    sa.Column('follow_up', sa.Boolean(), nullable=False),
    sa.Column('follow_up_note', sa.String(length=200), nullable=False),
    sa.Column('service_case_id', sa.Integer(), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.CheckConstraint("(kind = 'pairing') = (pairing_id IS NOT NULL)", name=op.f('ck_visit_pairing_named')),
    sa.CheckConstraint("follow_up = false OR follow_up_note <> ''", name=op.f('ck_visit_follow_up_said')),
    sa.CheckConstraint("kind IN ('festival', 'home_check', 'hospital', 'family_change', 'major_hardship', 'pairing')", name=op.f('ck_visit_kind')),
    sa.CheckConstraint("visitors <> ''", name=op.f('ck_visit_visitors_named')),
    sa.ForeignKeyConstraint(['assistance_id'], ['assistance.id'], name=op.f('fk_visit_assistance_id_assistance')),
    sa.ForeignKeyConstraint(['pairing_id'], ['pairing.id'], name=op.f('fk_visit_pairing_id_pairing')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user.id'], name=op.f('fk_visit_recorded_by_id_user')),
    sa.ForeignKeyConstraint(['service_case_id'], ['service_case.id'], name=op.f('fk_visit_service_case_id_service_case')),
    sa.ForeignKeyConstraint(['unit_id'], ['orgunit.id'], name=op.f('fk_visit_unit_id_orgunit')),
    sa.ForeignKeyConstraint(['worker_id'], ['worker.id'], name=op.f('fk_visit_worker_id_worker')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_visit'))
    )
    op.create_index(op.f('ix_visit_assistance_id'), 'visit', ['assistance_id'], unique=False)
    op.create_index(op.f('ix_visit_follow_up'), 'visit', ['follow_up'], unique=False)
    op.create_index(op.f('ix_visit_kind'), 'visit', ['kind'], unique=False)
    op.create_index('ix_visit_pairing_day', 'visit', ['pairing_id', 'visited_on'], unique=False)
    op.create_index(op.f('ix_visit_service_case_id'), 'visit', ['service_case_id'], unique=False)
    op.create_index(op.f('ix_visit_unit_id'), 'visit', ['unit_id'], unique=False)
    op.create_index(op.f('ix_visit_visited_on'), 'visit', ['visited_on'], unique=False)
    op.create_index('ix_visit_worker_day', 'visit', ['worker_id', 'visited_on'], unique=False)


def downgrade():
    op.drop_index('ix_visit_worker_day', table_name='visit')
    op.drop_index(op.f('ix_visit_visited_on'), table_name='visit')
    op.drop_index(op.f('ix_visit_unit_id'), table_name='visit')
    op.drop_index(op.f('ix_visit_service_case_id'), table_name='visit')
    op.drop_index('ix_visit_pairing_day', table_name='visit')
    op.drop_index(op.f('ix_visit_kind'), table_name='visit')
    op.drop_index(op.f('ix_visit_follow_up'), table_name='visit')
    op.drop_index(op.f('ix_visit_assistance_id'), table_name='visit')
    op.drop_table('visit')
    op.drop_index('uq_pairing_one_live', table_name='pairing', sqlite_where=sa.text('ended_on IS NULL'), postgresql_where=sa.text('ended_on IS NULL'))
    op.drop_index(op.f('ix_pairing_worker_id'), table_name='pairing')
    op.drop_index(op.f('ix_pairing_unit_id'), table_name='pairing')
    op.drop_index(op.f('ix_pairing_starts_on'), table_name='pairing')
    op.drop_index(op.f('ix_pairing_partner_unit'), table_name='pairing')
    op.drop_index(op.f('ix_pairing_ended_on'), table_name='pairing')
    op.drop_index(op.f('ix_pairing_cadre_name'), table_name='pairing')
    op.drop_table('pairing')
