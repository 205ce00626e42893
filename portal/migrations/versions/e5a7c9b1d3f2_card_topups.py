"""Love-card top-ups drawn from a fund

Revision ID: e5a7c9b1d3f2
Revises: d2f6b8c4e1a7
Create Date: 2026-12-01 03:00:00.000000

(Placeholder in the chain; filled by the change that adds these tables.)
"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'e5a7c9b1d3f2'
down_revision = 'd2f6b8c4e1a7'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
