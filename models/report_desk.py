"""The service desk in a year (接待登记): contacts by channel, cases by type, and how they ended.

Definitions (a case is *of the year* when it was received in the year, local time):

- **来访人次** (visitors) = the people who came in person: one per visit, plus each
  collective visit's head count (集体访 counts its people, not itself once).
- **来电次数** (calls) = cases received by phone; *of which 12351* those marked as taken on
  the union's 12351 hotline. **来信** letters and **网上** online requests: cases of those
  channels. Collective visits (batches) are counted apart as well.
- **cases by type**: cases of the year per window/type (``CASE_TYPES``).
- **办结率** and the **on-time rate** over the year: ``models.desk_figures`` (resolved or
  closed among the cases received in the year; resolved by the deadline among those
  resolved in the year).
- **满意率** (satisfaction) = return visits made in the year (``visited_at``) that found the
  person 满意 or 基本满意, over all return visits made in the year, as a percentage. A case
  keeps its last return visit only, so a case reopened and visited again counts once,
  with its last answer.
- **农民工 served** = distinct people marked as migrant workers with a case of the year.

Each figure is one SQL aggregate over the cases of ``units`` (``unit_clause``).
"""
from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from sqlalchemy import case, distinct, func, select

from models.base import db
from models.desk_choices import CASE_TYPES
from models.desk_figures import on_time, percent, resolution
from models.person import Person
from models.report_tables import Table, _facts
from models.report_time import in_year
from models.service_case import ServiceCase
from models.unit_scope import ALL, unit_clause

SATISFIED = ("satisfied", "basic")


def _of_year(year: int, units):
    return (in_year(ServiceCase.received_at, year, timed=True), unit_clause(ServiceCase, units))


def contact_figures(year: int, units=ALL) -> dict:
    """Return the year's contacts by channel: visitors, calls (12351), letters, online."""
    channel = ServiceCase.channel

    def of(*channels):
        return func.count(case((channel.in_(channels), 1)))

    row = db.session.execute(select(
        func.coalesce(func.sum(case((channel.in_(("visit", "collective")),
                                     ServiceCase.head_count), else_=0)), 0),
        of("visit"), of("collective"), of("call"),
        func.count(case(((channel == "call") & ServiceCase.hotline.is_(True), 1))),
        of("letter"), of("online"), func.count()).where(*_of_year(year, units))).one()
    keys = ("visitors", "visits", "collective", "calls", "hotline", "letters", "online", "cases")
    return {key: int(value) for key, value in zip(keys, row, strict=True)}


def type_figures(year: int, units=ALL) -> dict[str, int]:
    """Return the year's cases per type."""
    return dict(db.session.execute(
        select(ServiceCase.case_type, func.count()).where(*_of_year(year, units))
        .group_by(ServiceCase.case_type)).all())


def satisfaction(year: int, units=ALL) -> dict:
    """Return the return visits made in the year, how many satisfied, and 满意率."""
    visits, pleased = db.session.execute(
        select(func.count(), func.count(case((ServiceCase.satisfaction.in_(SATISFIED), 1))))
        .where(ServiceCase.satisfaction.is_not(None),
               in_year(ServiceCase.visited_at, year, timed=True),
               unit_clause(ServiceCase, units))).one()
    return {"visits": visits, "satisfied": pleased, "rate": percent(pleased, visits)}


def migrants_served(year: int, units=ALL) -> int:
    """Return the distinct migrant workers with a case received in the year."""
    return db.session.scalar(
        select(func.count(distinct(ServiceCase.person_id)))
        .join(Person, Person.id == ServiceCase.person_id)
        .where(Person.is_migrant.is_(True), *_of_year(year, units)))


def desk_figures(year: int, units=ALL) -> dict:
    """Return every desk figure of ``year`` (see the module docstring for definitions)."""
    start, end = dt.date(year, 1, 1), dt.date(year + 1, 1, 1)
    return {"contacts": contact_figures(year, units), "by_type": type_figures(year, units),
            "resolution": resolution(start, end, units), "on_time": on_time(start, end, units),
            "satisfaction": satisfaction(year, units),
            "migrants": migrants_served(year, units)}


def _rate(value):
    return "" if value is None else value


def desk_tables(f: dict) -> list:
    """Return the desk section's tables: contacts, cases by type, how the cases ended."""
    c, done, timely, pleased = f["contacts"], f["resolution"], f["on_time"], f["satisfaction"]
    by_type = [[label, f["by_type"].get(code, 0)] for code, label in CASE_TYPES.items()]
    return [
        _facts(_l("Contacts received, by channel"), [
            (_l("Visitors (visits and collective visits' head counts)"), c["visitors"]),
            (_l("Collective visits"), c["collective"]), (_l("Phone calls"), c["calls"]),
            (_l("of which on the 12351 hotline"), c["hotline"]), (_l("Letters"), c["letters"]),
            (_l("Online requests"), c["online"]), (_l("Cases received"), c["cases"])]),
        Table(_l("Cases received, by type"), [_l("Case type"), _l("Cases")],
              [*by_type, [_l("Total"), c["cases"]]], total=True),
        _facts(_l("How the cases ended"), [
            (_l("Cases received"), done["received"]),
            (_l("of which resolved or closed"), done["done"]),
            (_l("Resolution rate (per cent)"), _rate(done["rate"])),
            (_l("Cases resolved in the year"), timely["resolved"]),
            (_l("of which by their deadline"), timely["on_time"]),
            (_l("On-time rate (per cent)"), _rate(timely["rate"])),
            (_l("Return visits"), pleased["visits"]),
            (_l("of which satisfied or basically satisfied"), pleased["satisfied"]),
            (_l("Satisfaction rate (per cent)"), _rate(pleased["rate"])),
            (_l("Migrant workers served"), f["migrants"])]),
    ]
