"""The service desk: people (服务对象) and cases (接待登记)

Revision ID: e7a1c3d5f9b2
Revises: d6f9b2a5c8e3
Create Date: 2026-11-30 19:40:00.000000

Two new tables, nothing in the old ones changes. A person's ID number is optional and
unique when given; a case's CHECKs keep its state and its stamps consistent.
"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'e7a1c3d5f9b2'
down_revision = 'd6f9b2a5c8e3'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('person',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=32), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=False),
    sa.Column('id_number', sa.String(length=18), nullable=True),
    sa.Column('gender', sa.String(length=1), nullable=True),
    sa.Column('employer', sa.String(length=100), nullable=False),
    sa.Column('is_migrant', sa.Boolean(), nullable=False),
    sa.Column('address', sa.String(length=200), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('worker_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.CheckConstraint("phone <> '' OR name <> ''", name=op.f('ck_person_named')),
    sa.ForeignKeyConstraint(['unit_id'], ['orgunit.id'], name=op.f('fk_person_unit_id_orgunit')),
    sa.ForeignKeyConstraint(['worker_id'], ['worker.id'], name=op.f('fk_person_worker_id_worker')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_person')),
    sa.UniqueConstraint('id_number', name=op.f('uq_person_id_number'))
    )
    op.create_index(op.f('ix_person_is_migrant'), 'person', ['is_migrant'], unique=False)
    op.create_index(op.f('ix_person_name'), 'person', ['name'], unique=False)
    op.create_index(op.f('ix_person_phone'), 'person', ['phone'], unique=False)
    op.create_index(op.f('ix_person_unit_id'), 'person', ['unit_id'], unique=False)
    op.create_index(op.f('ix_person_worker_id'), 'person', ['worker_id'], unique=False)
    op.create_table('service_case',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('hotline', sa.Boolean(), nullable=False),
    sa.Column('head_count', sa.Integer(), nullable=False),
    sa.Column('case_type', sa.String(length=16), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('received_by_id', sa.Integer(), nullable=True),
    sa.Column('received_at', sa.DateTime(), nullable=False),
    sa.Column('deadline', sa.Date(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('handling_mode', sa.String(length=16), nullable=True),
    sa.Column('partner_unit', sa.String(length=100), nullable=False),
    sa.Column('assignee_id', sa.Integer(), nullable=True),
    sa.Column('assigned_by_id', sa.Integer(), nullable=True),
    sa.Column('assigned_at', sa.DateTime(), nullable=True),
    sa.Column('started_by_id', sa.Integer(), nullable=True),
    sa.Column('started_at', sa.DateTime(), nullable=True),
    sa.Column('supervised_by_id', sa.Integer(), nullable=True),
    sa.Column('supervised_at', sa.DateTime(), nullable=True),
    sa.Column('supervision_note', sa.String(length=200), nullable=False),
    sa.Column('resolved_by_id', sa.Integer(), nullable=True),
    sa.Column('resolved_at', sa.DateTime(), nullable=True),
    sa.Column('report', sa.Text(), nullable=False),
    sa.Column('result', sa.String(length=200), nullable=False),
    sa.Column('visited_by_id', sa.Integer(), nullable=True),
    sa.Column('visited_at', sa.DateTime(), nullable=True),
    sa.Column('satisfaction', sa.String(length=16), nullable=True),
    sa.Column('visit_note', sa.String(length=200), nullable=False),
    sa.Column('reopened', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.CheckConstraint("(channel = 'collective' AND head_count >= 2) OR (channel <> 'collective' AND head_count = 1)", name=op.f('ck_service_case_head_count')),
    sa.CheckConstraint("case_type IN ('living', 'medical', 'job', 'training', 'loan', 'wages', 'legal_aid', 'mediation', 'counselling', 'policy', 'complaint', 'other')", name=op.f('ck_service_case_case_type')),
    sa.CheckConstraint("channel IN ('visit', 'call', 'letter', 'online', 'collective')", name=op.f('ck_service_case_channel')),
    sa.CheckConstraint("handling_mode IS NULL OR handling_mode IN ('self', 'assist', 'transfer', 'supervised')", name=op.f('ck_service_case_handling_mode')),
    sa.CheckConstraint("handling_mode NOT IN ('assist', 'transfer') OR partner_unit <> ''", name=op.f('ck_service_case_partner_named')),
    sa.CheckConstraint("hotline = false OR channel = 'call'", name=op.f('ck_service_case_hotline_is_a_call')),
    sa.CheckConstraint("satisfaction IS NULL OR satisfaction IN ('satisfied', 'basic', 'unsatisfied')", name=op.f('ck_service_case_satisfaction')),
    sa.CheckConstraint("state <> 'closed' OR (visited_at IS NOT NULL AND satisfaction IN ('satisfied', 'basic'))", name=op.f('ck_service_case_closed_stamp')),
    sa.CheckConstraint("state = 'received' OR (assignee_id IS NOT NULL AND assigned_at IS NOT NULL AND handling_mode IS NOT NULL)", name=op.f('ck_service_case_assigned_stamp')),
    sa.CheckConstraint("state IN ('received', 'assigned', 'in_progress', 'resolved', 'closed')", name=op.f('ck_service_case_state')),
    sa.CheckConstraint("state NOT IN ('in_progress', 'resolved', 'closed') OR started_at IS NOT NULL", name=op.f('ck_service_case_started_stamp')),
    sa.CheckConstraint("state NOT IN ('resolved', 'closed') OR (resolved_at IS NOT NULL AND resolved_by_id IS NOT NULL AND report <> '')", name=op.f('ck_service_case_resolved_stamp')),
    sa.CheckConstraint('reopened >= 0', name=op.f('ck_service_case_reopened')),
    sa.ForeignKeyConstraint(['assigned_by_id'], ['user.id'], name=op.f('fk_service_case_assigned_by_id_user')),
    sa.ForeignKeyConstraint(['assignee_id'], ['user.id'], name=op.f('fk_service_case_assignee_id_user')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_service_case_person_id_person')),
    sa.ForeignKeyConstraint(['received_by_id'], ['user.id'], name=op.f('fk_service_case_received_by_id_user')),
    sa.ForeignKeyConstraint(['resolved_by_id'], ['user.id'], name=op.f('fk_service_case_resolved_by_id_user')),
    sa.ForeignKeyConstraint(['started_by_id'], ['user.id'], name=op.f('fk_service_case_started_by_id_user')),
    sa.ForeignKeyConstraint(['supervised_by_id'], ['user.id'], name=op.f('fk_service_case_supervised_by_id_user')),
    sa.ForeignKeyConstraint(['unit_id'], ['orgunit.id'], name=op.f('fk_service_case_unit_id_orgunit')),
    sa.ForeignKeyConstraint(['visited_by_id'], ['user.id'], name=op.f('fk_service_case_visited_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_service_case'))
    )
    op.create_index(op.f('ix_service_case_assignee_id'), 'service_case', ['assignee_id'], unique=False)
    op.create_index(op.f('ix_service_case_case_type'), 'service_case', ['case_type'], unique=False)
    op.create_index(op.f('ix_service_case_channel'), 'service_case', ['channel'], unique=False)
    op.create_index(op.f('ix_service_case_deadline'), 'service_case', ['deadline'], unique=False)
    op.create_index(op.f('ix_service_case_handling_mode'), 'service_case', ['handling_mode'], unique=False)
    op.create_index(op.f('ix_service_case_person_id'), 'service_case', ['person_id'], unique=False)
    op.create_index(op.f('ix_service_case_received_at'), 'service_case', ['received_at'], unique=False)
    op.create_index(op.f('ix_service_case_state'), 'service_case', ['state'], unique=False)
    op.create_index('ix_service_case_state_deadline', 'service_case', ['state', 'deadline'], unique=False)
    op.create_index(op.f('ix_service_case_unit_id'), 'service_case', ['unit_id'], unique=False)
    # ### end Alembic commands ###


def downgrade():
    op.drop_index(op.f('ix_service_case_unit_id'), table_name='service_case')
    op.drop_index('ix_service_case_state_deadline', table_name='service_case')
    op.drop_index(op.f('ix_service_case_state'), table_name='service_case')
    op.drop_index(op.f('ix_service_case_received_at'), table_name='service_case')
    op.drop_index(op.f('ix_service_case_person_id'), table_name='service_case')
    op.drop_index(op.f('ix_service_case_handling_mode'), table_name='service_case')
    op.drop_index(op.f('ix_service_case_deadline'), table_name='service_case')
    op.drop_index(op.f('ix_service_case_channel'), table_name='service_case')
    op.drop_index(op.f('ix_service_case_case_type'), table_name='service_case')
    op.drop_index(op.f('ix_service_case_assignee_id'), table_name='service_case')
    op.drop_table('service_case')
    op.drop_index(op.f('ix_person_worker_id'), table_name='person')
    op.drop_index(op.f('ix_person_unit_id'), table_name='person')
    op.drop_index(op.f('ix_person_phone'), table_name='person')
    op.drop_index(op.f('ix_person_name'), table_name='person')
    op.drop_index(op.f('ix_person_is_migrant'), table_name='person')
    op.drop_table('person')
