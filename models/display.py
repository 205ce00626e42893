"""How values are shown to people: yuan with two decimals, times in China time."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from models.base import to_local


def money(value) -> str:
    """Format an amount of yuan with two decimals and thousands separators."""
    return f"{Decimal(value):,.2f}"


def local_time(value: dt.datetime) -> str:
    """Format a stored UTC time in China Standard Time, YYYY-MM-DD HH:MM."""
    return to_local(value).strftime("%Y-%m-%d %H:%M")
