"""Moving money between funds (资金调拨): a pair of ledger entries under one document no.

A transfer is one step by a role with the funds' A (``models.permissions``): the entry
out of one fund and the entry into the other are posted in one savepoint under one
document number (ZZ-2026-000001), so both are written or neither. The guarded UPDATE of
``post_entry`` and the ``balance >= 0`` CHECK keep the fund it leaves from going negative,
also under concurrent transfers; a partial unique index lets a document number hold one
entry out and one in. A transfer is undone by the reversing pair (``reverse_entry``).

Lock order: the two funds' rows are updated in id order, whichever way the money goes,
so two transfers between the same funds in opposite directions cannot deadlock.
"""
from __future__ import annotations

from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import select

from models.base import DomainError, db, today
from models.funds import Fund, FundEntry
from models.ledger import money, post_entry, reverse_entry
from models.ledger_text import transfer_note, transfer_reversal_note
from models.numbering import document_no
from models.permissions import require

PREFIX = "ZZ"
KINDS = ("transfer_out", "transfer_in")


def _refuse_short(fund: Fund, amount: Decimal) -> None:
    """Refuse, naming the shortfall, when ``fund`` holds less than ``amount``."""
    db.session.refresh(fund, ["balance"])
    if Decimal(fund.balance) < amount:
        raise DomainError(_(
            "Fund %(fund)s has %(balance)s yuan: %(short)s yuan short of the %(amount)s yuan "
            "to transfer. Nothing was moved.", fund=fund.name,
            balance=f"{Decimal(fund.balance):,.2f}", short=f"{amount - fund.balance:,.2f}",
            amount=f"{amount:,.2f}"))


def _post_pair(first: tuple, second: tuple) -> list[FundEntry]:
    """Post two ``(fund, post function)`` entries in fund id order; return them in the
    order given."""
    ordered = sorted((first, second), key=lambda side: side[0].id)
    posted = {id(side): side[1]() for side in ordered}
    return [posted[id(first)], posted[id(second)]]


def transfer(source_id: int, target_id: int, amount, reason: str, user) -> list[FundEntry]:
    """Move ``amount`` yuan from one fund to another; return the entries out and in."""
    require(user, "fund", "A", _("Only an administrator or a centre manager can move money "
                                 "between funds."))
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Give the reason for the transfer."))
    try:
        amount = money(amount)
    except (ArithmeticError, TypeError, ValueError):
        raise DomainError(_("The value must be a number.")) from None
    if amount <= 0:
        raise DomainError(_("The amount to transfer must be above zero."))
    if not source_id or not target_id:
        raise DomainError(_("Choose the fund the money leaves and the fund it goes to."))
    source, target = db.session.get(Fund, source_id), db.session.get(Fund, target_id)
    if source is None or target is None:
        raise DomainError(_("The fund does not exist or is no longer in use."))
    if source.id == target.id:
        raise DomainError(_("Choose two different funds."))
    if not source.active or not target.active:
        raise DomainError(_("The fund does not exist or is no longer in use."))
    try:
        with db.session.begin_nested():  # a refusal leaves no entry and no number taken
            document = document_no(PREFIX, today().year)
            return _post_pair(
                (source, lambda: post_entry(source.id, "transfer_out", -amount, user,
                                            document=document,
                                            reason=transfer_note(target.name, True, reason))),
                (target, lambda: post_entry(target.id, "transfer_in", amount, user,
                                            document=document,
                                            reason=transfer_note(source.name, False, reason))))
    except DomainError:
        _refuse_short(source, amount)
        raise


def transfer_entries(document: str) -> list[FundEntry]:
    """Return the entries out and in of transfer ``document`` (refuse an unknown one)."""
    rows = {entry.kind: entry for entry in db.session.scalars(select(FundEntry).where(
        FundEntry.document == document, FundEntry.kind.in_(KINDS)))}
    if set(rows) != set(KINDS):
        raise DomainError(_("No transfer has document no. %(no)s.", no=document))
    return [rows["transfer_out"], rows["transfer_in"]]


def is_reversed(entry: FundEntry) -> bool:
    """Tell whether some entry reverses ``entry``."""
    return db.session.scalar(select(FundEntry.id).where(
        FundEntry.reverses_id == entry.id)) is not None


def reverse_transfer(document: str, reason: str, user) -> list[FundEntry]:
    """Undo transfer ``document`` by the reversing pair; return the two new entries."""
    require(user, "fund", "A", _("Only an administrator or a centre manager can move money "
                                 "between funds."))
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Give the reason for the reversal."))
    out, into = transfer_entries(document)
    if is_reversed(out) or is_reversed(into):
        raise DomainError(_("Transfer %(no)s is already reversed.", no=document))
    note = transfer_reversal_note(document, reason)
    try:
        with db.session.begin_nested():
            return _post_pair((out.fund, lambda: reverse_entry(out, user, note)),
                              (into.fund, lambda: reverse_entry(into, user, note)))
    except DomainError:
        _refuse_short(into.fund, into.amount)
        raise


def recent_transfers(limit: int = 20) -> list[tuple[FundEntry, FundEntry, bool]]:
    """Return the latest transfers as ``(entry out, entry in, reversed)``, newest first."""
    outs = list(db.session.scalars(select(FundEntry).where(
        FundEntry.kind == "transfer_out").order_by(FundEntry.id.desc()).limit(limit)))
    ins = {entry.document: entry for entry in db.session.scalars(select(FundEntry).where(
        FundEntry.kind == "transfer_in",
        FundEntry.document.in_([entry.document for entry in outs])))}
    reversed_ids = set(db.session.scalars(select(FundEntry.reverses_id).where(
        FundEntry.reverses_id.in_([entry.id for entry in outs]))))
    return [(entry, ins.get(entry.document), entry.id in reversed_ids) for entry in outs]
