"""Write a campaign's goods packages in bulk: hand-outs, their lines and stock movements
by executemany, each item's and lot's cached stock changed once, audited in bulk.

Only behind ``models.handout_rules.hand_out_packages``, which holds the items' row
locks and has checked the stock: the lots are taken in Python, those that expire first
first, as ``stock_out`` takes them one hand-out at a time.
"""
from __future__ import annotations

from sqlalchemy import insert, select, update

from models.base import DomainError, db, utcnow
from models.handout import Handout, HandoutLine
from models.inventory import Item, StockLot, StockMovement


def write_packages(campaign, grants, user, goods, items, lots, numbers, audit=None) -> int:
    """Write one hand-out per grant with ``goods`` (``(item id, quantity)``), taking the
    stock from ``lots`` (per item, ``[lot id, on hand]`` in FEFO order); return the count.
    ``audit(model, ids, user)`` logs each table's new rows in bulk."""
    now, user_id = utcnow(), getattr(user, "id", None)
    note = (campaign.name or "")[:200]
    db.session.execute(insert(Handout.__table__), [
        {"number": number, "assistance_id": assistance_id, "worker_id": worker_id,
         "person_id": None, "unit_id": unit_id, "campaign_id": campaign.id,
         "handed_out_at": now, "user_id": user_id, "note": note, "state": "done",
         "void_reason": "", "version": 1}
        for number, (assistance_id, worker_id, unit_id) in zip(numbers, grants, strict=True)])
    # The block of numbers is this transaction's alone: it finds the hand-outs just written.
    ids = dict(db.session.execute(select(Handout.number, Handout.id).where(
        Handout.number.between(numbers[0], numbers[-1]))).all())
    handout_ids = [ids[number] for number in numbers]
    lines = HandoutLine.__table__
    line_ids = db.session.scalars(insert(lines).returning(lines.c.id), [
        {"handout_id": handout_id, "item_id": item_id, "quantity": quantity}
        for handout_id in handout_ids for item_id, quantity in goods]).all()
    movements = []
    for item_id, quantity in goods:
        movements += _take(items[item_id], quantity, lots[item_id], handout_ids, numbers)
    for row in movements:
        row.update(at=now, reason="handout_out", user_id=user_id, note=note)
    stock = StockMovement.__table__
    movement_ids = db.session.scalars(insert(stock).returning(stock.c.id), movements).all()
    for item_id, quantity in goods:
        total = quantity * len(grants)
        done = db.session.execute(
            update(Item).where(Item.id == item_id, Item.on_hand >= total)
            .values(on_hand=Item.on_hand - total).returning(Item.id)
            .execution_options(synchronize_session=False)).scalar_one_or_none()
        if done is None:  # cannot happen behind the row lock; the CHECK backs it too
            raise DomainError(f"stock of item {item_id} changed")
    for lot_id, taken in _taken_per_lot(movements).items():
        db.session.execute(update(StockLot).where(StockLot.id == lot_id)
                           .values(on_hand=StockLot.on_hand - taken)
                           .execution_options(synchronize_session=False))
    for obj in list(db.session.identity_map.values()):
        if isinstance(obj, (Item, StockLot)):
            db.session.expire(obj, ["on_hand"])
    if audit is not None:  # the rows these statements returned, not others' meanwhile
        for model, ids in ((Handout, handout_ids), (HandoutLine, line_ids),
                           (StockMovement, movement_ids)):
            audit(model, ids, user)
    return len(handout_ids)


def _take(item: Item, quantity: int, lots: list[list[int]], handout_ids, numbers):
    """Yield each hand-out's movements of ``item``, with the running stock after them."""
    stock, position, rows = item.on_hand, 0, []
    for handout_id, number in zip(handout_ids, numbers, strict=True):
        need = quantity
        while need:
            lot = lots[position]
            take = min(need, lot[1])
            lot[1] -= take
            need -= take
            stock -= take
            rows.append({"item_id": item.id, "lot_id": lot[0], "quantity": -take,
                         "stock_after": stock, "lot_after": lot[1], "document": number,
                         "handout_id": handout_id})
            if not lot[1]:
                position += 1
    return rows


def _taken_per_lot(movements) -> dict[int, int]:
    taken: dict[int, int] = {}
    for row in movements:
        taken[row["lot_id"]] = taken.get(row["lot_id"], 0) - row["quantity"]
    return taken
