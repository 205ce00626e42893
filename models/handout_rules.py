"""Hand-outs of goods to named people: one at the clothing corner, or a campaign's
packages in bulk; voiding puts the goods back into their lots.

Locks in the counter's order: each item's row (item order), then the document number,
so hand-outs and redemptions racing for the last units queue instead of deadlocking.
Everything is written in the caller's transaction (flushed, never committed).
"""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import or_, select, update

from models.base import DomainError, db, today, utcnow
from models.choices import WORKER_STATUSES
from models.handout import Handout, HandoutLine
from models.inventory import Item, StockLot, StockMovement
from models.inventory_rules import _reverse, stock_out
from models.numbering import document_no, number_block
from models.permissions import allows, require

PREFIX = "FF"  # 发放

CONSTRAINT_MESSAGES = {
    "uq_handout_assistance_id": lambda: _("This grant's goods package was already handed out."),
    "ck_handout_one_recipient": lambda: _("A hand-out goes to exactly one person: a worker on "
                                          "file or a person served at the desk."),
}


def check_recipient(worker=None, person=None) -> None:
    """Refuse anyone but exactly one recipient, a worker with a file on record or a person."""
    if (worker is None) == (person is None):
        raise DomainError(_("Choose who receives the goods: a worker on file or a person "
                            "served at the desk."))
    if worker is not None and worker.status != "active":
        raise DomainError(_("%(name)s is not on file (file status: %(status)s); goods are "
                            "handed out to workers on file only.", name=worker.name,
                            status=WORKER_STATUSES.get(worker.status, worker.status)))


def _wanted(lines) -> dict[int, tuple[Item, int]]:
    wanted: dict[int, tuple[Item, int]] = {}
    for item, quantity in lines:
        if item is None:
            raise DomainError(_("Choose the item."))
        if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity <= 0:
            raise DomainError(_("Quantities are whole numbers above zero."))
        wanted[item.id] = (item, wanted.get(item.id, (item, 0))[1] + quantity)
    if not wanted:
        raise DomainError(_("Add at least one item."))
    return wanted


def hand_out(lines, user, *, worker=None, person=None, campaign=None,
             note: str = "") -> Handout:
    """Hand ``lines`` (``(Item, quantity)`` pairs) out to ``worker`` or ``person``.

    Each item leaves stock from the lots that expire first; if any item is short,
    nothing is written (the savepoint rolls back) and the message names the item.
    """
    require(user, "handout", "C", _("Your role may not hand out goods."))
    return _hand_out(lines, user, worker, person, campaign, note)


def hand_out_package(grant, user) -> Handout | None:
    """Hand a campaign grant paid one by one (``assistance_rules`` pay step) its campaign's
    goods package, as the batch payment does for many (``hand_out_packages``); return the
    hand-out, or None when the campaign gives no goods or the package went out already."""
    campaign = grant.campaign_record
    if campaign is None or not campaign.goods or db.session.scalar(
            select(Handout.id).where(Handout.assistance_id == grant.id)) is not None:
        return None
    return _hand_out([(g.item, g.quantity) for g in campaign.goods], user, grant.worker, None,
                     campaign, campaign.name, assistance_id=grant.id)


def _hand_out(lines, user, worker, person, campaign, note, assistance_id=None) -> Handout:
    check_recipient(worker, person)
    wanted = _wanted(list(lines))
    note = (note or "").strip()[:200]
    with db.session.begin_nested(), db.session.no_autoflush:
        handout = Handout(worker=worker, person=person, campaign=campaign, user_id=user.id,
                          note=note, handed_out_at=utcnow(), state="done",
                          assistance_id=assistance_id,
                          lines=[HandoutLine(item=item, quantity=quantity)
                                 for _id, (item, quantity) in sorted(wanted.items())])
        db.session.add(handout)
        who = (worker or person).name or ""
        rows = []
        for _id, (item, quantity) in sorted(wanted.items()):
            rows += stock_out(item, quantity, "handout_out", user, note=who[:200],
                              handout=handout)
        handout.number = document_no(PREFIX, today().year)
        for row in rows:
            row.document = handout.number
        db.session.flush()
    return handout


def may_void(handout: Handout) -> bool:
    """Tell whether ``handout`` still stands and is voided here (not a grant's package)."""
    return handout.state == "done" and handout.assistance_id is None


