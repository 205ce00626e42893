"""Turn model values into typed, safe spreadsheet cells."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from flask_babel import gettext as _
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

RISKY_START = ("=", "+", "-", "@", "\t", "\r")
MONEY_FORMAT = "#,##0.00"
DATE_FORMAT = "yyyy-mm-dd"
BOLD = Font(bold=True)


def is_risky(text: str) -> bool:
    """Tell whether a spreadsheet could read ``text`` as a formula."""
    return text.lstrip(" ").startswith(RISKY_START)


def cell(sheet, value, choices: dict | None = None) -> WriteOnlyCell:
    """Return a write-only cell holding ``value`` with its natural type and format."""
    if choices is not None and value is not None and not isinstance(value, list):
        value = str(choices.get(value, value))
    if isinstance(value, list):
        value = "、".join(str((choices or {}).get(v, v)) for v in value)
    if isinstance(value, bool):
        value = _("Yes") if value else _("No")
    if isinstance(value, (Decimal, float)):
        out = WriteOnlyCell(sheet, value=Decimal(value))
        out.number_format = MONEY_FORMAT
        return out
    if isinstance(value, (dt.date, dt.datetime)):
        out = WriteOnlyCell(sheet, value=value)
        out.number_format = DATE_FORMAT if not isinstance(value, dt.datetime) \
            else "yyyy-mm-dd hh:mm"
        return out
    if value is None or isinstance(value, int):
        return WriteOnlyCell(sheet, value=value)
    text = str(value)
    out = WriteOnlyCell(sheet, value=text)
    if is_risky(text):
        # Kept as a literal string: never a formula, and shown as text when edited.
        out.data_type = "s"
        out.quotePrefix = True
    return out


def header(sheet, text) -> WriteOnlyCell:
    """Return a bold header cell."""
    out = WriteOnlyCell(sheet, value=str(text))
    out.font = BOLD
    return out
