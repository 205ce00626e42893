"""What the public may see of a person: every public page and snapshot masks through here.

Names keep their first and last character and hide each one between, whatever the
surname: 张明 → 张*, 张晓明 → 张*明, 欧阳娜娜 → 欧**娜 (not 欧阳*娜). A compound
surname is not kept whole on purpose: the rule then needs no list of compound
surnames (a list that misses one would mask that family differently), and it shows
less. A one-character name is hidden entirely, since its only character is the name.

ID numbers show at most the first 3 and last 4 characters (the birth date is always
hidden). Free text (notice titles and bodies, plain or HTML) also has every ID, bank
card and mainland mobile number masked, in case one is typed into a notice, however it
is written: the text is read as the eye reads it, while the public still gets the
original text with only the numbers replaced:

- each character is NFKC-folded (full-width ``１３８`` is 138; any script's decimal
  digits count) and invisible ones are dropped (format characters such as U+200B,
  U+FEFF or the soft hyphen, combining marks, control characters, Hangul fillers);
- entities are decoded (``&nbsp;``, ``&#8203;``); inline tags (``<b></b>``, ``<span>``)
  vanish, ``<br>`` is a space, and paragraph, list and table tags end a number, so
  that a table of amounts never reads as one long number;
- digit groups joined by up to three separators (any space, ``-``, ``.``, ``·``, ``/``
  and dashes) are read together, and split into numbers at group boundaries; see
  ``_split``.

A number is then 11 digits from 13x to 19x (a mobile, optionally after 86), 15 or 18
characters (an ID; 18-digit bank cards are rare enough to be named IDs), 16, 17 or 19
digits (a bank card), or one unbroken run of 20 or more (two numbers typed without a
gap, or an ID with digits stuck to it: it cannot be told apart, so it is hidden too).
None starts with 0, so landlines (0531-86001234-801) stay. Amounts (1,000.00 元), dates
(2026-11-30) and counts (共 23 户) never reach 11 digits, nor chain into a number.
``identity_numbers`` lists what ``mask_text`` hides: publishing refuses such text, and
the mask remains for what was published before or slips through.
"""
from __future__ import annotations

import html
import re
import unicodedata
from typing import NamedTuple

from models.idnumber import mask_id_number

__all__ = ["Found", "identity_numbers", "mask_id_number", "mask_name", "mask_phone",
           "mask_text"]

ENTITY = r"&(?:#[0-9]+|#[xX][0-9A-Fa-f]+|[A-Za-z][A-Za-z0-9]*);"
# A comment, a tag (a quoted attribute value may hold ">"), an entity, or one character.
MARKUP_UNIT = re.compile(
    r"""(?P<tag><!--.*?-->|</?(?P<name>[A-Za-z][A-Za-z0-9]*)(?:[^>"']|"[^"]*"|'[^']*')*>)"""
    rf"|(?P<entity>{ENTITY})|.", re.S)
PLAIN_UNIT = re.compile(rf"(?P<entity>{ENTITY})|.", re.S)
# Tags after which the text starts a new block, line item or cell.
BLOCK_TAGS = frozenset({
    "p", "div", "li", "ul", "ol", "dl", "dt", "dd", "table", "caption", "thead", "tbody",
    "tfoot", "tr", "th", "td", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "hr", "pre",
    "section", "article", "header", "footer"})
# Unicode categories that show nothing between two digits: format characters (U+200B,
# U+200C, U+200D, U+2060, U+FEFF, soft hyphen, bidi marks), combining marks (variation
# selectors), controls; and blank-looking letters (Hangul fillers, the blank braille cell).
INVISIBLE = frozenset(("Cf", "Mn", "Me", "Cc"))
FILLERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")
# Written between the digit groups of a number (after NFKC, so full-width ones too);
# every kind of space is one as well. Not the comma, which separates list items.
SEPARATORS = frozenset("-./·\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u2027\u2022\u2219"
                       "\u22c5\u30fb")
# Digits, ending maybe in an ID's check character; groups joined by 1-3 separators.
GROUP = re.compile(r"[0-9]+(?:X(?![0-9A-Za-z]))?")
CHAIN = re.compile(rf"{GROUP.pattern}(?:[ -]{{1,3}}{GROUP.pattern})*")
MOBILE_START = re.compile(r"1[3-9]")
# The most digits read together as one number, when made of more than one group.
LONGEST = 19


class Found(NamedTuple):
    """An ID, bank card or mobile number found in free text: its kind, masked, in context."""
    kind: str       # "id", "card", "mobile" or "long"
    masked: str     # as the public would see it
    excerpt: str    # the masked number after up to 10 characters of what precedes it


class _Unit(NamedTuple):
    text: str       # as written
    folded: str     # as the number finder reads it
    visible: str    # as a reader sees it (for excerpts)
    tag: bool


def mask_name(name: str | None) -> str:
    """Return ``name`` with every character but the first and the last hidden."""
    name = "".join((name or "").split())
    if len(name) <= 1:
        return "*" * len(name)
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def mask_phone(number: str | None) -> str:
    """Return a phone number with all but its first 3 and last 4 digits hidden."""
    digits = re.sub(r"\D", "", number or "")
    return digits[:3] + "*" * max(len(digits) - 7, 0) + digits[-4:] if len(digits) > 7 \
        else "*" * len(digits)


def mask_text(text: str | None) -> str:
    """Return ``text`` with ID numbers, bank card numbers and mobile numbers masked."""
    return _scan(text or "")[0]


