"""Stock moves only through here: a guarded UPDATE of the cached stock and a ledger row.

The item's row is always updated first, so every change of one item's stock
queues on that row lock; its lots are read and changed only behind it. CHECK
constraints on both caches back the guards. Functions add rows to the session
without flushing; callers flush or commit (a redemption numbers its document last).
"""
from __future__ import annotations

import datetime as dt
import functools

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Date, Integer, and_, bindparam, exists, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from models.base import CHINA, DomainError, db, today, utcnow
from models.guards import Guards, ids_used_by
from models.inventory import OUT_REASONS, Item, StockLot, StockMovement
from models.pinyin import initials

MANUAL_REASONS = ("purchase_in", "handout_out", "loss_out")
EXPIRING_DAYS = 30

CONSTRAINT_MESSAGES = {
    "on_hand_not_negative": lambda: _("Stock cannot go below zero."),
    "uq_item_unit_name": lambda: _("An item with this name exists."),
    "item.name": lambda: _("An item with this name exists."),
    "uq_item_unit_barcode": lambda: _("Another item has this barcode."),
    "item.barcode": lambda: _("Another item has this barcode."),
    "uq_stock_movement_reverses_id": lambda: _("This movement has already been reversed."),
}


def _item_delete_refusal(item: Item):
    """Refuse to delete an item that has stock movements: the ledger keeps it."""
    if ids_used_by(StockMovement.item_id, [item]):
        return _l("An item with stock movements stays on record; untick “Offered” instead.")
    return None


ITEM_GUARDS = Guards(delete=_item_delete_refusal,
                     deletes_refused=lambda items: ids_used_by(StockMovement.item_id, items))


@functools.cache
def _add_statement(model):
    """Return the guarded UPDATE adding ``:delta`` to the cached stock of row ``:pk``:
    built once (a statement built per call cost three times its round trip)."""
    table = model.__table__
    after = table.c.on_hand + bindparam("delta", type_=Integer)
    return (update(table).where(table.c.id == bindparam("pk", type_=Integer), after >= 0)
            .values(on_hand=after).returning(table.c.on_hand))


def _add(model, pk: int, delta: int) -> int | None:
    """Add ``delta`` to the cached stock of one row unless it would go below zero."""
    value = db.session.execute(_add_statement(model), {"pk": pk, "delta": delta}
                               ).scalar_one_or_none()
    _expire_stock(model, pk)
    return value


def _expire_stock(model, pk) -> None:
    """Forget the cached stock of row ``pk`` if the session holds it: a statement changed it."""
    loaded = db.session.identity_map.get(db.session.identity_key(model, pk))
    if loaded is not None:
        db.session.expire(loaded, ["on_hand"])


def _check_quantity(quantity) -> int:
    if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity <= 0:
        raise DomainError(_("Quantities are whole numbers above zero."))
    return quantity


def lot_for(item: Item, lot_no: str = "", expiry: dt.date | None = None) -> StockLot:
    """Return the item's lot with this lot no. and expiry, making it if new."""
    key = StockLot.key(lot_no, expiry)
    query = select(StockLot).where(StockLot.item_id == item.id, StockLot.lot_key == key)
    lot = db.session.scalar(query)
    if lot is None:
        try:
            with db.session.begin_nested():
                lot = StockLot(item_id=item.id, lot_no=(lot_no or "").strip(), expiry=expiry,
                               lot_key=key, on_hand=0, received_on=today())
                db.session.add(lot)
        except IntegrityError:  # made by a concurrent transaction just now
            lot = db.session.scalar(query)
    return lot


