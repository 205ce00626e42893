"""Campaign batches: verify, approve and pay a campaign's grants together

Revision ID: f6b8d0c2e4a3
Revises: e5a7c9b1d3f2
Create Date: 2026-12-01 03:00:00.000000

(No schema change: the batch steps, the batch notice and the sign-off sheets use the
assistance, fund entry, notice and hand-out tables as they are.)
"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'f6b8d0c2e4a3'
down_revision = 'e5a7c9b1d3f2'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
