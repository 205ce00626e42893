"""Import goods on offer from Excel, upserting by item name with the item form's rules."""
from __future__ import annotations

from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import inspect, select

from models import Item, db
from models.choices import ITEM_CATEGORIES
from models.unit_scope import home_unit
from portal.excel.record_import import CREATED, UNCHANGED, UPDATED, RowError, RowImporter
from portal.excel.spec import Spec, columns_of

ITEM_KEYS = ["name", "category", "unit", "barcode", "points_price", "low_stock", "active",
             "notes", "on_hand"]
# Columns whose empty cell means "nothing": it clears the value. An empty cell in the
# other optional columns keeps an existing item's value (a new item gets the default).
CLEARABLE = ("barcode", "notes")


def spec() -> Spec:
    """Return the spec of goods on offer; the stock on hand is exported, never imported."""
    columns = columns_of(Item, ITEM_KEYS, name={"width": 24}, barcode={"width": 16},
                         on_hand={"export_only": True, "required": False},
                         notes={"width": 30})
    examples = {"name": "大米 5kg", "category": str(ITEM_CATEGORIES["grain_oil"]),
                "unit": "袋", "barcode": "6901234567892", "points_price": Decimal("45.00"),
                "low_stock": 5, "active": "是", "notes": ""}
    return Spec("item", Item, _l("Goods on offer"), columns, key="name",
                importer=ItemImporter(), extra={"examples": examples})


def _check_length(key: str, value) -> None:
    """Refuse text longer than its column holds (PostgreSQL would refuse the whole file)."""
    length = getattr(inspect(Item).columns[key].type, "length", None)
    if isinstance(value, str) and length and len(value) > length:
        raise RowError(key, _("At most %(n)d characters.", n=length))


class ItemImporter(RowImporter):
    """Create or update one item per row, matched by its name."""

    key = ("name",)

    def apply(self, row: dict, user) -> str:
        """Create the item or change its fields that differ; refuse what the form refuses."""
        values = self._values(row)
        # The importer's own unit's goods: each unit's supermarket keeps its own list.
        unit = home_unit(user)
        item = db.session.scalar(select(Item).where(Item.unit_id == unit,
                                                    Item.name == values["name"]))
        self._check_barcode(values.get("barcode"), item, unit)
        if item is None:
            db.session.add(Item(**values, unit_id=unit))  # the audit listener records it
            return CREATED
        changed = False
        for key, value in values.items():
            if getattr(item, key) != value:
                setattr(item, key, value)
                changed = True
        return UPDATED if changed else UNCHANGED

    def _values(self, row: dict) -> dict:
        """Return the row's values to set, checked like the item form checks them."""
        values = {}
        for key, value in row.items():
            if key.startswith("_") or key == "on_hand":
                continue
            if key in CLEARABLE:
                value = (value or "").strip() or (None if key == "barcode" else "")
            elif value is None:
                continue
            _check_length(key, value)
            values[key] = value
        if values.get("low_stock") is not None and values["low_stock"] < 0:
            raise RowError("low_stock", _("Cannot be negative."))
        return values

    def _check_barcode(self, barcode: str | None, item: Item | None, unit: int) -> None:
        """Refuse a barcode another item of the unit holds, naming that item."""
        if not barcode:
            return
        query = select(Item.name).where(Item.unit_id == unit, Item.barcode == barcode)
        if item is not None:
            query = query.where(Item.id != item.id)
        holder = db.session.scalar(query)
        if holder is not None:
            raise RowError("barcode", _("Barcode %(barcode)s is already used by %(name)s.",
                                        barcode=barcode, name=holder))
