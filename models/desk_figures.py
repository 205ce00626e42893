"""The service desk's rates and delays, for the manager's start page and the year-end report.

Definitions (a period is a run of local days in China, ``start`` inclusive, ``end`` not;
times are stored in UTC, ``models.report_time``):

- **办结率** (resolution rate) = cases *received* in the period that are resolved (办结,
  awaiting the return visit) or closed now, over the cases received in the period, as a
  percentage to two decimals; None when none was received. A case reopened after an
  unsatisfied return visit is open again and is not counted as resolved.
- **on-time rate** (按期办结率) = cases *resolved* in the period (``resolved_at`` in it and
  still resolved or closed: reopening clears the stamp) resolved on or before their
  deadline (the local day of ``resolved_at`` ≤ ``deadline``), over the cases resolved in
  the period, as a percentage; None when none was resolved.
- **overdue by assignee**: open cases past their deadline (``overdue_clause``, the overdue
  list's own filter) per assignee; cases not yet assigned are counted under None.

Every figure is one SQL aggregate over the cases of ``units`` (``unit_clause``).
"""
from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import Date, case, cast, func, literal_column, select

from models import base
from models.base import db, to_local, utcnow
from models.report_time import between
from models.service_case import ServiceCase
from models.service_case_rules import overdue_clause
from models.unit_scope import ALL, unit_clause
from models.user import User

DONE_STATES = ("resolved", "closed")


def percent(part: int, whole: int) -> Decimal | None:
    """Return ``part`` of ``whole`` as a percentage to two decimals (None of nothing)."""
    if not whole:
        return None
    return (Decimal(100 * part) / whole).quantize(Decimal("0.01"), ROUND_HALF_UP)


def china_today() -> dt.date:
    """Return today in China (the month's figures follow the centre's calendar, as the
    times do), or the day frozen by ``freeze_today``."""
    return base._frozen_today or to_local(utcnow()).date()


def month_of(day: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """Return the first day of ``day``'s month (default today in China) and of the next."""
    day = day or china_today()
    first = day.replace(day=1)
    return first, (first + dt.timedelta(days=32)).replace(day=1)


def local_day(column):
    """Return the SQL local (China) calendar day of a UTC time ``column``."""
    if db.session.get_bind().dialect.name == "postgresql":
        return cast(column + literal_column("interval '8 hours'"), Date)
    return func.date(column, "+8 hours")


def resolution(start: dt.date, end: dt.date, units=ALL) -> dict:
    """Return the cases received in the period, how many are resolved, and 办结率."""
    received, done = db.session.execute(
        select(func.count(), func.count(case((ServiceCase.state.in_(DONE_STATES), 1))))
        .where(between(ServiceCase.received_at, start, end, timed=True),
               unit_clause(ServiceCase, units))).one()
    return {"received": received, "done": done, "rate": percent(done, received)}


def on_time(start: dt.date, end: dt.date, units=ALL) -> dict:
    """Return the cases resolved in the period, how many by their deadline, and the rate."""
    resolved, in_time = db.session.execute(
        select(func.count(),
               func.count(case((local_day(ServiceCase.resolved_at) <= ServiceCase.deadline, 1))))
        .where(ServiceCase.state.in_(DONE_STATES),
               between(ServiceCase.resolved_at, start, end, timed=True),
               unit_clause(ServiceCase, units))).one()
    return {"resolved": resolved, "on_time": in_time, "rate": percent(in_time, resolved)}


def overdue_by_assignee(units=ALL) -> list[tuple[int | None, str, int]]:
    """Return ``(assignee id, name, overdue cases)`` per assignee with any, by name; the
    cases not yet assigned come first, under None."""
    rows = db.session.execute(
        select(ServiceCase.assignee_id, func.count())
        .where(overdue_clause(), unit_clause(ServiceCase, units))
        .group_by(ServiceCase.assignee_id)).all()
    users = {u.id: str(u) for u in db.session.scalars(
        select(User).where(User.id.in_([pk for pk, _n in rows if pk is not None])))}
    return sorted(((pk, users.get(pk, ""), n) for pk, n in rows),
                  key=lambda row: (row[0] is not None, row[1], row[0] or 0))


def month_figures(units=ALL, day: dt.date | None = None) -> dict:
    """Return this month's (``day``'s) 办结率 and on-time rate of ``units``' cases."""
    start, end = month_of(day)
    return {"resolution": resolution(start, end, units), "on_time": on_time(start, end, units)}

