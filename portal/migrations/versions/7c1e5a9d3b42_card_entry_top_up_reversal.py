"""Love-card ledger: a mistaken top-up is undone by a reversing entry

Revision ID: 7c1e5a9d3b42
Revises: 53475f50f011
Create Date: 2026-11-29 06:30:00.000000

"""
from alembic import op
import sqlalchemy as sa

# SQLite's batch mode rebuilds card_entry and so drops its triggers; these are frozen
# copies of the append-only guard made in 53475f50f011 (models.ledger.sqlite_guard).
# PostgreSQL alters the table in place and keeps its trigger.
SQLITE_GUARD = [
    "CREATE TRIGGER IF NOT EXISTS card_entry_no_update BEFORE UPDATE ON card_entry BEGIN SELECT RAISE(ABORT, 'card_entry is append-only'); END",
    "CREATE TRIGGER IF NOT EXISTS card_entry_no_delete BEFORE DELETE ON card_entry BEGIN SELECT RAISE(ABORT, 'card_entry is append-only'); END",
]

KIND_OLD = "kind IN ('topup', 'redemption', 'refund', 'transfer_out', 'transfer_in')"
KIND_NEW = ("kind IN ('topup', 'redemption', 'refund', 'transfer_out', 'transfer_in', "
            "'topup_reversal')")
SIGN_OLD = ("(kind IN ('topup', 'refund', 'transfer_in') AND points > 0) OR "
            "(kind IN ('redemption', 'transfer_out') AND points < 0)")
SIGN_NEW = ("(kind IN ('topup', 'refund', 'transfer_in') AND points > 0) OR "
            "(kind IN ('redemption', 'transfer_out', 'topup_reversal') AND points < 0)")
REVERSES = ("(kind = 'topup_reversal' AND reverses_id IS NOT NULL) OR "
            "(kind <> 'topup_reversal' AND reverses_id IS NULL)")

# revision identifiers, used by Alembic.
revision = '7c1e5a9d3b42'
down_revision = '53475f50f011'
branch_labels = None
depends_on = None


def _guard_again():
    if op.get_bind().dialect.name == "sqlite":
        for statement in SQLITE_GUARD:
            op.execute(statement)


def upgrade():
    with op.batch_alter_table('card_entry', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reverses_id', sa.Integer(), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_card_entry_reverses_id'),
                                          ['reverses_id'])
        batch_op.create_foreign_key(batch_op.f('fk_card_entry_reverses_id_card_entry'),
                                    'card_entry', ['reverses_id'], ['id'])
        batch_op.drop_constraint(batch_op.f('ck_card_entry_kind'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_card_entry_sign'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_card_entry_kind'), KIND_NEW)
        batch_op.create_check_constraint(batch_op.f('ck_card_entry_sign'), SIGN_NEW)
        batch_op.create_check_constraint(batch_op.f('ck_card_entry_reverses'), REVERSES)
    _guard_again()


def downgrade():
    reversals = op.get_bind().execute(sa.text(
        "SELECT count(*) FROM card_entry WHERE kind = 'topup_reversal'")).scalar()
    if reversals:
        # The ledger is append-only: the reversals cannot be dropped without losing history.
        raise RuntimeError(f"card_entry holds {reversals} top-up reversal(s); the older "
                           "schema cannot represent them")
    with op.batch_alter_table('card_entry', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_card_entry_reverses'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_card_entry_sign'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_card_entry_kind'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_card_entry_kind'), KIND_OLD)
        batch_op.create_check_constraint(batch_op.f('ck_card_entry_sign'), SIGN_OLD)
        batch_op.drop_constraint(batch_op.f('fk_card_entry_reverses_id_card_entry'),
                                 type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_card_entry_reverses_id'), type_='unique')
        batch_op.drop_column('reverses_id')
    _guard_again()
