"""Legal aid and mediation cases, their sessions, and what came of desk cases

Revision ID: f8b2d4e6a1c3
Revises: e7a1c3d5f9b2
Create Date: 2026-11-30 20:30:00.000000

Three new tables, nothing in the old ones changes: legal_case (with the CHECKs that keep
its state, outcome and amounts consistent), legal_session, and service_case_outcome (a
record started from a desk case, linked to it; one origin per record).
"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'f8b2d4e6a1c3'
down_revision = 'e7a1c3d5f9b2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('legal_case',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('service_case_id', sa.Integer(), nullable=True),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('head_count', sa.Integer(), nullable=False),
    sa.Column('employer_name', sa.String(length=100), nullable=False),
    sa.Column('credit_code', sa.String(length=18), nullable=True),
    sa.Column('dispute_type', sa.String(length=16), nullable=False),
    sa.Column('route', sa.String(length=16), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('amount_claimed', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('opened_by_id', sa.Integer(), nullable=True),
    sa.Column('opened_at', sa.DateTime(), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=True),
    sa.Column('amount_recovered', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('workers_benefited', sa.Integer(), nullable=False),
    sa.Column('closed_on', sa.Date(), nullable=True),
    sa.Column('closed_by_id', sa.Integer(), nullable=True),
    sa.Column('reopened', sa.Integer(), nullable=False),
    sa.Column('reopen_reason', sa.String(length=200), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.CheckConstraint("(state = 'open' AND outcome IS NULL AND closed_on IS NULL) OR (state = 'closed' AND outcome IS NOT NULL AND closed_on IS NOT NULL AND closed_by_id IS NOT NULL)", name=op.f('ck_legal_case_closed_stamp')),
    sa.CheckConstraint("amount_recovered = 0 OR (outcome IS NOT NULL AND outcome IN ('success', 'partial'))", name=op.f('ck_legal_case_recovered_when_won')),
    sa.CheckConstraint("dispute_type IN ('wages', 'injury', 'contract', 'insurance', 'severance', 'other')", name=op.f('ck_legal_case_dispute_type')),
    sa.CheckConstraint("outcome IS NULL OR outcome IN ('success', 'partial', 'failed', 'withdrawn')", name=op.f('ck_legal_case_outcome')),
    sa.CheckConstraint("route IN ('union', 'pre_arbitration', 'pre_litigation', 'arbitration', 'litigation', 'advice')", name=op.f('ck_legal_case_route')),
    sa.CheckConstraint("state IN ('open', 'closed')", name=op.f('ck_legal_case_state')),
    sa.CheckConstraint('amount_claimed >= 0', name=op.f('ck_legal_case_amount_claimed')),
    sa.CheckConstraint('amount_recovered >= 0', name=op.f('ck_legal_case_amount_recovered')),
    sa.CheckConstraint('credit_code IS NULL OR length(credit_code) = 18', name=op.f('ck_legal_case_credit_code')),
    sa.CheckConstraint('head_count >= 1', name=op.f('ck_legal_case_head_count')),
    sa.CheckConstraint('reopened >= 0', name=op.f('ck_legal_case_reopened')),
    sa.CheckConstraint('workers_benefited >= 0 AND workers_benefited <= head_count', name=op.f('ck_legal_case_workers_benefited')),
    sa.ForeignKeyConstraint(['closed_by_id'], ['user.id'], name=op.f('fk_legal_case_closed_by_id_user')),
    sa.ForeignKeyConstraint(['opened_by_id'], ['user.id'], name=op.f('fk_legal_case_opened_by_id_user')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_legal_case_person_id_person')),
    sa.ForeignKeyConstraint(['service_case_id'], ['service_case.id'], name=op.f('fk_legal_case_service_case_id_service_case')),
    sa.ForeignKeyConstraint(['unit_id'], ['orgunit.id'], name=op.f('fk_legal_case_unit_id_orgunit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_legal_case'))
    )
    op.create_table('service_case_outcome',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('service_case_id', sa.Integer(), nullable=False),
    sa.Column('record_type', sa.String(length=16), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("record_type IN ('worker', 'assistance', 'loan', 'enrolment')", name=op.f('ck_service_case_outcome_record_type')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_service_case_outcome_created_by_id_user')),
    sa.ForeignKeyConstraint(['service_case_id'], ['service_case.id'], name=op.f('fk_service_case_outcome_service_case_id_service_case')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_service_case_outcome')),
    sa.UniqueConstraint('record_type', 'record_id', name='one_origin')
    )
    op.create_table('legal_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('legal_case_id', sa.Integer(), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('handler', sa.String(length=50), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['legal_case_id'], ['legal_case.id'], name=op.f('fk_legal_session_legal_case_id_legal_case')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user.id'], name=op.f('fk_legal_session_recorded_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_legal_session'))
    )
    op.create_index(op.f('ix_legal_case_closed_on'), 'legal_case', ['closed_on'], unique=False)
    op.create_index(op.f('ix_legal_case_credit_code'), 'legal_case', ['credit_code'], unique=False)
    op.create_index(op.f('ix_legal_case_dispute_type'), 'legal_case', ['dispute_type'], unique=False)
    op.create_index(op.f('ix_legal_case_opened_at'), 'legal_case', ['opened_at'], unique=False)
    op.create_index(op.f('ix_legal_case_outcome'), 'legal_case', ['outcome'], unique=False)
    op.create_index(op.f('ix_legal_case_person_id'), 'legal_case', ['person_id'], unique=False)
    op.create_index(op.f('ix_legal_case_route'), 'legal_case', ['route'], unique=False)
    op.create_index(op.f('ix_legal_case_service_case_id'), 'legal_case', ['service_case_id'], unique=False)
    op.create_index(op.f('ix_legal_case_state'), 'legal_case', ['state'], unique=False)
    op.create_index(op.f('ix_legal_case_unit_id'), 'legal_case', ['unit_id'], unique=False)
    op.create_index(op.f('ix_service_case_outcome_service_case_id'), 'service_case_outcome', ['service_case_id'], unique=False)
    op.create_index(op.f('ix_legal_session_legal_case_id'), 'legal_session', ['legal_case_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_legal_session_legal_case_id'), table_name='legal_session')
    op.drop_index(op.f('ix_service_case_outcome_service_case_id'), table_name='service_case_outcome')
    op.drop_index(op.f('ix_legal_case_unit_id'), table_name='legal_case')
    op.drop_index(op.f('ix_legal_case_state'), table_name='legal_case')
    op.drop_index(op.f('ix_legal_case_service_case_id'), table_name='legal_case')
    op.drop_index(op.f('ix_legal_case_route'), table_name='legal_case')
    op.drop_index(op.f('ix_legal_case_person_id'), table_name='legal_case')
    op.drop_index(op.f('ix_legal_case_outcome'), table_name='legal_case')
    op.drop_index(op.f('ix_legal_case_opened_at'), table_name='legal_case')
    op.drop_index(op.f('ix_legal_case_dispute_type'), table_name='legal_case')
    op.drop_index(op.f('ix_legal_case_credit_code'), table_name='legal_case')
    op.drop_index(op.f('ix_legal_case_closed_on'), table_name='legal_case')
    op.drop_table('legal_session')
    op.drop_table('service_case_outcome')
    op.drop_table('legal_case')