def identity_numbers(text: str | None) -> list[Found]:
    """Return the ID, bank card and mobile numbers in ``text``, as ``mask_text`` finds them."""
    return _scan(text or "")[1]


# --- reading free text as the eye does --------------------------------------------------
def _fold(chars: str) -> str:
    """Return ``chars`` as read for numbers: digits, X, " " (space), "-" (other separator)."""
    out = []
    for ch in unicodedata.normalize("NFKC", chars):
        if ch.isspace():
            out.append(" ")
        elif unicodedata.category(ch) in INVISIBLE or ch in FILLERS:
            continue
        elif (digit := unicodedata.decimal(ch, None)) is not None:
            out.append(str(digit))
        else:
            out.append("-" if ch in SEPARATORS else "X" if ch in "xX" else ch)
    return "".join(out)


def _units(text: str, markup: bool) -> list[_Unit]:
    """Cut ``text`` into characters, entities and (with ``markup``) tags and comments."""
    units = []
    for m in (MARKUP_UNIT if markup else PLAIN_UNIT).finditer(text):
        parts = m.groupdict()
        if parts.get("tag"):
            name = (parts["name"] or "").lower()
            folded = "<" if name in BLOCK_TAGS else " " if name == "br" else ""
            units.append(_Unit(m.group(), folded, folded and " ", True))
        else:
            shown = html.unescape(m.group()) if parts["entity"] else m.group()
            units.append(_Unit(m.group(), _fold(shown), shown, False))
    return units


def _kind(digits: str, single: bool) -> str | None:
    """Return what ``digits`` (read together) would be: id, card, mobile, long, or None."""
    n = len(digits)
    if digits.startswith("0"):
        return None
    if digits.endswith("X"):
        return "id" if n == 18 else None
    if (n == 11 and MOBILE_START.match(digits)) or (
            n == 13 and digits.startswith("86") and MOBILE_START.match(digits, 2)):
        return "mobile"
    if n in (15, 18):
        return "id"
    if 16 <= n <= LONGEST:
        return "card"
    return "long" if n > LONGEST and single else None


def _split(groups: list[re.Match]) -> list[tuple[int, int, str, str]]:
    """Return the numbers a chain of digit groups holds, as (start, end, kind, digits).

    A number is made of whole groups, and only its first and last group may have
    fewer than 3 digits (+86 138…, 3701 0219 9001 0112 34): so a date (2026-11-30) or
    amounts side by side (1000.00 2000.00) never read as one. Of the ways to split a
    chain, the one hiding the most digits wins, then the one with fewer numbers (an ID
    in groups is one ID, not a card and a rest).
    """
    best: list[tuple[int, int, list]] = [(0, 0, [])] * (len(groups) + 1)
    for i in range(len(groups) - 1, -1, -1):
        best[i] = best[i + 1]
        digits = ""
        for j in range(i, len(groups)):
            if (j > i + 1 and len(groups[j - 1].group()) < 3) or digits.endswith("X"):
                break
            digits += groups[j].group()
            if j > i and len(digits) > LONGEST:
                break
            if kind := _kind(digits, single=j == i):
                covered, count, numbers = best[j + 1]
                option = (covered + len(digits), count - 1,
                          [(groups[i].start(), groups[j].end(), kind, digits), *numbers])
                best[i] = max(best[i], option, key=lambda o: o[:2])
    return best[0][2]


def _masked(kind: str, digits: str) -> str:
    """Return the public form of a number: mobiles 138****8000, the rest 3 + 4 shown."""
    if kind == "mobile":
        prefix = digits[:-11] + " " if len(digits) > 11 else ""
        return f"{prefix}{digits[-11:-8]}****{digits[-4:]}"
    # Bank cards and long runs as ID numbers: the first 3 and last 4 tell a reader
    # nothing about the holder (the bank at most) and let the family recognise theirs.
    return mask_id_number(digits)


def _scan(text: str, markup: bool = True) -> tuple[str, list[Found]]:
    """Return ``text`` with its numbers masked, and the numbers found."""
    units = _units(text, markup)
    folded, origin = [], []
    for index, unit in enumerate(units):
        for ch in unit.folded:
            if not (ch == " " and folded and folded[-1] == " "):
                folded.append(ch)
                origin.append(index)
    folded = "".join(folded)
    out, shown, found, done = [], [], [], 0

    def keep(kept: list[_Unit]) -> None:
        for unit in kept:
            if unit.tag:  # attribute values (href="tel:…") are masked too
                masked, inside = _scan(unit.text, markup=False)
                out.append(masked)
                found.extend(inside)
            else:
                out.append(unit.text)
            shown.append(unit.visible)

    for chain in CHAIN.finditer(folded):
        for start, end, kind, digits in _split(list(GROUP.finditer(folded, *chain.span()))):
            first, last = max(origin[start], done), origin[end - 1]
            keep(units[done:first])
            masked = _masked(kind, digits)
            before = re.sub(r"\s+", " ", "".join(shown)).lstrip()
            found.append(Found(kind, masked, ("…" if len(before) > 10 else "")
                               + before[-10:] + masked))
            out.append(masked)
            shown.append(masked)
            # Tags within the number follow it, so that the markup stays well formed.
            keep([unit for unit in units[first:last + 1] if unit.tag])
            done = last + 1
    keep(units[done:])
    return "".join(out), found
