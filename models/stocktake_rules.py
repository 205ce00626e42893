"""Stocktakes: start a count, enter what is on the shelves, confirm into adjustments."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from models.base import DomainError, db, today, utcnow
from models.guards import Guards, unless
from models.inventory import Item
from models.inventory_rules import stock_in, stock_out
from models.ledger_text import stocktake_note
from models.numbering import document_no
from models.stocktake import Stocktake, StocktakeLine
from models.unit_scope import home_unit

CONSTRAINT_MESSAGES = {
    "uq_stocktake_one_open": lambda: _("Another stocktake is still being counted; confirm or "
                                       "delete it first."),
}


def start_stocktake(user, category: str | None = None, note: str = "") -> Stocktake:
    """Open a count of every item on offer (of one category) of the user's unit (its shelves:
    a station's count is not the county's), with today's book figures."""
    unit = home_unit(user)
    if db.session.scalar(select(Stocktake.id).where(Stocktake.state == "open",
                                                   Stocktake.unit_id == unit)):
        raise DomainError(_("Another stocktake is still being counted; confirm or delete it "
                            "first."))
    query = select(Item).where(Item.active.is_(True), Item.unit_id == unit).order_by(
        Item.category, Item.name)
    if category:
        query = query.where(Item.category == category)
    items = db.session.scalars(query).all()
    if not items:
        raise DomainError(_("There are no items on offer to count."))
    stocktake = Stocktake(number=document_no("PD", today().year, width=4), unit_id=unit,
                          category=category or None, note=note or "",
                          started_by_id=user.id, started_at=utcnow(),
                          lines=[StocktakeLine(item=i, book=i.on_hand) for i in items])
    db.session.add(stocktake)
    db.session.flush()
    return stocktake


def _require_open(stocktake: Stocktake) -> None:
    if stocktake.state != "open":
        raise DomainError(_("Stocktake %(no)s is already confirmed.", no=stocktake.number))


GUARDS = Guards(delete=unless(lambda stocktake: stocktake.state == "open",
                              _l("A confirmed stocktake stays on record.")))


def parse_counts(stocktake: Stocktake, form) -> dict[int, int | None]:
    """Return the counts typed on the sheet (``counted-<line id>`` fields) by line id."""
    counts = {}
    for line in stocktake.lines:
        raw = form.get(f"counted-{line.id}")
        if raw is None:
            continue
        raw = raw.strip()
        if raw and not raw.isdecimal():
            raise DomainError(_("Counted quantities are whole numbers, zero or more."))
        counts[line.id] = int(raw) if raw else None
    return counts


def record_counts(stocktake: Stocktake, counts: dict[int, int | None], user) -> int:
    """Store counted quantities by line id; the book figure is taken as each count is entered,
    so goods moving while the count runs are not adjusted twice. Return lines changed."""
    _require_open(stocktake)
    changed = 0
    for line in stocktake.lines:
        if line.id not in counts or counts[line.id] == line.counted:
            continue
        counted = counts[line.id]
        if counted is not None and (not isinstance(counted, int) or counted < 0):
            raise DomainError(_("Counted quantities are whole numbers, zero or more."))
        db.session.refresh(line.item, ["on_hand"])
        line.counted, line.book = counted, line.item.on_hand
        line.counted_by_id, line.counted_at = user.id, utcnow()
        changed += 1
    db.session.flush()
    return changed


def confirm_stocktake(stocktake: Stocktake, user) -> int:
    """Post one adjustment per item whose count differs from its book; return how many."""
    _require_open(stocktake)
    missing = [line.item.name for line in stocktake.lines if line.counted is None]
    if missing:
        raise DomainError(_("%(n)d item(s) are not counted yet: %(names)s", n=len(missing),
                            names="、".join(missing[:10])))
    stocktake.state, stocktake.confirmed_by_id, stocktake.confirmed_at = (
        "confirmed", user.id, utcnow())
    db.session.flush()  # the version check: confirming twice at once adjusts once
    adjusted = 0
    for line in sorted(stocktake.lines, key=lambda x: x.item_id):
        diff, note = line.difference, stocktake_note(stocktake.number)
        if diff > 0:
            stock_in(line.item, diff, "stocktake", user, document=stocktake.number,
                     note=note, stocktake_id=stocktake.id)
        elif diff < 0:  # the earliest expiry goes first: expired goods are the likely loss
            stock_out(line.item, -diff, "stocktake", user, document=stocktake.number,
                      note=note, expired_too=True, stocktake_id=stocktake.id)
        adjusted += bool(diff)
    db.session.flush()
    return adjusted
