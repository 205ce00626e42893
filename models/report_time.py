"""What "in the year" means for the year-end figures, and how their sums are taken.

Times are stored in UTC, so "in the year" (or month) for a time column means the centre's
calendar in China Standard Time; date columns are compared as they are. Money sums are
rounded to the fen in SQL, because SQLite keeps NUMERIC as binary floating point and a
long sum of fen could drift.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import and_, func

from models.base import CHINA, today

CENT = Decimal("0.01")


def money(value) -> Decimal:
    """Return a summed amount as yuan to the fen (None is nothing)."""
    return Decimal(str(value or 0)).quantize(CENT)


def total(column):
    """Return the SQL sum of a money column, 0 when there is none, rounded to the fen."""
    return func.round(func.coalesce(func.sum(column), 0), 2)


def reference_day(year: int) -> dt.date:
    """Return the day year-end figures are taken on: 31 December, or today if sooner."""
    return min(dt.date(year, 12, 31), max(today(), dt.date(year, 1, 1)))


def between(column, start: dt.date, end: dt.date, timed: bool = False):
    """Return the clause: ``start`` <= ``column`` < ``end`` (local days for a UTC time)."""
    if timed:
        start = dt.datetime.combine(start, dt.time()) - CHINA
        end = dt.datetime.combine(end, dt.time()) - CHINA
    return and_(column >= start, column < end)


def in_year(column, year: int, timed: bool = False):
    """Return the clause: ``column`` falls in ``year`` (local time for a stored UTC time)."""
    return between(column, dt.date(year, 1, 1), dt.date(year + 1, 1, 1), timed)


def in_month(column, year: int, month: int, timed: bool = False):
    """Return the clause: ``column`` falls in ``month`` of ``year`` (local time)."""
    end = dt.date(year + (month == 12), month % 12 + 1, 1)
    return between(column, dt.date(year, month, 1), end, timed)


def before_end_of(day: dt.date) -> dt.datetime:
    """Return the UTC time at which local ``day`` ends."""
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time()) - CHINA
