"""Ledger text in Chinese: rewrite the text the old code generated with codes or English

Revision ID: b7e2c4a91d05
Revises: e4d82d14f13d
Create Date: 2026-12-01 09:00:00.000000

Aid payments read "刘建国 medical" (the kind's code), cash donations "Donation from X"
and stocktake adjustments "Stocktake PD-…" when the interface ran in English. Only a
row whose text is exactly that old generated form is rewritten, and only its text: no
amount, balance or other column is touched.

The ledgers are append-only by triggers. The guard of the two tables is lifted inside
this migration's transaction and put back before it ends (PostgreSQL: ALTER TABLE …
DISABLE/ENABLE TRIGGER, which locks the table against every other writer meanwhile;
SQLite: the trigger is dropped and re-created, the transaction opened first so that the
three statements commit together or not at all).
"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'b7e2c4a91d05'
down_revision = 'e4d82d14f13d'
branch_labels = None
depends_on = None

# Frozen copies of the Chinese labels (models.choices.ASSISTANCE_KINDS in the zh_Hans_CN
# catalogue) and of models.ledger_text's forms, as they were when this was written.
KIND_LABELS = {
    "living": "生活救助",
    "medical": "医疗救助",
    "education": "助学（金秋助学）",
    "festival": "送温暖",
    "emergency": "应急救助",
    "employment": "就业帮扶",
    "legal": "法律援助",
}

# Frozen copies of models.ledger.sqlite_guard for the two tables.
SQLITE_GUARD = {
    table: f"CREATE TRIGGER IF NOT EXISTS {table}_no_update BEFORE UPDATE ON {table} "
           f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
    for table in ("fund_entry", "stock_movement")
}

PAYMENTS = sa.text(
    "SELECT f.id, f.reason, a.kind, w.name FROM fund_entry f "
    "JOIN assistance a ON a.payment_entry_id = f.id JOIN worker w ON w.id = a.worker_id "
    "WHERE f.kind = 'assistance_out'")
DONATIONS = sa.text(
    "SELECT f.id, f.reason, d.donor_name FROM fund_entry f "
    "JOIN donation d ON d.fund_entry_id = f.id WHERE f.kind = 'donation_in'")
STOCKTAKES = sa.text(
    "SELECT m.id, m.note, s.number FROM stock_movement m "
    "JOIN stocktake s ON s.id = m.stocktake_id WHERE m.reason = 'stocktake'")


def _old_payment(reason: str, kind: str) -> str | None:
    """Return the new text of an aid payment's reason if it is the old ``name kind``."""
    name, _, code = reason.rpartition(" ")
    if code == kind and name and kind in KIND_LABELS:
        return f"{name} {KIND_LABELS[kind]}"
    return None


def _changes(bind) -> dict[str, list[dict]]:
    """Return, per table, the rows whose text is an old generated form, with the new text."""
    fund, stock = [], []
    for pk, reason, kind, _name in bind.execute(PAYMENTS):
        new = _old_payment(reason or "", kind)
        if new:
            fund.append({"pk": pk, "old": reason, "new": new})
    for pk, reason, donor in bind.execute(DONATIONS):
        if reason == f"Donation from {donor}":
            fund.append({"pk": pk, "old": reason, "new": f"{donor} 捐赠"})
    for pk, note, number in bind.execute(STOCKTAKES):
        if note == f"Stocktake {number}":
            stock.append({"pk": pk, "old": note, "new": f"盘点 {number}"})
    return {"fund_entry": fund, "stock_movement": stock}


def _rewrite(bind, table: str, column: str, rows: list[dict]) -> None:
    """Set ``column`` of ``rows`` with the ledger's guard lifted for just this statement."""
    dialect = bind.dialect.name
    if dialect == "postgresql":
        op.execute(f"ALTER TABLE {table} DISABLE TRIGGER {table}_append_only")
    else:
        op.execute(f"DROP TRIGGER IF EXISTS {table}_no_update")
    bind.execute(sa.text(f"UPDATE {table} SET {column} = :new "
                         f"WHERE id = :pk AND {column} = :old"), rows)
    if dialect == "postgresql":
        op.execute(f"ALTER TABLE {table} ENABLE TRIGGER {table}_append_only")
    else:
        op.execute(SQLITE_GUARD[table])


def upgrade():
    bind = op.get_bind()
    changes = _changes(bind)
    if not any(changes.values()):
        return
    if bind.dialect.name == "sqlite":
        raw = bind.connection.dbapi_connection
        if not raw.in_transaction:  # pysqlite would run the DDL outside any transaction
            raw.execute("BEGIN")
    for table, column in (("fund_entry", "reason"), ("stock_movement", "note")):
        if changes[table]:
            _rewrite(bind, table, column, changes[table])


def downgrade():
    # The Chinese text is valid under the older code too; codes are not written back.
    pass
