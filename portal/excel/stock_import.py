"""Import a purchase's stock-in lines from Excel, and take an exported stock ledger back.

The ledger is append-only, so a row never changes a movement: a row that matches one
already in the ledger (same kind, item, document no., lot and quantity) is unchanged,
and any other row must be a new purchase line, posted through the stock rules like
the form posts it. A purchase line (document no., item and lot) already posted with
another quantity is refused: the clerk reverses it in the ledger first. A row that
matches a reversed purchase is also taken as that line: re-posting it would quietly
undo the reversal when an old delivery list is uploaded again.
"""
from __future__ import annotations

from collections import defaultdict

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select
from sqlalchemy.orm import aliased

from models import Item, StockLot, StockMovement, User, db
from models.base import DomainError
from models.choices import MOVEMENT_REASONS
from models.inventory_rules import post_manual
from models.lookup import chunks
from models.unit_scope import acting_user, home_unit
from portal.excel.record_import import CREATED, UNCHANGED, RowError, RowImporter
from portal.excel.spec import Column, Spec, columns_of

PURCHASE = "purchase_in"
DERIVED = {"export_only": True, "required": False}
LIMITED = {"lot_no": StockLot.__table__.c.lot_no, "document": StockMovement.__table__.c.document,
           "note": StockMovement.__table__.c.note}


def _of(model, column, link):
    """Return ``model.column`` of the row ``link`` points to, as a correlated subquery."""
    alias = aliased(model)  # an alias, so a list filter joining the table cannot absorb it
    return select(getattr(alias, column)).where(alias.id == link).scalar_subquery()


def spec() -> Spec:
    """Return the spec of the stock ledger: every movement exports, purchases import."""
    user = aliased(User)
    entered_by = select(func.coalesce(func.nullif(user.full_name, ""), user.username)).where(
        user.id == StockMovement.user_id).scalar_subquery()
    moved = columns_of(StockMovement, ["reason", "quantity", "document", "note",
                                       "stock_after", "lot_after"],
                       reason={"required": False}, note={"width": 24},
                       stock_after=DERIVED, lot_after=DERIVED)
    by_key = {c.key: c for c in moved}
    columns = [
        *columns_of(StockMovement, ["at"], at={**DERIVED, "width": 17}),
        Column("item", _l("Item"), required=True, width=24,
               expr=_of(Item, "name", StockMovement.item_id)),
        by_key["reason"], by_key["quantity"],
        Column("lot_no", _l("Lot no."), expr=_of(StockLot, "lot_no", StockMovement.lot_id)),
        Column("expiry", _l("Expiry date"), kind="date",
               expr=_of(StockLot, "expiry", StockMovement.lot_id)),
        by_key["document"], by_key["note"], by_key["stock_after"], by_key["lot_after"],
        Column("user", _l("Entered by"), export_only=True, expr=entered_by),
    ]
    examples = {"item": "大米 5kg", "reason": str(MOVEMENT_REASONS[PURCHASE]),
                "quantity": 20, "lot_no": "20260110", "document": "CG-2026-001",
                "note": _("Supplier delivery")}
    return Spec("stockmovement", StockMovement, _l("Stock ledger"), columns,
                importer=StockInImporter(), extra={"examples": examples})


