"""Pairings and visits

Revision ID: c7e3a9d5f1b8
Revises: b4d8f2a6c1e9
Create Date: 2026-11-30 23:00:00.000000

(Placeholder in the chain; filled by the change that adds these tables.)
"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'c7e3a9d5f1b8'
down_revision = 'b4d8f2a6c1e9'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
