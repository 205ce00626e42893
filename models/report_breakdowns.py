"""The year-end tables that break figures down further, each with the chart drawn over it:
money raised by source and fund, aid by month, school aid by level, files by category,
低保 households, files by base union, and the last five years side by side.

Cells follow ``models.report_tables``: ``int`` a count, ``Decimal`` yuan, else text.
"""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from models.choices import ASSISTANCE_KINDS, FUND_SOURCES, SCHOOL_LEVELS, WORKER_CATEGORIES
from models.report_aid import MONTHS
from models.report_tables import ZERO, Chart, Table
from models.report_years import years_rows


def funds_tables(f: dict) -> list[Table]:
    """Return the money raised by source (charted) and by fund."""
    by_source = [[label, f["by_source"][source]] for source, label in FUND_SOURCES.items()]
    by_fund = [[name, FUND_SOURCES.get(g["source"], g["source"]), g["allocation_in"],
                g["donation_in"], g["total"]] for name, g in f["by_fund"].items()]
    allocated = sum((g["allocation_in"] for g in f["by_fund"].values()), ZERO)
    donated = sum((g["donation_in"] for g in f["by_fund"].values()), ZERO)
    return [
        Table(_l("Money raised, by source"), [_l("Source"), _l("Amount raised (yuan)")],
              [*by_source, [_l("Total"), f["total"]]], total=True,
              chart=Chart("funds", _l("Money raised, by source"), (1,))),
        Table(_l("Money raised, by fund"),
              [_l("Fund"), _l("Source"), _l("Allocations (yuan)"),
               _l("Donations of money (yuan)"), _l("Total (yuan)")],
              [*by_fund, [_l("Total"), "", allocated, donated, f["total"]]], total=True),
    ]


def monthly_table(monthly: dict) -> Table:
    """Return the aid paid per month and kind in yuan (stacked by kind), 人次 and total."""
    kinds = list(ASSISTANCE_KINDS)
    empty = [(0, ZERO)] * len(MONTHS)
    rows = []
    for index, month in enumerate(MONTHS):
        amounts = [monthly.get(kind, empty)[index][1] for kind in kinds]
        times = sum(monthly.get(kind, empty)[index][0] for kind in kinds)
        rows.append([_("Month %(n)d", n=month), *amounts, sum(amounts, ZERO), times])
    totals = [sum((row[i] for row in rows), ZERO) for i in range(1, len(kinds) + 2)]
    return Table(_l("Aid paid by month and kind (yuan)"),
                 [_l("Month"), *ASSISTANCE_KINDS.values(), _l("Total (yuan)"), _l("Times aided")],
                 [*rows, [_l("Total"), *totals, sum(row[-1] for row in rows)]], total=True,
                 chart=Chart("aid-months", _l("Aid paid by month and kind (yuan)"),
                             tuple(range(1, len(kinds) + 1)), stacked=True))


def school_table(levels: dict, education: dict | None) -> Table:
    """Return the school aid paid by school level; the total is the aid table's 助学 row."""
    codes = [*SCHOOL_LEVELS, *([None] if None in levels else [])]
    empty = {"count": 0, "workers": 0, "amount": ZERO}
    rows = [[SCHOOL_LEVELS.get(code, _l("Not set")),
             *(levels.get(code, empty)[k] for k in ("count", "workers", "amount"))]
            for code in codes]
    education = education or {"count": 0, "workers": 0, "cash": ZERO, "goods": ZERO}
    return Table(_l("School aid paid, by school level"),
                 [_l("School level"), _l("Times aided"), _l("Students' households aided"),
                  _l("Amount (yuan)")],
                 [*rows, [_l("Total"), education["count"], education["workers"],
                          education["cash"] + education["goods"]]], total=True,
                 chart=Chart("school-levels", _l("School aid paid, by school level"), (1,)))


def category_table(counts: dict) -> Table:
    """Return the files by category (``counts``: category → files), charted."""
    rows = [[label, counts.get(code, 0)] for code, label in WORKER_CATEGORIES.items()]
    return Table(_l("Files on record by category"), [_l("Category"), _l("Files")],
                 [*rows, [_l("Total"), sum(counts.values())]], total=True,
                 chart=Chart("categories", _l("Files on record by category"), (1,)))


def file_tables(figures: dict, day: str) -> list[Table]:
    """Return the worker section's further tables: by category, 低保, by base union."""
    by_category: dict = {}
    for (_cause, category), n in figures["workers"]["grid"].items():
        by_category[category] = by_category.get(category, 0) + n
    d, unions = figures["dibao"], figures["unions"]
    keys = ("on_file", "new", "exited", "removed")
    return [
        category_table(by_category),
        Table(_l("Households on minimum living allowance"),
              [_l("Statistic"), _l("Households"), _l("Persons")],
              [[_l("Brought in: newly filed in the year"), d["new_households"], d["new_persons"]],
               [_("On file on %(day)s", day=day), d["households"], d["persons"]]]),
        Table(_l("Files by base union"),
              [_l("Base union"), _("On file on %(day)s", day=day), _l("Newly filed in the year"),
               _l("Out of hardship in the year"), _l("Files withdrawn in the year")],
              [*([union or _l("Not set"), *(g[k] for k in keys)] for union, g in unions.items()),
               [_l("Total"), *(sum(g[k] for g in unions.values()) for k in keys)]], total=True),
    ]


def years_table(by_year: list[tuple[int, dict]]) -> Table:
    """Return the last five years side by side and 累计; charted: new files and 脱困."""
    rows = years_rows(by_year)
    keys = [key for key, *_rest in rows]
    return Table(_l("The last five years side by side"),
                 [_l("Statistic"), *(_("Year %(year)d", year=y) for y, _f in by_year),
                  _l("Cumulative")],
                 [[label, *values, "" if summed is None else summed]
                  for _key, label, values, summed in rows],
                 chart=Chart("years", _l("Newly filed and out of hardship, by year"),
                             (keys.index("new"), keys.index("exited")), by_row=True,
                             columns=(1, 1 + len(by_year))))


def files_years_table(by_year: dict[int, dict]) -> Table:
    """Return the files newly filed and out of hardship per year (the start page's chart)."""
    years = sorted(by_year)
    return Table(_l("Newly filed and out of hardship, by year"),
                 [_l("Statistic"), *(_("Year %(year)d", year=y) for y in years)],
                 [[_l("Newly filed in the year"), *(by_year[y]["new"] for y in years)],
                  [_l("Out of hardship in the year (by episodes)"),
                   *(by_year[y]["exited"] for y in years)]],
                 chart=Chart("years", _l("Newly filed and out of hardship, by year"), (0, 1),
                             by_row=True, columns=(1, 1 + len(years))))
