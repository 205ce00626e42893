"""Visits and pairing in a year (走访慰问, 结对帮扶), for the year-end statistics.

Definitions (``as_of``: 31 December, or today for the current year):

- **visits by kind**: visits dated in the year, per kind (``VISIT_KINDS``), with the
  distinct households visited; the 三必访 are totalled apart.
- **households visited**: distinct files with a visit dated in the year.
- **live pairs at the year's end**: pairs begun on or before ``as_of`` and not ended by
  then (``ended_on`` empty or after ``as_of``); of them, cadres and units.
- **pairs made / ended in the year**: ``starts_on`` / ``ended_on`` in the year.

Each figure is one SQL aggregate over the records of ``units`` (``unit_clause``).
"""
from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from sqlalchemy import case, distinct, func, or_, select

from models.base import db
from models.pairing import Pairing
from models.report_tables import Table, _facts
from models.report_time import in_year
from models.unit_scope import ALL, unit_clause
from models.visit import MUST_VISITS, VISIT_KINDS, Visit


def visit_counts(year: int, units=ALL) -> dict:
    """Return the year's visits per kind: ``{kind: (visits, households)}``, and the totals."""
    rows = db.session.execute(
        select(Visit.kind, func.count(), func.count(distinct(Visit.worker_id)))
        .where(in_year(Visit.visited_on, year), unit_clause(Visit, units))
        .group_by(Visit.kind)).all()
    households = db.session.scalar(
        select(func.count(distinct(Visit.worker_id)))
        .where(in_year(Visit.visited_on, year), unit_clause(Visit, units)))
    by_kind = {kind: (n, h) for kind, n, h in rows}
    return {"by_kind": by_kind, "visits": sum(n for n, _h in by_kind.values()),
            "must": sum(by_kind.get(k, (0, 0))[0] for k in MUST_VISITS),
            "households": households}


def pair_counts(year: int, as_of: dt.date, units=ALL) -> dict:
    """Return the pairs live at ``as_of`` (cadres, units) and those made and ended in ``year``."""
    live = (Pairing.starts_on <= as_of) & or_(Pairing.ended_on.is_(None),
                                              Pairing.ended_on > as_of)
    row = db.session.execute(select(
        func.count(case((live, 1))),
        func.count(case((live & (Pairing.kind == "cadre"), 1))),
        func.count(case((live & (Pairing.kind == "unit"), 1))),
        func.count(case((in_year(Pairing.starts_on, year), 1))),
        func.count(case((in_year(Pairing.ended_on, year), 1))))
        .where(unit_clause(Pairing, units))).one()
    keys = ("live", "cadres", "units", "made", "ended")
    return {key: int(value) for key, value in zip(keys, row, strict=True)}


def visit_figures(year: int, as_of: dt.date, units=ALL) -> dict:
    """Return the visits and pairing figures of ``year`` (see the module docstring)."""
    return {"visits": visit_counts(year, units), "pairs": pair_counts(year, as_of, units)}


def visit_tables(f: dict) -> list:
    """Return the section's tables: visits by kind, and the pairs."""
    v, p = f["visits"], f["pairs"]
    rows = [[label, *v["by_kind"].get(code, (0, 0))] for code, label in VISIT_KINDS.items()]
    return [
        Table(_l("Visits, by kind"), [_l("Kind of visit"), _l("Visits"), _l("Households")],
              [*rows, [_l("Total"), v["visits"], v["households"]]], total=True),
        _facts(_l("Visits and pairs"), [
            (_l("Must-visits"), v["must"]),
            (_l("Households visited"), v["households"]),
            (_l("Live pairs at the year's end"), p["live"]),
            (_l("of which with cadres"), p["cadres"]),
            (_l("of which with units"), p["units"]),
            (_l("Pairs made in the year"), p["made"]),
            (_l("Pairs ended in the year"), p["ended"])]),
    ]
