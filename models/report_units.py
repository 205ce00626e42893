"""Roll the figures up by org unit: whose figures a report holds, and its per-unit rows.

A report is a unit's: the figures of that unit and every unit below it. A unit with
units below it also shows one row for its own records (本级) and one per unit directly
below it (that unit with its whole subtree), then the total: the rows are disjoint, so
they add up to the total, which is taken over the whole subtree by the same definitions.
"""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from models.base import DomainError, db
from models.orgunit import OrgUnit, root_unit_id, subtree_ids
from models.report import year_figures
from models.report_tables import UNIT_PARTS
from models.report_years import YEARS_PARTS, span
from models.unit_scope import ALL, visible_units


def unit_groups(unit: OrgUnit | None) -> list[tuple[str, frozenset[int]]]:
    """Return ``(label, unit ids)`` per row of ``unit``'s breakdown: itself, then each unit
    directly below it with its subtree; none for a unit with nothing below it."""
    if unit is None or not unit.children:
        return []
    rows = [(_("%(unit)s (own records)", unit=unit.name), frozenset({unit.id}))]
    rows += [(child.name, subtree_ids(child.id)) for child in unit.children]
    return rows


def users_unit(user) -> tuple[OrgUnit | None, frozenset[int] | None]:
    """Return the unit whose report ``user`` reads, and the unit ids it covers (ALL: all)."""
    units = visible_units(user)
    unit_id = root_unit_id() if units is ALL else user.unit_id
    return (db.session.get(OrgUnit, unit_id) if unit_id is not None else None), units


def find_unit(key: str) -> OrgUnit:
    """Return the unit ``key`` names: its id or its exact name (else a DomainError)."""
    key = (key or "").strip()
    found = db.session.get(OrgUnit, int(key)) if key.isdigit() else None
    if found is None:
        named = db.session.scalars(select(OrgUnit).where(OrgUnit.name == key)).all()
        found = named[0] if len(named) == 1 else None
    if found is None:
        raise DomainError(_("No org unit %(key)s.", key=key))
    return found


def unit_report(year: int, unit: OrgUnit | None, units=ALL) -> dict:
    """Return the year-end figures of ``units`` (``unit``'s subtree), with ``unit``, its
    per-unit rows (``by_unit``: ``(label, figures)``, empty for a unit with none below) and
    the last five years' figures (``years``: ``(year, figures)``, oldest first)."""
    figures = year_figures(year, units)
    # The years side by side (``models.report_years``): this year's figures are reused;
    # the other years and the per-unit rows count only what their tables show (at a
    # million files each part over all of them takes seconds).
    years = [(y, dict(figures) if y == year else year_figures(y, units, YEARS_PARTS))
             for y in span(year)]
    figures["unit"] = unit.name if unit is not None else None
    figures["by_unit"] = [(label, year_figures(year, ids, UNIT_PARTS))
                          for label, ids in unit_groups(unit)]
    figures["years"] = years
    return figures


def report_of_unit(year: int, unit: OrgUnit | None) -> dict:
    """Return ``unit``'s report (None or the top unit: the whole tree)."""
    if unit is None or unit.id == root_unit_id():
        return unit_report(year, unit or _root(), ALL)
    return unit_report(year, unit, subtree_ids(unit.id))


def report_for_user(year: int, user) -> dict:
    """Return the report of ``user``'s unit: their units' figures, rolled up per unit."""
    unit, units = users_unit(user)
    return unit_report(year, unit, units)


def _root() -> OrgUnit | None:
    root = root_unit_id()
    return db.session.get(OrgUnit, root) if root is not None else None
