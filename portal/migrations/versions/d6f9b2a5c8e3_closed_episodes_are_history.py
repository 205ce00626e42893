"""A closed episode of a worker file is history: the database refuses to change it

Revision ID: d6f9b2a5c8e3
Revises: c5e8a1f4b7d2
Create Date: 2026-12-01 10:00:00.000000

Triggers refuse UPDATE and DELETE of a worker_episode row whose closed_on is set (the
open episode still closes). A worker file with closed episodes cannot be deleted either:
the foreign key's cascade would delete them.
"""
from alembic import op

# revision identifiers, used by Alembic.
revision = 'd6f9b2a5c8e3'
down_revision = 'c5e8a1f4b7d2'
branch_labels = None
depends_on = None

# Frozen copy of models.worker_episode.closed_guard.
GUARD = {
    'sqlite': [
        "CREATE TRIGGER IF NOT EXISTS worker_episode_closed_update BEFORE UPDATE ON "
        "worker_episode WHEN OLD.closed_on IS NOT NULL BEGIN SELECT RAISE(ABORT, "
        "'worker_episode is closed history'); END",
        "CREATE TRIGGER IF NOT EXISTS worker_episode_closed_delete BEFORE DELETE ON "
        "worker_episode WHEN OLD.closed_on IS NOT NULL BEGIN SELECT RAISE(ABORT, "
        "'worker_episode is closed history'); END",
    ],
    'postgresql': [
        "CREATE OR REPLACE FUNCTION forbid_closed_episode_change() RETURNS trigger "
        "LANGUAGE plpgsql AS $$ BEGIN IF OLD.closed_on IS NOT NULL THEN RAISE EXCEPTION "
        "'worker_episode is closed history' USING ERRCODE = 'integrity_constraint_violation'; "
        "END IF; IF TG_OP = 'DELETE' THEN RETURN OLD; END IF; RETURN NEW; END $$",
        "CREATE TRIGGER worker_episode_closed BEFORE UPDATE OR DELETE ON worker_episode "
        "FOR EACH ROW EXECUTE FUNCTION forbid_closed_episode_change()",
    ],
}
DROP = {
    'sqlite': ["DROP TRIGGER IF EXISTS worker_episode_closed_update",
               "DROP TRIGGER IF EXISTS worker_episode_closed_delete"],
    'postgresql': ["DROP TRIGGER IF EXISTS worker_episode_closed ON worker_episode",
                   "DROP FUNCTION IF EXISTS forbid_closed_episode_change()"],
}


def upgrade():
    for statement in GUARD[op.get_bind().dialect.name]:
        op.execute(statement)


def downgrade():
    for statement in DROP[op.get_bind().dialect.name]:
        op.execute(statement)
