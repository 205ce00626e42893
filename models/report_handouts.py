"""Goods handed out to named people in a year (物资发放), for the year-end statistics.

Definitions:

- **hand-outs**: hand-outs made in the year (``handed_out_at``, China time) that stand
  (not voided); of them, campaign goods packages (``assistance_id`` set).
- **pieces handed out**: the sum of their lines' quantities, in all and per item
  category (``ITEM_CATEGORIES``: 发放衣物 is the clothing and bedding category).
- **people**: distinct recipients: workers on file plus desk persons (a worker and a desk
  person are counted apart even when the person is linked to the worker's file); per
  category, the distinct recipients of that category's goods.

Each figure is one SQL aggregate over the hand-outs of ``units`` (``unit_clause``).
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import distinct, func, select

from models.base import db
from models.choices import ITEM_CATEGORIES
from models.handout import Handout, HandoutLine
from models.inventory import Item
from models.report_tables import Table, _facts
from models.report_time import in_year
from models.unit_scope import ALL, unit_clause


def _standing(year: int, units):
    return (Handout.state == "done", in_year(Handout.handed_out_at, year, timed=True),
            unit_clause(Handout, units))


def handout_figures(year: int, units=ALL) -> dict:
    """Return the year's hand-out figures (see the module docstring)."""
    where = _standing(year, units)
    count, packages, workers, persons = db.session.execute(select(
        func.count(), func.count(Handout.assistance_id),
        func.count(distinct(Handout.worker_id)), func.count(distinct(Handout.person_id)))
        .where(*where)).one()
    rows = db.session.execute(
        select(Item.category, func.sum(HandoutLine.quantity),
               func.count(distinct(Handout.worker_id)), func.count(distinct(Handout.person_id)))
        .join(Handout, Handout.id == HandoutLine.handout_id)
        .join(Item, Item.id == HandoutLine.item_id)
        .where(*where).group_by(Item.category)).all()
    by_category = {category: (int(pieces or 0), int(w) + int(p))
                   for category, pieces, w, p in rows}
    return {"handouts": int(count), "packages": int(packages),
            "people": int(workers) + int(persons), "workers": int(workers),
            "persons": int(persons),
            "pieces": sum(pieces for pieces, _people in by_category.values()),
            "by_category": by_category}


def handout_tables(f: dict) -> list[Table]:
    """Return the section's tables: pieces and people per item category, and the totals."""
    rows = [[label, *f["by_category"][code]] for code, label in ITEM_CATEGORIES.items()
            if code in f["by_category"]]
    return [
        Table(_l("Goods handed out, by item category"),
              [_l("Item category"), _l("Pieces handed out"), _l("People")],
              [*rows, [_l("Total"), f["pieces"], f["people"]]], total=True),
        _facts(_l("Goods hand-outs"), [
            (_l("Hand-outs"), f["handouts"]),
            (_l("of which campaign goods packages"), f["packages"]),
            (_l("People who received goods"), f["people"]),
            (_l("of which hardship workers"), f["workers"]),
            (_l("of which people served at the desk"), f["persons"])]),
    ]
