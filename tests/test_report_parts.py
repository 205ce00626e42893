"""The five-years table and the per-unit rows count only the parts of a year's figures
they show (``YEARS_PARTS``, ``UNIT_PARTS``), and show what the whole figures would."""
from __future__ import annotations

from models import db
from models.base import today
from models.orgunit import OrgUnit, root_unit_id
from models.report import PARTS, year_figures
from models.report_tables import UNIT_PARTS, unit_cells
from models.report_units import unit_groups
from models.report_years import YEARS_PARTS, span, years_rows


def test_parts_are_parts_of_the_figures():
    assert set(PARTS) >= YEARS_PARTS | UNIT_PARTS


def test_the_tables_show_the_same_from_their_parts(ctx, demo):
    year = today().year
    whole = [(y, year_figures(y)) for y in span(year)]
    parts = [(y, year_figures(y, parts=YEARS_PARTS)) for y in span(year)]
    assert set(parts[0][1]) == YEARS_PARTS | {"year", "as_of"}
    assert years_rows(parts) == years_rows(whole)
    groups = unit_groups(db.session.get(OrgUnit, root_unit_id()))
    assert len(groups) > 1, "the demo centre has units below the top"
    for _label, ids in groups:
        assert unit_cells(year_figures(year, ids, UNIT_PARTS)) == unit_cells(
            year_figures(year, ids))