def _row(item, lot_id, delta, reason, user, stock_after, document, note, lot_after=None,
         **links):
    if lot_after is None:  # else the lot was changed already (``_take_from_first_lot``)
        lot_after = _add(StockLot, lot_id, delta)
    if lot_after is None:
        lot = db.session.get(StockLot, lot_id)
        db.session.refresh(lot, ["on_hand"])
        raise DomainError(_("Lot %(lot)s of %(name)s holds %(n)d %(unit)s; %(m)d needed.",
                            lot=str(lot), name=item.name, n=lot.on_hand, unit=item.unit,
                            m=-delta))
    movement = StockMovement(item_id=item.id, lot_id=lot_id, reason=reason, quantity=delta,
                             stock_after=stock_after, lot_after=lot_after, document=document,
                             note=note, user_id=getattr(user, "id", None), at=utcnow(), **links)
    db.session.add(movement)
    return movement


def stock_in(item: Item, quantity: int, reason: str, user, lot_no: str = "",
             expiry: dt.date | None = None, document: str = "", note: str = "",
             **links) -> StockMovement:
    """Put ``quantity`` units of ``item`` into stock, in the lot given by lot no. and expiry."""
    _check_quantity(quantity)
    lot = lot_for(item, lot_no, expiry)
    stock_after = _add(Item, item.id, quantity)
    return _row(item, lot.id, quantity, reason, user, stock_after, document, note, **links)


def _shortage(item: Item, wanted: int, usable: int | None = None) -> DomainError:
    db.session.refresh(item, ["on_hand"])
    if usable is not None:
        return DomainError(_("Only %(n)d %(unit)s of %(name)s are within their expiry date; "
                             "%(m)d asked.", n=usable, unit=item.unit, name=item.name,
                             m=wanted))
    return DomainError(_("Only %(n)d %(unit)s of %(name)s in stock; %(m)d asked.",
                         n=item.on_hand, unit=item.unit, name=item.name, m=wanted))


@functools.cache
def _first_lots(expired_too: bool):
    """Return the query of item ``:of_item``'s lots holding stock, those that expire first
    first (not those expired before ``:today`` unless ``expired_too``); built once."""
    lots = StockLot.__table__
    query = select(lots.c.id, lots.c.on_hand).where(
        lots.c.item_id == bindparam("of_item", type_=Integer), lots.c.on_hand > 0)
    if not expired_too:
        query = query.where(or_(lots.c.expiry.is_(None),
                                lots.c.expiry >= bindparam("today", type_=Date)))
    return query.order_by(lots.c.expiry.is_(None), lots.c.expiry, lots.c.id)


def _lot_params(item: Item) -> dict:
    return {"of_item": item.id, "today": today()}


@functools.cache
def _take_statement(expired_too: bool):
    """Return the UPDATE taking ``:quantity`` from the first of ``_first_lots`` if it
    holds them all; built once."""
    lots = StockLot.__table__
    first = _first_lots(expired_too).with_only_columns(lots.c.id).limit(1)
    quantity = bindparam("quantity", type_=Integer)
    return (update(lots).where(lots.c.id == first.scalar_subquery(), lots.c.on_hand >= quantity)
            .values(on_hand=lots.c.on_hand - quantity).returning(lots.c.id, lots.c.on_hand))


def _take_from_first_lot(item: Item, quantity: int, expired_too: bool):
    """Take ``quantity`` from the lot that goes first if it holds them all, in one
    statement (the counter's usual case); return ``(lot id, lot stock after)`` or None.

    Only behind the item's row lock: no other change of its lots can come in between.
    """
    taken = db.session.execute(_take_statement(expired_too),
                               {**_lot_params(item), "quantity": quantity}).one_or_none()
    if taken is not None:
        _expire_stock(StockLot, taken[0])
    return taken


