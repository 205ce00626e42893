"""Grant limits, rejecting approved grants and transfers between funds

Revision ID: b4d8f2a6c1e9
Revises: a9c1e5f7b3d2
Create Date: 2026-11-30 23:00:00.000000

(Placeholder in the chain; filled by the change that adds these tables.)
"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'b4d8f2a6c1e9'
down_revision = 'a9c1e5f7b3d2'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
