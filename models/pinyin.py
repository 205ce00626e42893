"""Pinyin initials (拼音首字母) of names, for quick search at the counter."""
from __future__ import annotations

from functools import lru_cache

from pypinyin import Style, lazy_pinyin, pinyin

# Surnames read differently from the character's everyday reading (单 shàn, 曾 zēng).
SURNAME_READINGS = {"单": "s", "曾": "z", "解": "x", "仇": "q", "朴": "p", "查": "z",
                    "区": "o", "尉": "y", "乐": "y", "覃": "q", "盖": "g", "缪": "m",
                    "翟": "z", "召": "s", "种": "c", "秘": "b", "员": "y", "繁": "p",
                    "句": "g", "阚": "k", "蕃": "p", "长孙": "zs", "尉迟": "yc",
                    "万俟": "mq", "单于": "cy"}
SURNAMES = sorted(SURNAME_READINGS, key=len, reverse=True)


def initials(text: str | None, person: bool = False) -> str:
    """Return the lower-case pinyin initials of ``text`` (欧阳秀英 → oyxy).

    Letters and digits are kept as they are; anything else is dropped. With
    ``person`` the surname is read as a surname.
    """
    text = (text or "").strip()
    prefix = ""
    if person:
        for surname in SURNAMES:
            if text.startswith(surname):
                prefix, text = SURNAME_READINGS[surname], text[len(surname):]
                break
    # Character by character when no character's initial depends on its word (an
    # import of 100,000 different names took 7 s through pypinyin's word segmentation).
    letters = [_letter(char) for char in text]
    if None in letters:
        letters = [c for part in lazy_pinyin(text, style=Style.FIRST_LETTER,
                                             errors=lambda s: list(s))
                   for c in part if c.isascii() and c.isalnum()]
    return (prefix + "".join(letters)).lower()


@lru_cache(maxsize=1 << 16)
def _letter(char: str) -> str | None:
    """Return what ``char`` adds to the initials, or None when its readings start with
    different letters (长 cháng/zhǎng: the word it stands in decides)."""
    readings = pinyin(char, style=Style.FIRST_LETTER, heteronym=True,
                      errors=lambda s: list(s))
    found = {"".join(c for c in reading if c.isascii() and c.isalnum())
             for group in readings for reading in group}
    return found.pop() if len(found) == 1 else None
