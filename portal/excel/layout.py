"""How an exported sheet looks on screen and on paper: column widths, wrapping, page setup.

Widths come from what a column holds (its kind, or a key whose length is fixed, such as
an 18-digit ID number or a 19-digit bank card), its header, and a bounded sample of the
first rows, never from all rows: the export streams, so a million rows cost no more
memory than a hundred. Free text that the sample shows long wraps instead of widening
the column, so a sheet stays printable on one page width.
"""
from __future__ import annotations

import datetime as dt
import math
import unicodedata
from decimal import Decimal

from flask_babel import gettext as _

SAMPLE_ROWS = 200        # rows read ahead to size the text columns
PAD = 2                  # a character's breathing room on each side of the text
FILTER_BUTTON = 2        # the autofilter arrow sits on the header cell's right
WRAP_AT = 30             # free text wider than this wraps inside the column
HEADER_SPLIT = 12        # a header wider than this may take two lines
HEADER_TWO_LINES = 32    # the header row's height (points) when a header takes two lines
# Characters a value of a fixed-length field takes, found by its key's ending.
KEY_CHARS = (("bank_card_no", 19), ("id_number", 18), ("credit_code", 18), ("phone", 11))
# Characters a typed value takes as shown: 2026-01-15, 2026-01-15 09:30, 123,456.00.
KIND_CHARS = {"date": 10, "datetime": 16, "money": 12, "number": 10, "int": 6, "bool": 2}
TEXT_CHARS = 6           # the narrowest a text column gets, whatever its sample


def text_width(text) -> int:
    """Return how many digit widths ``text`` takes: CJK and full-width characters count 2."""
    text = str(text)
    if text.isascii():
        return len(text)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def fixed_chars(column) -> int | None:
    """Return the length of a fixed-length field (ID number, bank card, phone), else None."""
    return next((n for ending, n in KEY_CHARS if column.key.endswith(ending)), None)


def wraps(column) -> bool:
    """Tell whether the column holds free text, sized to its sample and wrapped beyond."""
    return column.kind in ("text", "multi") and fixed_chars(column) is None


def _shown_width(value) -> int:
    if isinstance(value, Decimal):
        return len(f"{value:,.2f}")
    if isinstance(value, bool):
        return 2
    if isinstance(value, dt.datetime):
        return 16
    if isinstance(value, dt.date):
        return 10
    if isinstance(value, float):
        return len(f"{value:,.2f}")
    return text_width(value)


def content_chars(column) -> int:
    """Return the characters the column's values need, known without looking at rows."""
    known = fixed_chars(column)
    if known:
        return known
    if column.kind == "choice" and column.choices:
        return max(text_width(label) for label in column.choices.values())
    return KIND_CHARS.get(column.kind, TEXT_CHARS)


def header_chars(column, content: int) -> tuple[int, bool]:
    """Return the header's need and whether it takes two lines to stay near ``content``."""
    whole = text_width(column.header) + FILTER_BUTTON
    if whole <= max(content, HEADER_SPLIT):
        return whole, False
    # Half the header, rounded up to a whole CJK character, and a character of slack.
    half = math.ceil(text_width(column.header) / 4) * 2 + 1 + FILTER_BUTTON
    return max(half, min(whole, content)), True


def base_width(column) -> int:
    """Return the column's width without a sample (the template's, and the export's floor)."""
    content = max(content_chars(column), column.width or 0)
    return max(content, header_chars(column, content)[0]) + PAD


def fit(columns, sample: list) -> tuple[list[int], bool]:
    """Return the columns' widths and whether the header row takes two lines.

    Free text is as wide as the sample shows, up to ``WRAP_AT``; anything else is as wide
    as its widest value in the sample, or as its kind or fixed length needs, whole.
    """
    widths, two_lines = [], False
    for index, column in enumerate(columns):
        content = max(content_chars(column), column.width or 0)
        seen = max((_shown_width(row[index]) for row in sample
                    if row[index] is not None and row[index] != ""), default=0)
        wrap = wraps(column)
        content = max(content, min(seen, max(WRAP_AT, column.width or 0)) if wrap else seen)
        header, split = header_chars(column, content)
        widths.append(max(content, header) + PAD)
        two_lines |= split
    return widths, two_lines


def footer() -> str:
    """Return the printed footer: the sheet's name on the left, page x of n in the middle."""
    return "&L&A&C" + _("Page &P of &N")
