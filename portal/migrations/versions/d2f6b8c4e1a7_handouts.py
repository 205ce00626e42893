"""Hand-outs of goods to named people

Revision ID: d2f6b8c4e1a7
Revises: c7e3a9d5f1b8
Create Date: 2026-11-30 23:00:00.000000

(Placeholder in the chain; filled by the change that adds these tables.)
"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'd2f6b8c4e1a7'
down_revision = 'c7e3a9d5f1b8'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
