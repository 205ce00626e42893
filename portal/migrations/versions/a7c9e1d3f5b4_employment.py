"""Employment: job seekers, employers, vacancies and referrals

Revision ID: a7c9e1d3f5b4
Revises: f6b8d0c2e4a3
Create Date: 2026-12-01 03:00:00.000000

Four new tables, nothing in the old ones changes: employer (credit code unique, a
re-employment base with its date), job_seeker (a worker on file or a desk person, never
both; the 4050, hardship-file and migrant marks stored to be filtered), vacancy (places
taken never above places, by CHECK) and referral (once per seeker and vacancy; a hire
carries its start date and wage, nothing else does).
"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'a7c9e1d3f5b4'
down_revision = 'f6b8d0c2e4a3'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('employer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('credit_code', sa.String(length=18), nullable=False),
    sa.Column('contact', sa.String(length=32), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=False),
    sa.Column('address', sa.String(length=200), nullable=False),
    sa.Column('nature', sa.String(length=16), nullable=True),
    sa.Column('is_base', sa.Boolean(), nullable=False),
    sa.Column('base_since', sa.Date(), nullable=True),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.CheckConstraint("nature IS NULL OR nature IN ('state', 'collective', 'private', 'foreign', 'public', 'individual', 'other')", name=op.f('ck_employer_nature')),
    sa.CheckConstraint('(is_base AND base_since IS NOT NULL) OR (NOT is_base AND base_since IS NULL)', name=op.f('ck_employer_base_since')),
    sa.CheckConstraint('length(credit_code) = 18', name=op.f('ck_employer_credit_code')),
    sa.ForeignKeyConstraint(['unit_id'], ['orgunit.id'], name=op.f('fk_employer_unit_id_orgunit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_employer')),
    sa.UniqueConstraint('credit_code', name=op.f('uq_employer_credit_code'))
    )
    op.create_index(op.f('ix_employer_base_since'), 'employer', ['base_since'], unique=False)
    op.create_index(op.f('ix_employer_is_base'), 'employer', ['is_base'], unique=False)
    op.create_index(op.f('ix_employer_name'), 'employer', ['name'], unique=False)
    op.create_index(op.f('ix_employer_nature'), 'employer', ['nature'], unique=False)
    op.create_index(op.f('ix_employer_unit_id'), 'employer', ['unit_id'], unique=False)
    op.create_table('job_seeker',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('worker_id', sa.Integer(), nullable=True),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('registered_on', sa.Date(), nullable=False),
    sa.Column('registered_by_id', sa.Integer(), nullable=True),
    sa.Column('skills', sa.Text(), nullable=False),
    sa.Column('education', sa.String(length=16), nullable=True),
    sa.Column('desired_job_types', sa.JSON(), nullable=True),
    sa.Column('desired_wage', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('willing_to_travel', sa.Boolean(), nullable=False),
    sa.Column('availability', sa.String(length=16), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('is_4050', sa.Boolean(), nullable=False),
    sa.Column('has_file', sa.Boolean(), nullable=False),
    sa.Column('is_migrant', sa.Boolean(), nullable=False),
    sa.Column('name', sa.String(length=32), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.CheckConstraint("availability IN ('now', 'month', 'part_time')", name=op.f('ck_job_seeker_availability')),
    sa.CheckConstraint("education IS NULL OR education IN ('primary', 'junior', 'senior', 'college')", name=op.f('ck_job_seeker_education')),
    sa.CheckConstraint("state IN ('seeking', 'placed', 'withdrawn')", name=op.f('ck_job_seeker_state')),
    sa.CheckConstraint('(worker_id IS NULL) <> (person_id IS NULL)', name=op.f('ck_job_seeker_one_holder')),
    sa.CheckConstraint('desired_wage IS NULL OR desired_wage >= 0', name=op.f('ck_job_seeker_desired_wage')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_job_seeker_person_id_person')),
    sa.ForeignKeyConstraint(['registered_by_id'], ['user.id'], name=op.f('fk_job_seeker_registered_by_id_user')),
    sa.ForeignKeyConstraint(['unit_id'], ['orgunit.id'], name=op.f('fk_job_seeker_unit_id_orgunit')),
    sa.ForeignKeyConstraint(['worker_id'], ['worker.id'], name=op.f('fk_job_seeker_worker_id_worker')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_job_seeker'))
    )
    op.create_index(op.f('ix_job_seeker_education'), 'job_seeker', ['education'], unique=False)
    op.create_index(op.f('ix_job_seeker_has_file'), 'job_seeker', ['has_file'], unique=False)
    op.create_index(op.f('ix_job_seeker_is_4050'), 'job_seeker', ['is_4050'], unique=False)
    op.create_index(op.f('ix_job_seeker_is_migrant'), 'job_seeker', ['is_migrant'], unique=False)
    op.create_index(op.f('ix_job_seeker_name'), 'job_seeker', ['name'], unique=False)
    op.create_index(op.f('ix_job_seeker_person_id'), 'job_seeker', ['person_id'], unique=False)
    op.create_index(op.f('ix_job_seeker_registered_on'), 'job_seeker', ['registered_on'], unique=False)
    op.create_index(op.f('ix_job_seeker_state'), 'job_seeker', ['state'], unique=False)
    op.create_index(op.f('ix_job_seeker_unit_id'), 'job_seeker', ['unit_id'], unique=False)
    op.create_index(op.f('ix_job_seeker_willing_to_travel'), 'job_seeker', ['willing_to_travel'], unique=False)
    op.create_index(op.f('ix_job_seeker_worker_id'), 'job_seeker', ['worker_id'], unique=False)
    op.create_table('vacancy',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('employer_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=100), nullable=False),
    sa.Column('job_type', sa.String(length=16), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('destination', sa.String(length=100), nullable=False),
    sa.Column('places', sa.Integer(), nullable=False),
    sa.Column('places_taken', sa.Integer(), nullable=False),
    sa.Column('wage_min', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('wage_max', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('requirements', sa.Text(), nullable=False),
    sa.Column('location', sa.String(length=100), nullable=False),
    sa.Column('open_from', sa.Date(), nullable=False),
    sa.Column('open_to', sa.Date(), nullable=True),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.CheckConstraint("job_type IN ('welding', 'computer', 'sewing', 'housekeeping', 'catering', 'cleaning', 'security', 'factory', 'sales', 'driver', 'care', 'other')", name=op.f('ck_vacancy_job_type')),
    sa.CheckConstraint("kind <> 'labour_export' OR destination <> ''", name=op.f('ck_vacancy_destination')),
    sa.CheckConstraint("kind IN ('ordinary', 'public_welfare', 'labour_export')", name=op.f('ck_vacancy_kind')),
    sa.CheckConstraint("state IN ('open', 'filled', 'closed')", name=op.f('ck_vacancy_state')),
    sa.CheckConstraint('open_to IS NULL OR open_to >= open_from', name=op.f('ck_vacancy_dates_in_order')),
    sa.CheckConstraint('places >= 1', name=op.f('ck_vacancy_places_positive')),
    sa.CheckConstraint('places_taken >= 0 AND places_taken <= places', name=op.f('ck_vacancy_within_places')),
    sa.CheckConstraint('wage_max IS NULL OR wage_min IS NULL OR wage_max >= wage_min', name=op.f('ck_vacancy_wage_range')),
    sa.CheckConstraint('wage_min IS NULL OR wage_min >= 0', name=op.f('ck_vacancy_wage_min')),
    sa.ForeignKeyConstraint(['employer_id'], ['employer.id'], name=op.f('fk_vacancy_employer_id_employer')),
    sa.ForeignKeyConstraint(['unit_id'], ['orgunit.id'], name=op.f('fk_vacancy_unit_id_orgunit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_vacancy'))
    )
    op.create_index(op.f('ix_vacancy_employer_id'), 'vacancy', ['employer_id'], unique=False)
    op.create_index(op.f('ix_vacancy_job_type'), 'vacancy', ['job_type'], unique=False)
    op.create_index(op.f('ix_vacancy_kind'), 'vacancy', ['kind'], unique=False)
    op.create_index(op.f('ix_vacancy_open_from'), 'vacancy', ['open_from'], unique=False)
    op.create_index(op.f('ix_vacancy_state'), 'vacancy', ['state'], unique=False)
    op.create_index(op.f('ix_vacancy_title'), 'vacancy', ['title'], unique=False)
    op.create_index(op.f('ix_vacancy_unit_id'), 'vacancy', ['unit_id'], unique=False)
    op.create_table('referral',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seeker_id', sa.Integer(), nullable=False),
    sa.Column('vacancy_id', sa.Integer(), nullable=False),
    sa.Column('referred_on', sa.Date(), nullable=False),
    sa.Column('referred_by_id', sa.Integer(), nullable=True),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('interviewed_on', sa.Date(), nullable=True),
    sa.Column('decided_on', sa.Date(), nullable=True),
    sa.Column('start_date', sa.Date(), nullable=True),
    sa.Column('wage', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('file_employer_before', sa.String(length=100), nullable=True),
    sa.Column('file_nature_before', sa.String(length=16), nullable=True),
    sa.Column('times_undone', sa.Integer(), nullable=False),
    sa.Column('undo_reason', sa.String(length=200), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.CheckConstraint("(state = 'hired' AND start_date IS NOT NULL AND wage IS NOT NULL) OR (state <> 'hired' AND start_date IS NULL AND wage IS NULL)", name=op.f('ck_referral_placement')),
    sa.CheckConstraint("state IN ('referred', 'interviewed', 'hired', 'not_hired', 'no_show')", name=op.f('ck_referral_state')),
    sa.CheckConstraint('times_undone >= 0', name=op.f('ck_referral_times_undone')),
    sa.CheckConstraint('wage IS NULL OR wage >= 0', name=op.f('ck_referral_wage')),
    sa.ForeignKeyConstraint(['referred_by_id'], ['user.id'], name=op.f('fk_referral_referred_by_id_user')),
    sa.ForeignKeyConstraint(['seeker_id'], ['job_seeker.id'], name=op.f('fk_referral_seeker_id_job_seeker')),
    sa.ForeignKeyConstraint(['unit_id'], ['orgunit.id'], name=op.f('fk_referral_unit_id_orgunit')),
    sa.ForeignKeyConstraint(['vacancy_id'], ['vacancy.id'], name=op.f('fk_referral_vacancy_id_vacancy')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_referral'))
    )
    op.create_index(op.f('ix_referral_decided_on'), 'referral', ['decided_on'], unique=False)
    op.create_index(op.f('ix_referral_referred_on'), 'referral', ['referred_on'], unique=False)
    op.create_index(op.f('ix_referral_seeker_id'), 'referral', ['seeker_id'], unique=False)
    op.create_index(op.f('ix_referral_start_date'), 'referral', ['start_date'], unique=False)
    op.create_index(op.f('ix_referral_state'), 'referral', ['state'], unique=False)
    op.create_index(op.f('ix_referral_unit_id'), 'referral', ['unit_id'], unique=False)
    op.create_index(op.f('ix_referral_vacancy_id'), 'referral', ['vacancy_id'], unique=False)
    op.create_index('uq_referral_once_per_vacancy', 'referral', ['seeker_id', 'vacancy_id'], unique=True)

def downgrade():
    for table in ('referral', 'vacancy', 'job_seeker', 'employer'):
        op.drop_table(table)