@functools.cache
def _item_and_first_lot_statement(expired_too: bool):
    """Return the statement doing ``_add`` on the item, then ``_take_from_first_lot``
    behind its row lock, in one round trip (PostgreSQL); built once.

    The lot's UPDATE waits for the item's (its one-time filter reads the item's CTE), so
    every change of an item's stock still queues on the item's row first. Its choice of
    lot is read with the statement's snapshot: when the item's row was waited for, a lot
    emptied meanwhile fails its guard (re-checked on the row as committed) and no lot is
    taken; the caller then plans from the lots as they are now.
    """
    items = _add_statement(Item).cte("item_after")
    lots = _take_statement(expired_too).where(exists(select(items.c.on_hand))).cte("lot_after")
    return select(select(items.c.on_hand).scalar_subquery(),
                  select(lots.c.id).scalar_subquery(), select(lots.c.on_hand).scalar_subquery())


def _take(item: Item, quantity: int, from_first_lot: bool, expired_too: bool):
    """Take ``quantity`` off ``item``'s stock, locking its row until commit, and, if
    ``from_first_lot``, off the first lot if it holds them all. Return the item's stock
    after (None: too few, nothing changed) and ``(lot id, lot stock after)`` or None."""
    if from_first_lot and db.session.get_bind().dialect.name == "postgresql":
        new_total, lot_id, lot_after = db.session.execute(
            _item_and_first_lot_statement(expired_too),
            {"pk": item.id, "delta": -quantity, "quantity": quantity, **_lot_params(item)}
        ).one()
        _expire_stock(Item, item.id)
        if lot_id is None:
            return new_total, None
        _expire_stock(StockLot, lot_id)
        return new_total, (lot_id, lot_after)
    new_total = _add(Item, item.id, -quantity)
    if new_total is None or not from_first_lot:
        return new_total, None
    return new_total, _take_from_first_lot(item, quantity, expired_too)


def stock_out(item: Item, quantity: int, reason: str, user, document: str = "",
              note: str = "", lot: StockLot | None = None, expired_too: bool = False,
              **links) -> list[StockMovement]:
    """Take ``quantity`` units of ``item`` out of stock: from ``lot``, or the lots that
    expire first. Expired units are taken only with ``expired_too`` (write-offs, counts)."""
    _check_quantity(quantity)
    new_total, taken = _take(item, quantity, lot is None, expired_too)
    if new_total is None:
        raise _shortage(item, quantity)
    if lot is not None:
        plan = [(lot.id, quantity)]
    elif taken:
        return [_row(item, taken[0], -quantity, reason, user, new_total, document, note,
                     lot_after=taken[1], **links)]
    else:
        lots = db.session.execute(_first_lots(expired_too), _lot_params(item)).all()
        plan, need = [], quantity
        for lot_id, on_hand in lots:
            if need:
                plan.append((lot_id, min(need, on_hand)))
                need -= plan[-1][1]
        if need:
            raise _shortage(item, quantity, usable=quantity - need)
    stock_after, rows = new_total + quantity, []
    for lot_id, take in plan:
        stock_after -= take
        rows.append(_row(item, lot_id, -take, reason, user, stock_after, document, note,
                         **links))
    return rows


def _reverse(movement: StockMovement, user, note: str, **links) -> StockMovement:
    """Post the movement that undoes ``movement``, in the same lot."""
    delta = -movement.quantity
    stock_after = _add(Item, movement.item_id, delta)
    if stock_after is None:
        raise _shortage(movement.item, -delta)
    return _row(movement.item, movement.lot_id, delta, "reversal", user, stock_after,
                movement.document, note, reverses_id=movement.id, **links)


def reverse_movement(movement: StockMovement, user, note: str) -> StockMovement:
    """Undo a mistaken manual movement or count with a reversing movement and its reason."""
    if not (note or "").strip():
        raise DomainError(_("Give the reason for the reversal."))
    if movement.reason == "reversal":
        raise DomainError(_("A reversing movement cannot itself be reversed."))
    if movement.reason == "donation_in":
        raise DomainError(_("Donated goods come back out by voiding the donation."))
    if movement.reason == "redemption_out":
        raise DomainError(_("Redeemed goods come back by voiding the redemption."))
    if movement.handout_id is not None and movement.reason == "handout_out":
        raise DomainError(_("Goods of a hand-out come back by voiding the hand-out."))
    if db.session.scalar(select(StockMovement.id).where(
            StockMovement.reverses_id == movement.id)):
        raise DomainError(_("This movement has already been reversed."))
    return _reverse(movement, user, note.strip())


