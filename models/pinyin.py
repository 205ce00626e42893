"""Pinyin initials (拼音首字母) of names, for quick search at the counter."""
from __future__ import annotations

from pypinyin import Style, lazy_pinyin

# Surnames read differently from the character's everyday reading (单 shàn, 曾 zēng).
SURNAME_READINGS = {"单": "s", "曾": "z", "解": "x", "仇": "q", "朴": "p", "查": "z",
                    "区": "o", "尉": "y", "乐": "y", "覃": "q", "盖": "g", "缪": "m",
                    "翟": "z", "召": "s", "种": "c", "秘": "b", "员": "y", "繁": "p",
                    "句": "g", "阚": "k", "蕃": "p", "长孙": "zs", "尉迟": "yc",
                    "万俟": "mq", "单于": "cy"}


def initials(text: str | None, person: bool = False) -> str:
    """Return the lower-case pinyin initials of ``text`` (欧阳秀英 → oyxy).

    Letters and digits are kept as they are; anything else is dropped. With
    ``person`` the surname is read as a surname.
    """
    text = (text or "").strip()
    prefix = ""
    if person:
        for surname in sorted(SURNAME_READINGS, key=len, reverse=True):
            if text.startswith(surname):
                prefix, text = SURNAME_READINGS[surname], text[len(surname):]
                break
    letters = lazy_pinyin(text, style=Style.FIRST_LETTER, errors=lambda s: list(s))
    return (prefix + "".join(c for part in letters for c in part
                             if c.isascii() and c.isalnum())).lower()
