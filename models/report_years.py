"""Several years side by side: the last five years' figures and their 累计 (total).

The years of a report for ``year`` are that year and the four before it, oldest first;
each column is ``year_figures`` of its year (the same definitions, over the same units),
and 累计 is the sum of the five columns. Only what happens in a year is summed (files
filed, aid paid, money raised, ...): a position on a day (files on file at the year's
end) has no 累计, and neither has a count of distinct people, which would count a
worker aided in two years twice. Those rows show 累计 empty (None), as a year whose
figure does not exist (脱困率 of a year with no file on record).
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, select

from models import Worker, db
from models.report_episodes import episode_figures
from models.report_files import new_clause
from models.report_time import money
from models.unit_scope import ALL, unit_clause

SPAN = 5


def span(year: int) -> list[int]:
    """Return the years shown beside ``year``: the four before it and itself, oldest first."""
    return list(range(year - SPAN + 1, year + 1))


def _aid(f: dict):
    return f["assistance"]["total"]["cash"] + f["assistance"]["total"]["goods"]


def _kind(f: dict, kind: str, key: str):
    figures = f["assistance"]["by_kind"].get(kind)
    if key == "count":
        return figures["count"] if figures else 0
    return figures["cash"] + figures["goods"] if figures else money(0)


# (key, label, figure of one year's figures, summed in 累计)
ROWS = (
    ("on_file", _l("Workers on file at the year's end"), lambda f: f["workers"]["on_file"], False),
    ("new", _l("Newly filed in the year"), lambda f: f["workers"]["new"], True),
    # 脱困 from the files' episodes: re-filing a file later never changes a year's figure.
    ("exited", _l("Out of hardship in the year (by episodes)"),
     lambda f: f["episodes"]["exited"], True),
    ("returned", _l("Returned to hardship in the year"),
     lambda f: f["episodes"]["returned"], True),
    ("exit_rate", _l("Exit rate (per cent)"), lambda f: f["episodes"]["exit_rate"], False),
    ("removed", _l("Files withdrawn in the year"), lambda f: f["workers"]["removed"], True),
    ("dibao", _l("Minimum-allowance households brought in"),
     lambda f: f["dibao"]["new_households"], True),
    ("dibao_persons", _l("Minimum-allowance persons brought in"),
     lambda f: f["dibao"]["new_persons"], True),
    ("aid_count", _l("Times aided"), lambda f: f["assistance"]["total"]["count"], True),
    ("aid_amount", _l("Aid paid (yuan)"), _aid, True),
    ("school_count", _l("School aid (times)"), lambda f: _kind(f, "education", "count"), True),
    ("school_amount", _l("School aid (yuan)"), lambda f: _kind(f, "education", "amount"), True),
    ("raised", _l("Money raised (yuan)"), lambda f: f["funds"]["total"], True),
    ("government", _l("of which government allocation (yuan)"),
     lambda f: f["funds"]["by_source"]["government"], True),
    ("union", _l("of which union funds (yuan)"), lambda f: f["funds"]["by_source"]["union"], True),
    ("donation", _l("of which public donations (yuan)"),
     lambda f: f["funds"]["by_source"]["donation"], True),
    ("donations", _l("Number of donations"), lambda f: f["donations"]["total"]["count"], True),
    ("redemptions", _l("Redemptions done"), lambda f: f["redemptions"]["count"], True),
    ("trainees", _l("Trainees enrolled"), lambda f: f["training"]["total"]["total"], True),
    ("found_work", _l("Re-employed or started a business"),
     lambda f: f["training"]["total"]["found_work"], True),
    ("loans", _l("Loans disbursed"), lambda f: f["loans"]["disbursed"], True),
    ("loan_amount", _l("Amount disbursed (yuan)"), lambda f: f["loans"]["amount"], True),
    ("notices", _l("Notices published"), lambda f: f["notices"]["published"], True),
    # The service desk (``models.report_desk``).
    ("visitors", _l("Visitors to the service desk"),
     lambda f: f["desk"]["contacts"]["visitors"], True),
    ("calls", _l("Phone calls to the service desk"), lambda f: f["desk"]["contacts"]["calls"],
     True),
    ("desk_cases", _l("Service desk cases received"), lambda f: f["desk"]["contacts"]["cases"],
     True),
)


# The parts of a year's figures (``models.report.PARTS``) the rows above read.
YEARS_PARTS = frozenset({"workers", "episodes", "dibao", "assistance", "funds", "donations",
                         "redemptions", "training", "loans", "notices", "desk"})


def years_rows(by_year: list[tuple[int, dict]]) -> list[tuple[str, object, list, object]]:
    """Return ``(key, label, one value per year, 累计 or None)`` per row of the years table."""
    rows = []
    for key, label, figure, summed in ROWS:
        values = [figure(f) for _year, f in by_year]
        rows.append((key, label, ["" if v is None else v for v in values],
                     sum(values[1:], values[0]) if summed else None))
    return rows


def files_by_year(years: list[int], units=ALL) -> dict[int, dict[str, int]]:
    """Return, per year, the files newly filed (one SQL aggregate, ``new_clause``) and out
    of hardship (``episode_figures``): the years table's own definitions."""
    row = db.session.execute(select(*(func.count(case((new_clause(year), 1)))
                                      for year in years)).select_from(Worker)
                             .where(unit_clause(Worker, units))).one()
    return {year: {"new": row[n], "exited": episode_figures(year, units)["exited"]}
            for n, year in enumerate(years)}