class StockInImporter(RowImporter):
    """Post new purchase lines; recognise every row already in the ledger."""

    def prepare(self, rows: list[dict], spec) -> None:
        """Find the rows' items and the ledger's movements of those items, once."""
        wanted = {r["item"] for r in rows if r.get("item")}
        self._by_name, self._by_code = {}, {}
        unit = home_unit(acting_user())  # the importer's own unit's goods and ledger
        for chunk in chunks(wanted):
            for item in db.session.scalars(select(Item).where(
                    Item.unit_id == unit, or_(Item.name.in_(chunk), Item.barcode.in_(chunk)))):
                self._by_name[item.name.strip()] = item
                if item.barcode:
                    self._by_code[item.barcode] = item
        # What the ledger holds: movement ids by signature, and purchases not reversed.
        self._pool: dict[tuple, list[int]] = defaultdict(list)
        self._posted: dict[tuple, int] = defaultdict(int)
        self._live: set[int] = set()
        self._seen: dict[tuple, int] = {}
        ids = sorted({i.id for i in (*self._by_name.values(), *self._by_code.values())})
        found = []
        for chunk in chunks(ids):
            found.extend(db.session.execute(
                select(StockMovement.id, StockMovement.reason, StockMovement.item_id,
                       StockMovement.document, StockLot.lot_key, StockMovement.quantity,
                       StockMovement.reverses_id)
                .join(StockLot, StockLot.id == StockMovement.lot_id)
                .where(StockMovement.item_id.in_(chunk))
                .order_by(StockMovement.id)).all())
        reversed_ids = {r.reverses_id for r in found if r.reverses_id}
        for row in found:
            sig = (row.reason, row.item_id, (row.document or "").strip(), row.lot_key,
                   row.quantity)
            self._pool[sig].append(row.id)
            if row.reason == PURCHASE and row.id not in reversed_ids:
                self._live.add(row.id)
                self._posted[sig[1:4]] += row.quantity

    def apply(self, row: dict, user) -> str:
        """Recognise the row in the ledger, or post it as a new purchase line."""
        item = self._item(row.get("item"))
        reason = row.get("reason") or PURCHASE
        quantity = row["quantity"]
        document = (row.get("document") or "").strip()
        lot_no = (row.get("lot_no") or "").strip()
        line = (item.id, document, StockLot.key(lot_no, row.get("expiry")))
        matches = self._pool.get((reason, *line, quantity))
        if matches:
            if matches.pop(0) in self._live:
                self._seen.setdefault(line, row["_row"])
            return UNCHANGED
        if reason != PURCHASE:
            raise RowError("reason", _(
                "No such movement in the stock ledger. Only purchase lines can be "
                "imported; other movements are entered on their own pages."))
        self._check_new(line, row, item)
        movement = post_manual(item, PURCHASE, quantity, user, lot_no, row.get("expiry"),
                               document, (row.get("note") or "").strip())[0]
        db.session.flush()
        self._check_concurrent(movement)
        self._seen[line] = row["_row"]
        return CREATED

    def _item(self, text: str | None) -> Item:
        text = (text or "").strip()
        item = self._by_name.get(text) or self._by_code.get(text)
        if item is None:
            raise RowError("item", _("No item is named %(value)s or has it as barcode; "
                                     "add the item under Goods on offer first.", value=text))
        return item

    def _check_new(self, line: tuple, row: dict, item: Item) -> None:
        """Refuse a new purchase line the file or the ledger already holds, or incomplete."""
        if line in self._seen:
            raise RowError("document", _(
                "Same purchase line (document no., item and lot) as row %(row)d.",
                row=self._seen[line]))
        if self._posted.get(line):
            raise RowError("quantity", _(
                "Document %(document)s already has %(n)d %(unit)s of %(name)s posted in this "
                "lot. The stock ledger is never changed: reverse that movement in the stock "
                "ledger first, then import again.", document=line[1] or "—",
                n=self._posted[line], unit=item.unit, name=item.name))
        if not line[1]:
            raise RowError("document", _(
                "A purchase needs the supplier's invoice or delivery note no."))
        if row["quantity"] <= 0:
            raise RowError("quantity", _("Quantities are whole numbers above zero."))
        for key, column in LIMITED.items():  # PostgreSQL would refuse the whole file
            if len(row.get(key) or "") > column.type.length:
                raise RowError(key, _("At most %(n)d characters.", n=column.type.length))

    def _check_concurrent(self, movement: StockMovement) -> None:
        """Refuse the line if another import posted it meanwhile (seen once the item's row
        lock, taken by posting, is ours)."""
        reversal = aliased(StockMovement)
        other = db.session.scalar(select(StockMovement.id).where(
            StockMovement.id != movement.id, StockMovement.reason == PURCHASE,
            StockMovement.item_id == movement.item_id, StockMovement.lot_id == movement.lot_id,
            func.trim(StockMovement.document) == movement.document,
            ~select(reversal.id).where(reversal.reverses_id == StockMovement.id).exists()))
        if other is not None:
            raise DomainError(_("Conflicts with a record saved meanwhile; check the list "
                                "and try again."))

