"""Grant limits, rejecting approved grants and transfers between funds

Revision ID: b4d8f2a6c1e9
Revises: a9c1e5f7b3d2
Create Date: 2026-11-30 23:00:00.000000

No new table. assistance gains limit_override_reason (a manager's reason for approving
a grant above its kind's limit; the limits are settings, created at start-up with their
defaults). fund_entry gains a partial unique index: a transfer's document number holds
one entry out and one entry in. Transfers' entry kinds need no schema change.
"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'b4d8f2a6c1e9'
down_revision = 'a9c1e5f7b3d2'
branch_labels = None
depends_on = None


def upgrade():
    # A server default, so that adding the column copies no table on SQLite.
    op.add_column('assistance', sa.Column('limit_override_reason', sa.String(length=200),
                                          nullable=False, server_default=''))
    op.create_index('uq_fund_entry_transfer_side', 'fund_entry', ['document', 'kind'],
                    unique=True,
                    sqlite_where=sa.text("kind IN ('transfer_out', 'transfer_in')"),
                    postgresql_where=sa.text("kind IN ('transfer_out', 'transfer_in')"))


def downgrade():
    op.drop_index('uq_fund_entry_transfer_side', table_name='fund_entry')
    with op.batch_alter_table('assistance', schema=None) as batch_op:
        batch_op.drop_column('limit_override_reason')
