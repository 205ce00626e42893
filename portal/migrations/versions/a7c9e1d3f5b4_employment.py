"""Employment: job seekers, employers, vacancies and referrals

Revision ID: a7c9e1d3f5b4
Revises: f6b8d0c2e4a3
Create Date: 2026-12-01 03:00:00.000000

(Placeholder in the chain; filled by the change that adds these tables.)
"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'a7c9e1d3f5b4'
down_revision = 'f6b8d0c2e4a3'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
