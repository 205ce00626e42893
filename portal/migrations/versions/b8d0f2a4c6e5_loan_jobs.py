"""Jobs created by micro-loans (带动就业人数) and their follow-up

Revision ID: b8d0f2a4c6e5
Revises: a7c9e1d3f5b4
Create Date: 2026-12-01 04:00:00.000000

Five new columns of loan: the jobs said at disbursement (0 for the loans paid out
before, by default), and the follow-up a staff member records later: the day, the jobs
found, a note and who. Two CHECKs: jobs are never negative, and a follow-up has both its
day and its count or neither. SQLite adds the columns with plain ALTER TABLE (the loan
table is referenced by instalments and repayments: no table rebuild).
"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'b8d0f2a4c6e5'
down_revision = 'a7c9e1d3f5b4'
branch_labels = None
depends_on = None

JOBS_CREATED = 'jobs_created >= 0'
FOLLOWED_UP = ('(followed_up_on IS NULL AND jobs_followed_up IS NULL) OR '
               '(followed_up_on IS NOT NULL AND jobs_followed_up IS NOT NULL AND '
               'jobs_followed_up >= 0)')


def upgrade():
    if op.get_bind().dialect.name == "sqlite":
        op.execute('ALTER TABLE loan ADD COLUMN jobs_created INTEGER NOT NULL DEFAULT 0 '
                   f'CONSTRAINT ck_loan_jobs_created CHECK ({JOBS_CREATED})')
        op.execute('ALTER TABLE loan ADD COLUMN followed_up_on DATE')
        op.execute('ALTER TABLE loan ADD COLUMN jobs_followed_up INTEGER '
                   f'CONSTRAINT ck_loan_jobs_followed_up CHECK ({FOLLOWED_UP})')
        op.execute("ALTER TABLE loan ADD COLUMN follow_up_note VARCHAR(200) NOT NULL DEFAULT ''")
        op.execute('ALTER TABLE loan ADD COLUMN followed_up_by_id INTEGER '
                   'CONSTRAINT fk_loan_followed_up_by_id_user REFERENCES "user" (id)')
        return
    op.add_column('loan', sa.Column('jobs_created', sa.Integer(), nullable=False,
                                    server_default='0'))
    op.add_column('loan', sa.Column('followed_up_on', sa.Date(), nullable=True))
    op.add_column('loan', sa.Column('jobs_followed_up', sa.Integer(), nullable=True))
    op.add_column('loan', sa.Column('follow_up_note', sa.String(length=200), nullable=False,
                                    server_default=''))
    op.add_column('loan', sa.Column('followed_up_by_id', sa.Integer(), nullable=True))
    op.create_foreign_key(op.f('fk_loan_followed_up_by_id_user'), 'loan', 'user',
                          ['followed_up_by_id'], ['id'])
    op.create_check_constraint(op.f('ck_loan_jobs_created'), 'loan', JOBS_CREATED)
    op.create_check_constraint(op.f('ck_loan_jobs_followed_up'), 'loan', FOLLOWED_UP)


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        # SQLite drops a column only when no CHECK or FOREIGN KEY names it: rebuild.
        with op.batch_alter_table('loan', schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f('ck_loan_jobs_followed_up'), type_='check')
            batch_op.drop_constraint(batch_op.f('ck_loan_jobs_created'), type_='check')
            # The column's foreign key (reflected without its name) goes with the column.
            for column in ('followed_up_by_id', 'follow_up_note', 'jobs_followed_up',
                           'followed_up_on', 'jobs_created'):
                batch_op.drop_column(column)
        return
    op.drop_constraint(op.f('ck_loan_jobs_followed_up'), 'loan', type_='check')
    op.drop_constraint(op.f('ck_loan_jobs_created'), 'loan', type_='check')
    op.drop_constraint(op.f('fk_loan_followed_up_by_id_user'), 'loan', type_='foreignkey')
    for column in ('followed_up_by_id', 'follow_up_note', 'jobs_followed_up', 'followed_up_on',
                   'jobs_created'):
        op.drop_column('loan', column)