def post_manual(item: Item, reason: str, quantity: int, user, lot_no: str = "",
                expiry: dt.date | None = None, document: str = "",
                note: str = "") -> list[StockMovement]:
    """Record a purchase, a hand-out or a write-off entered by a clerk."""
    if reason not in MANUAL_REASONS:
        raise DomainError(_("Choose a purchase, a hand-out or a write-off."))
    if item is None:
        raise DomainError(_("Choose the item."))
    if reason in OUT_REASONS and not (note or "").strip():
        raise DomainError(_("Give the reason for taking goods out."))
    if reason == "purchase_in":
        return [stock_in(item, quantity, reason, user, lot_no, expiry, document, note)]
    lot = None
    if (lot_no or "").strip() or expiry:
        lot = db.session.scalar(select(StockLot).where(
            StockLot.item_id == item.id, StockLot.lot_key == StockLot.key(lot_no, expiry)))
        if lot is None:
            raise DomainError(_("%(name)s has no lot %(lot)s in stock.", name=item.name,
                                lot=StockLot.key(lot_no, expiry).replace("|", " ")))
    return stock_out(item, quantity, reason, user, document, note, lot=lot,
                     expired_too=reason == "loss_out")


# --- what the clerk's lists show -------------------------------------------------------
def low_stock_clause():
    """Return the condition selecting items on offer at or below their threshold."""
    return and_(Item.active.is_(True), Item.on_hand <= Item.low_stock)


def expired_clause():
    return and_(StockLot.on_hand > 0, StockLot.expiry < today())


def expiring_clause(days: int = EXPIRING_DAYS):
    return and_(StockLot.on_hand > 0, StockLot.expiry >= today(),
                StockLot.expiry <= today() + dt.timedelta(days=days))


def local_day_start(day: dt.date | None = None) -> dt.datetime:
    """Return the UTC time at which ``day`` (default: today in China) begins in China."""
    day = day or (utcnow() + CHINA).date()
    return dt.datetime.combine(day, dt.time()) - CHINA


def usable_stock(item_ids) -> dict[int, int]:
    """Return, per item, the units on hand that are within their expiry date."""
    item_ids = list(item_ids)
    if not item_ids:  # the counter's goods search found nothing
        return {}
    rows = db.session.execute(
        select(StockLot.item_id, func.sum(StockLot.on_hand))
        .where(StockLot.item_id.in_(item_ids),
               or_(StockLot.expiry.is_(None), StockLot.expiry >= today()))
        .group_by(StockLot.item_id)).all()
    return {item_id: int(total or 0) for item_id, total in rows}


def stock_differences() -> list[tuple[str, int, int]]:
    """Return ``(what, shown, ledger)`` for every item or lot whose cached stock is wrong."""
    found = []
    for model, column, what in (
            (Item, StockMovement.item_id, lambda x: _("Item %(name)s", name=x.name)),
            (StockLot, StockMovement.lot_id, lambda x: _("Lot %(lot)s of %(name)s",
                                                         lot=str(x), name=x.item.name))):
        sums = dict(db.session.execute(select(column, func.sum(StockMovement.quantity))
                                       .group_by(column)).all())
        for row in db.session.scalars(select(model).order_by(model.id)):
            ledger = int(sums.get(row.id) or 0)
            if row.on_hand != ledger:
                found.append((what(row), row.on_hand, ledger))
    return found


def keep_item_search_keys(session, flush_context, instances):
    for obj in list(session.new) + list(session.dirty):
        if isinstance(obj, Item):
            obj.barcode = (obj.barcode or "").strip() or None
            obj.initials = initials(obj.name)
