"""Login throttle counters; session versions and forced password changes for users

Revision ID: e4d82d14f13d
Revises: 7c1e5a9d3b42
Create Date: 2026-11-30 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e4d82d14f13d'
down_revision = '7c1e5a9d3b42'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('login_attempt',
    sa.Column('scope', sa.String(length=16), nullable=False),
    sa.Column('key', sa.String(length=128), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('window_start', sa.DateTime(), nullable=False),
    sa.Column('locked_until', sa.DateTime(), nullable=True),
    sa.Column('strikes', sa.Integer(), nullable=False),
    sa.CheckConstraint("scope IN ('address', 'name', 'pair', 'password')", name=op.f('ck_login_attempt_scope')),
    sa.CheckConstraint('failures >= 0', name=op.f('ck_login_attempt_failures')),
    sa.PrimaryKeyConstraint('scope', 'key', name=op.f('pk_login_attempt'))
    )
    # Existing users start at session version 0 with their passwords as they are (the
    # policy applies when a password is set); sessions made before this end once.
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_version', sa.Integer(), server_default='0',
                                      nullable=False))
        batch_op.add_column(sa.Column('must_change_password', sa.Boolean(),
                                      server_default=sa.false(), nullable=False))


def downgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('must_change_password')
        batch_op.drop_column('session_version')
    op.drop_table('login_attempt')
