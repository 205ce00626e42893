"""Pinyin initials read character by character agree with pypinyin's reading by words."""
from __future__ import annotations

import random

from pypinyin import Style, lazy_pinyin

from models.pinyin import SURNAME_READINGS, initials


def by_words(text: str, person: bool = False) -> str:
    """Return the initials as pypinyin's word segmentation gives them (the reference)."""
    text, prefix = text.strip(), ""
    if person:
        for surname in sorted(SURNAME_READINGS, key=len, reverse=True):
            if text.startswith(surname):
                prefix, text = SURNAME_READINGS[surname], text[len(surname):]
                break
    letters = lazy_pinyin(text, style=Style.FIRST_LETTER, errors=lambda s: list(s))
    return (prefix + "".join(c for part in letters for c in part
                             if c.isascii() and c.isalnum())).lower()


def test_known_names():
    assert initials("欧阳秀英", person=True) == "oyxy"
    assert initials("长孙无忌", person=True) == "zswj"
    assert initials("曾国藩", person=True) == "zgf"
    assert initials("张长江") == by_words("张长江")  # 长 read by its word
    assert initials("AB张3-") == "abz3"
    assert initials(None) == initials("  ") == ""


def test_every_character_and_random_names_read_as_by_words():
    chars = [chr(c) for c in range(0x4E00, 0x9FA6, 11)]
    rnd = random.Random(7)
    names = chars + ["".join(rnd.choice(chars) for _ in range(rnd.randint(2, 4)))
                     for _ in range(1000)]
    assert [initials(n, person=True) for n in names] == [by_words(n, True) for n in names]
    assert [initials(n) for n in names[-200:]] == [by_words(n) for n in names[-200:]]
