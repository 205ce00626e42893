"""Import uploads in the database: any application server can confirm a preview

Revision ID: c3f9a2d6e871
Revises: b7e2c4a91d05
Create Date: 2026-11-30 11:00:00.000000

Until now an upload waited on the disk of the server that made the preview; behind a load
balancer the confirm may reach another server. Uploads still waiting in instance/imports
are not carried over but deleted (they hold full ID numbers and nothing would delete them
any more): their owner previews again.
"""
import shutil
from pathlib import Path

from alembic import op
import sqlalchemy as sa
from flask import current_app

# revision identifiers, used by Alembic.
revision = 'c3f9a2d6e871'
down_revision = 'b7e2c4a91d05'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('import_upload',
    sa.Column('token', sa.String(length=32), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['owner_id'], ['user.id'], name=op.f('fk_import_upload_owner_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('token', name=op.f('pk_import_upload'))
    )
    with op.batch_alter_table('import_upload', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_import_upload_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_import_upload_owner_id'), ['owner_id'], unique=False)

    shutil.rmtree(Path(current_app.instance_path) / "imports", ignore_errors=True)


def downgrade():
    with op.batch_alter_table('import_upload', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_import_upload_owner_id'))
        batch_op.drop_index(batch_op.f('ix_import_upload_created_at'))

    op.drop_table('import_upload')
