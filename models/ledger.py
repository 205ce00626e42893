"""Append-only ledgers: the guard that keeps them so, and posting to the fund ledger."""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from flask_babel import gettext as _
from sqlalchemy import DDL, event, func, update

from models.base import DomainError, db
from models.funds import Fund, FundEntry
from models.inventory import StockMovement
from models.loans import Repayment
from models.lovecard import CardEntry

CENT = Decimal("0.01")
APPEND_ONLY = (FundEntry, Repayment, StockMovement, CardEntry)


def sqlite_guard(table: str) -> list[str]:
    """Return SQLite triggers refusing UPDATE and DELETE on ``table``."""
    return [f"CREATE TRIGGER IF NOT EXISTS {table}_no_{verb} BEFORE {verb.upper()} ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
            for verb in ("update", "delete")]


def postgresql_guard(table: str) -> list[str]:
    """Return PostgreSQL statements refusing UPDATE and DELETE on ``table``."""
    return [
        "CREATE OR REPLACE FUNCTION forbid_ledger_change() RETURNS trigger LANGUAGE plpgsql "
        "AS $$ BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END $$",
        f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION forbid_ledger_change()",
    ]


def guard_statements(dialect: str, table: str) -> list[str]:
    """Return the statements that make ``table`` append-only on ``dialect``."""
    return {"sqlite": sqlite_guard, "postgresql": postgresql_guard}[dialect](table)


for _model in APPEND_ONLY:
    _table = _model.__tablename__
    for _dialect in ("sqlite", "postgresql"):
        for _statement in guard_statements(_dialect, _table):
            event.listen(_model.__table__, "after_create",
                         DDL(_statement.replace("%", "%%")).execute_if(dialect=_dialect))


def refuse_ledger_edits(session, flush_context, instances):
    for obj in session.deleted:
        if isinstance(obj, APPEND_ONLY):
            raise DomainError(_("Ledger entries are never deleted; post a reversing entry."))
    for obj in session.dirty:
        if isinstance(obj, APPEND_ONLY) and session.is_modified(obj):
            raise DomainError(_("Ledger entries are never edited; post a reversing entry."))


def money(value) -> Decimal:
    """Return ``value`` as yuan with exactly two decimals."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def post_entry(fund_id: int, kind: str, amount, user=None, document: str = "",
               reason: str = "", reverses: FundEntry | None = None) -> FundEntry:
    """Move ``amount`` (+ in, − out) on a fund and write its ledger row, in the caller's
    transaction. The balance changes by one guarded UPDATE, so two payments racing for
    the last yuan cannot both pass: the second waits for the first and then finds too
    little, and the CHECK constraint backs it."""
    amount = money(amount)
    if amount == 0:
        raise DomainError(_("The amount cannot be zero."))
    new_balance = db.session.execute(
        # Rounded in SQL: SQLite keeps NUMERIC as a float, which could refuse the last fen.
        update(Fund).where(Fund.id == fund_id, Fund.active.is_(True),
                           func.round(Fund.balance + amount, 2) >= 0)
        .values(balance=func.round(Fund.balance + amount, 2)).returning(Fund.balance)
        .execution_options(synchronize_session=False)).scalar_one_or_none()
    if new_balance is None:
        fund = db.session.get(Fund, fund_id)
        if fund is None or not fund.active:
            raise DomainError(_("The fund does not exist or is no longer in use."))
        db.session.refresh(fund)
        raise DomainError(_("Fund %(name)s has %(balance)s yuan, not enough for %(amount)s "
                            "yuan.", name=fund.name, balance=f"{fund.balance:,.2f}",
                            amount=f"{-amount:,.2f}"))
    fund = db.session.get(Fund, fund_id)
    if fund is not None:
        db.session.expire(fund, ["balance"])
    entry = FundEntry(fund_id=fund_id, kind=kind, amount=amount, balance_after=new_balance,
                      user_id=getattr(user, "id", None), document=document, reason=reason,
                      reverses=reverses)
    db.session.add(entry)
    db.session.flush()
    return entry


def reverse_entry(entry: FundEntry, user, reason: str, document: str = "") -> FundEntry:
    """Post the entry that undoes ``entry``; an entry is reversed at most once."""
    if not (reason or "").strip():
        raise DomainError(_("Give the reason for the reversal."))
    if entry.reverses_id is not None:
        raise DomainError(_("A reversing entry cannot itself be reversed."))
    return post_entry(entry.fund_id, "reversal", -entry.amount, user,
                      document=document or entry.document, reason=reason, reverses=entry)


def ledger_differences() -> list[tuple[Fund, Decimal, Decimal]]:
    """Return ``(fund, shown balance, ledger sum)`` for every fund where they differ."""
    from sqlalchemy import func, select

    sums = dict(db.session.execute(
        select(FundEntry.fund_id, func.coalesce(func.sum(FundEntry.amount), 0))
        .group_by(FundEntry.fund_id)).all())
    return [(fund, fund.balance, money(sums.get(fund.id, 0)))
            for fund in db.session.scalars(select(Fund).order_by(Fund.id))
            if money(fund.balance) != money(sums.get(fund.id, 0))]
