"""Campaigns and their standards

Revision ID: a9c1e5f7b3d2
Revises: f8b2d4e6a1c3
Create Date: 2026-11-30 23:00:00.000000

(Placeholder in the chain; filled by the change that adds these tables.)
"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'a9c1e5f7b3d2'
down_revision = 'f8b2d4e6a1c3'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
