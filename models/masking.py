"""What the public may see of a person: every public page and snapshot masks through here.

Names keep their first and last character and hide each one between, whatever the
surname: 张明 → 张*, 张晓明 → 张*明, 欧阳娜娜 → 欧**娜 (not 欧阳*娜). A compound
surname is not kept whole on purpose: the rule then needs no list of compound
surnames (a list that misses one would mask that family differently), and it shows
less. A one-character name is hidden entirely, since its only character is the name.

ID numbers show at most the first 3 and last 4 characters (the birth date is always
hidden); free text also has every run of 15 or more digits (ID and bank card
numbers) and every mainland mobile number masked, in case one is typed into a notice.
"""
from __future__ import annotations

import re

from models.idnumber import mask_id_number

__all__ = ["mask_id_number", "mask_name", "mask_phone", "mask_text"]

# 15- or 18-digit ID numbers (the last may be X) and 16-19 digit bank cards.
LONG_NUMBER = re.compile(r"(?<![0-9A-Za-z])\d{14,18}[\dXx](?![0-9A-Za-z])")
# Mainland mobile numbers, optionally +86 and grouped 3-4-4 with spaces or hyphens.
MOBILE = re.compile(r"(?<!\d)(?:\+?86[- ]?)?(1[3-9]\d)[- ]?(\d{4})[- ]?(\d{4})(?!\d)")


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
    text = LONG_NUMBER.sub(lambda m: mask_id_number(m.group(0)), text or "")
    return MOBILE.sub(lambda m: f"{m.group(1)}****{m.group(3)}", text)