def void_handout(handout: Handout, user, reason: str) -> None:
    """Put the goods back into the lots they came from; the hand-out stays, voided."""
    require(user, "handout", "C", _("Your role may not void hand-outs."))
    if handout.assistance_id is not None:
        raise DomainError(_("Hand-out %(no)s is a campaign grant's goods package: it is "
                            "voided by reversing that grant's payment.", no=handout.number))
    _void(handout, user, reason)


def void_package(assistance_id: int, user, reason: str) -> Handout | None:
    """Void the goods package handed out for a campaign grant (when its payment is
    reversed); return it, or None when none was handed out or it is voided already."""
    handout = db.session.scalar(select(Handout).where(Handout.assistance_id == assistance_id))
    if handout is None or handout.state != "done":
        return None
    _void(handout, user, reason)
    return handout


def _void(handout: Handout, user, reason: str) -> None:
    if handout.state != "done":
        raise DomainError(_("Hand-out %(no)s is already voided.", no=handout.number))
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Give the reason for voiding."))
    with db.session.begin_nested():
        handout.state, handout.voided_by_id = "voided", user.id
        handout.voided_at, handout.void_reason = utcnow(), reason[:200]
        db.session.flush()  # the version check: voiding twice at once reverses once
        movements = db.session.scalars(select(StockMovement).where(
            StockMovement.handout_id == handout.id, StockMovement.reason == "handout_out")
            .order_by(StockMovement.item_id, StockMovement.id)).all()
        for movement in movements:
            _reverse(movement, user, reason[:200], handout_id=handout.id)
        db.session.flush()


# --- a campaign's goods packages, in bulk --------------------------------------------------
def hand_out_packages(campaign, grants, user, audit=None) -> int:
    """Hand each grant (``(assistance id, worker id, unit id)``) the campaign's goods package
    as one hand-out; return how many. All or nothing: if usable stock of any item does not
    cover every package, one message lists each short item and nothing is written.

    Bulk statements (``models.handout_bulk``): 20,000 grants take a few seconds.
    ``audit(model, ids, user)`` (``portal.audit.log_created_since``) logs the new
    hand-outs, lines and stock movements in bulk, in the same transaction.
    """
    from models.handout_bulk import write_packages

    if not (allows(user, "handout", "C") or allows(user, "campaign", "A")):
        raise DomainError(_("Your role may not hand out goods."))
    goods = sorted((g.item_id, g.quantity) for g in campaign.goods)
    grants = list(grants)
    if not goods or not grants:
        return 0
    item_ids = [item_id for item_id, _q in goods]
    for item_id in item_ids:  # each item's row lock, in item order (also SQLite's write lock)
        db.session.execute(update(Item).where(Item.id == item_id)
                           .values(on_hand=Item.on_hand)
                           .execution_options(synchronize_session=False))
    items = {i.id: i for i in db.session.scalars(
        select(Item).where(Item.id.in_(item_ids)).execution_options(populate_existing=True))}
    lots = _usable_lots(item_ids)
    short = []
    for item_id, quantity in goods:
        need, have = quantity * len(grants), sum(n for _lot, n in lots.get(item_id, []))
        if have < need:
            item = items[item_id]
            short.append(_("%(name)s: %(need)s %(unit)s needed, %(have)s %(unit)s in stock",
                           name=item.name, need=f"{need:,}", have=f"{have:,}",
                           unit=item.unit))
    if short:
        raise DomainError(_("Not enough usable stock for the goods packages: %(short)s.",
                            short="；".join(short)))
    return write_packages(campaign, grants, user, goods, items, lots,
                          number_block(PREFIX, today().year, len(grants)), audit)


def _usable_lots(item_ids) -> dict[int, list[list[int]]]:
    """Return, per item, ``[lot id, on hand]`` of its lots within their expiry date that
    hold stock, those that expire first first (``stock_out``'s order)."""
    rows = db.session.execute(
        select(StockLot.item_id, StockLot.id, StockLot.on_hand)
        .where(StockLot.item_id.in_(item_ids), StockLot.on_hand > 0,
               or_(StockLot.expiry.is_(None), StockLot.expiry >= today()))
        .order_by(StockLot.item_id, StockLot.expiry.is_(None), StockLot.expiry, StockLot.id))
    lots: dict[int, list[list[int]]] = {}
    for item_id, lot_id, on_hand in rows:
        lots.setdefault(item_id, []).append([lot_id, on_hand])
    return lots
