"""Finding household members by what staff type, through indexes as workers are found.

Each word of a search matches a member by any of (``models.worker_search`` for workers):

- the member's whole ID number (normalised) or its last 4, 5 or 6 characters; a role that
  sees member numbers masked (``models.permissions.MASKED_IDENTITY``) by the last 4
  characters only, the part the mask shows; never by a middle part;
- the start of the member's name or of its pinyin initials;
- a part of 3 characters or more of the member's name (SQLite FTS5 trigram, PostgreSQL
  pg_trgm; ``models.member_search_schema``);
- the name of the worker whose file the member is in, as the worker search finds a name.

The members matching every word are found once (``restrict``); the list's page and count
both read their ids.
"""
from __future__ import annotations

from sqlalchemy import or_, select

from models.base import db
from models.worker import FamilyMember
from models.worker_search import (
    LETTERS,
    MIN_PART,
    Found,
    _id_conditions,
    by_equality,
    find,
    like_part,
    name_ids,
    part_select,
    prefix,
    union_of,
    words_of,
)

FTS = "family_member_fts"


def word_selects(word: str, masked: bool, dialect: str | None = None) -> list:
    """Return the id SELECTs of each way ``word`` finds a member, each by its index."""
    dialect = dialect or db.session.get_bind().dialect.name
    member = FamilyMember
    found = [by_equality(select(member.id).where(c))
             for c in _id_conditions(word, masked, member.id_number)]
    found.append(select(member.id).where(prefix(member.name, word, dialect)))
    if LETTERS.fullmatch(word):
        found.append(select(member.id).where(prefix(member.initials, word.lower(), dialect)))
    if len(word) >= MIN_PART and not word.isdigit():
        found.append(part_select(member.id, FTS, None, member.name, word, dialect))
    found.append(select(member.id).where(member.worker_id.in_(name_ids(word, dialect))))
    return found


def word_ids(word: str, masked: bool, dialect: str | None = None):
    """Return a SELECT of the ids of the members ``word`` finds, each way by its index."""
    return union_of(word_selects(word, masked, dialect))


def matching(words: list[str], masked: bool) -> list:
    """Return the conditions every word of the search sets."""
    dialect = db.session.get_bind().dialect.name
    return [FamilyMember.id.in_(word_ids(word, masked, dialect)) for word in words]


def search_members(search: str | None, masked: bool) -> Found | None:
    """Return what the member list's search finds (``worker_search.find``), or None."""
    words = words_of(search)
    if not words:
        return None
    dialect = db.session.get_bind().dialect.name
    return find(FamilyMember.id, words, lambda w: word_selects(w, masked, dialect),
                lambda w: row_match(w, masked, dialect))


def row_match(word: str, masked: bool, dialect: str):
    """Return ``word_selects``'s test on one member's row (a part of the name by LIKE)."""
    member = FamilyMember
    tests = _id_conditions(word, masked, member.id_number)
    tests.append(prefix(member.name, word, dialect))
    if LETTERS.fullmatch(word):
        tests.append(prefix(member.initials, word.lower(), dialect))
    if len(word) >= MIN_PART and not word.isdigit():
        tests.append(like_part(member.name, word, dialect))
    tests.append(member.worker_id.in_(name_ids(word, dialect)))
    return or_(*tests)


def restrict(search: str | None, masked: bool):
    """Return the condition that keeps the members the search finds, or None for no search."""
    found = search_members(search, masked)
    return None if found is None else found.count
