"""How values are shown to people: yuan with two decimals, times in China time."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from models.base import to_local, utcnow


def money(value) -> str:
    """Format an amount of yuan with two decimals and thousands separators."""
    return f"{Decimal(value):,.2f}"


def local_time(value: dt.datetime, seconds: bool = False) -> str:
    """Format a stored UTC time in China Standard Time, YYYY-MM-DD HH:MM[:SS]."""
    return to_local(value).strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


def file_stamp() -> str:
    """Return the centre's current time (China Standard Time) for a file name: YYYYMMDD-HHMM."""
    return to_local(utcnow()).strftime("%Y%m%d-%H%M")
