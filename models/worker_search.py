"""Finding worker files by what staff type: every way through an index, none by a middle part.

Each word of a search matches a file by any of:

- the whole ID number (18 characters, normalised), or its last 4, 5 or 6 characters;
  never any other part. A role that sees numbers masked matches a number tail by its
  last 4 characters only, the part the mask shows (``models.permissions``);
- the whole phone number, or its last 4 digits;
- the start of the name, or the start of the name's pinyin initials (zxm, zx);
- a part of 3 characters or more (not digits alone) of the name, employer or base union
  (full-text: SQLite FTS5 trigram, PostgreSQL pg_trgm; ``models.worker_search_schema``);
  a shorter word matches such a part only beside a word that narrows the files through
  an index (``matching``).

The files matching every word are found once (``restrict``): up to ``CAP`` of them are
fetched by id, and the list's page and count both read that list of ids, so neither
repeats the search. More matches than that are left to the database as a subquery,
which is still answered from the indexes.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass

from sqlalchemy import (
    ARRAY,
    BigInteger,
    Integer,
    String,
    and_,
    any_,
    bindparam,
    cast,
    column,
    func,
    literal_column,
    or_,
    select,
)
from sqlalchemy import text as sql_text

from models.base import db
from models.idnumber import InvalidIdNumber, normalize_id_number
from models.lookup import array_text
from models.permissions import NUMBER_TAIL, VISIBLE_TAIL
from models.worker import Worker
from models.worker_search_schema import FTS

CAP = 5000  # matching ids fetched once and reused by the page and the count
PLANNED_DENSE = 4 * CAP  # PostgreSQL: a way planned to give more is not asked (``find``)
MAX_WORDS = 5
ID_LENGTH = 18
ID_TAIL = re.compile(r"[0-9]{3,5}[0-9Xx]")  # the last 4 to 6 characters
PHONE = re.compile(r"[0-9+\-]{3,20}")
LETTERS = re.compile(r"[A-Za-z]{1,32}")
ID_TAILS = {4: 15, 5: 14, 6: 13}  # tail length -> where it starts (indexed expressions)
MIN_PART = 3  # the trigram indexes need 3 characters


def words_of(search: str | None) -> list[str]:
    """Return the search's words (at most ``MAX_WORDS``), without control characters."""
    cleaned = "".join(c if c.isprintable() else " " for c in (search or ""))
    return cleaned.split()[:MAX_WORDS]


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def _tail(col, start: int):
    """Return ``substr(col, start)`` with ``start`` written out: an expression index is
    matched only by the same text, and a bound parameter is not."""
    return func.substr(col, literal_column(str(int(start))))


def _id_conditions(word: str, masked: bool, number=Worker.id_number) -> list:
    """Return how ``word`` may match the ID number column ``number`` (none for a middle
    part); a masked role's word by the last 4 characters only."""
    upper = word.upper()
    if masked:
        if NUMBER_TAIL.fullmatch(word) and len(word) <= ID_LENGTH:
            return [_tail(number, ID_TAILS[VISIBLE_TAIL]) == upper[-VISIBLE_TAIL:]]
        return []
    if len(word) == ID_LENGTH:
        try:
            return [number == normalize_id_number(word)]
        except InvalidIdNumber:
            return [number == upper]
    if ID_TAIL.fullmatch(word):
        return [_tail(number, ID_TAILS[len(word)]) == upper]
    return []


def _phone_conditions(word: str) -> list:
    if not PHONE.fullmatch(word):
        return []
    found = [Worker.phone == word]
    if len(word) == 4 and word.isdigit():
        found.append(func.substr(Worker.phone, func.length(Worker.phone) - literal_column("3"))
                     == word)
    return found


def prefix(col, word: str, dialect: str):
    """Return ``col`` starts with ``word``, in the form the database's index serves."""
    if dialect == "sqlite":
        escaped = re.sub(r"([*?\[])", r"[\1]", word)
        return col.op("GLOB")(escaped + "*")
    escaped = re.sub(r"([%_\\])", r"\\\1", word)
    return col.like(escaped + "%")


def _text_selects(word: str, dialect: str) -> list:
    """Return the id SELECTs of name and initials prefixes and full-text parts."""
    found = [select(Worker.id).where(prefix(Worker.name, word, dialect))]
    if LETTERS.fullmatch(word):
        found.append(select(Worker.id).where(prefix(Worker.initials, word.lower(), dialect)))
    # Digits alone are numbers (found above by their indexes); as a part of a unit's name
    # they would walk the long lists of digit trigrams for nothing.
    if len(word) >= MIN_PART and not word.isdigit():
        if dialect == "sqlite":
            phrase = '"' + word.replace('"', '""') + '"'
            found.append(select(column("rowid")).select_from(sql_text(FTS)).where(
                sql_text(f"{FTS} MATCH :phrase").bindparams(phrase=phrase)))
        else:
            escaped = "%" + re.sub(r"([%_\\])", r"\\\1", word) + "%"
            found.append(select(Worker.id).where(or_(
                Worker.name.ilike(escaped), Worker.employer.ilike(escaped),
                Worker.base_union.ilike(escaped))))
    return found


def word_ids(word: str, masked: bool, dialect: str | None = None):
    """Return a SELECT of the ids of the files ``word`` matches, each way by its index."""
    return union_of(word_selects(word, masked, dialect))


def _anchored(word: str, masked: bool) -> bool:
    """Tell whether ``word`` alone narrows the files through an index (not a prefix only)."""
    return len(word) >= MIN_PART or bool(_id_conditions(word, masked) + _phone_conditions(word))


def matching(words: list[str], masked: bool) -> list:
    """Return the conditions every word of the search sets.

    A word shorter than the full-text indexes take (王 纺织) matches a part of name,
    employer or base union only beside a word that narrows the files through an index;
    alone it matches by name and initials prefix.
    """
    dialect = _dialect()
    conditions = []
    for i, word in enumerate(words):
        found = Worker.id.in_(word_ids(word, masked, dialect))
        if len(word) < MIN_PART and any(_anchored(w, masked) for w in words[:i] + words[i + 1:]):
            found = or_(found, *(like_part(c, word, dialect) for c in (
                Worker.name, Worker.employer, Worker.base_union)))
        conditions.append(found)
    return conditions


def ids_condition(ids: list[int], key=Worker.id):
    """Return ``key`` is one of ``ids``, as one parameter (a JSON list or an array)."""
    if _dialect() == "sqlite":
        listed = sql_text("SELECT value FROM json_each(:search_ids)").bindparams(
            search_ids=json.dumps(ids)).columns(column("value", Integer))
        return key.in_(listed)
    return key == any_(cast(bindparam("search_ids", array_text(ids), type_=String),
                            ARRAY(BigInteger)))


def name_ids(word: str, dialect: str):
    """Return a SELECT of the ids of the files whose worker's name ``word`` finds: by
    prefix, pinyin-initials prefix, or (3 characters or more) a part of the name alone."""
    found = [select(Worker.id).where(prefix(Worker.name, word, dialect))]
    if LETTERS.fullmatch(word):
        found.append(select(Worker.id).where(prefix(Worker.initials, word.lower(), dialect)))
    if len(word) >= MIN_PART and not word.isdigit():
        found.append(part_select(Worker.id, FTS, "name", Worker.name, word, dialect))
    return found[0].union(*found[1:])


def part_select(key, fts: str, fts_column: str | None, col, word: str, dialect: str):
    """Return a SELECT of ``key`` where ``col`` (in the full-text table ``fts``: its column
    ``fts_column``, or any of them for None) holds ``word`` (3 characters or more)."""
    if dialect == "sqlite":
        phrase = '"' + word.replace('"', '""') + '"'
        if fts_column:
            phrase = "{" + fts_column + "} : " + phrase
        return select(column("rowid")).select_from(sql_text(fts)).where(
            sql_text(f"{fts} MATCH :phrase").bindparams(phrase=phrase))
    escaped = "%" + re.sub(r"([%_\\])", r"\\\1", word) + "%"
    return select(key).where(col.ilike(escaped))


@dataclass(frozen=True)
class Found:
    """What a search found, for a list: the condition of its page and of its count, and
    how many rows match before any other condition (``more``: at least that many;
    ``about``: the database's estimate)."""

    page: object
    count: object
    rows: int
    more: bool = False
    about: bool = False


def find(key, words: list[str], alternatives, row_match=None, conditions=None) -> Found:
    """Find what ``words`` match, once, for a list's page and count.

    ``alternatives(word)`` gives the id SELECTs of each way a word matches (each served by
    an index); ``row_match(word)``, where given, the same test on one row. One word's
    ways are asked separately, each for at most ``CAP`` + 1 ids: their ids together,
    when ``CAP`` or fewer, are the list's (page and count read them; the count is known).
    A way with more (a common part such as 有限公司) leaves the page to walk the table in
    its order testing each row, which finds a page of a common match quickly, and the
    count to read the indexes; its rows are known to be more than ``CAP`` (PostgreSQL: a
    way planned to give more than ``PLANNED_DENSE`` is not asked, and the list says
    about as many as planned).
    Several words: the rows matching all of them (``conditions``, by default each word's
    ways), up to ``CAP`` + 1 ids.
    """
    if len(words) == 1:
        found: set[int] = set()
        ways = alternatives(words[0])
        for select_ in ways:
            planned = _planned_rows(select_)
            many = planned is not None and planned > PLANNED_DENSE
            ids = [] if many else _ids(select_.limit(CAP + 1))
            if many or len(ids) > CAP:
                union = key.in_(union_of(ways))
                page = union if row_match is None else row_match(words[0])
                if many:  # not asked: its count is the estimate
                    return Found(page, union, planned, about=True)
                return Found(page, union, CAP + 1, more=True)
            found.update(ids)
        if len(found) <= CAP:
            listed = ids_condition(sorted(found), key)
            return Found(listed, listed, len(found))
        union = key.in_(union_of(ways))
        return Found(union, union, CAP + 1, more=True)
    conditions = conditions or [key.in_(union_of(alternatives(word))) for word in words]
    ids = _ids(select(key).where(*conditions).limit(CAP + 1))
    if len(ids) > CAP:
        return Found(and_(*conditions), and_(*conditions), CAP + 1, more=True)
    listed = ids_condition(ids, key)
    return Found(listed, listed, len(ids))


def _ids(select_) -> list[int]:
    """Return the ids ``select_`` gives, as plain rows: thousands of ids need none of the
    ORM's loading (about half the CPU of ``Session.scalars`` for 5,000 of them)."""
    return db.session.connection().scalars(select_).all()


def by_equality(select_):
    """Mark ``select_`` (an ID number, its tail or a phone number, by equality on its
    index) as one ``find`` asks without planning it first: it finds a few rows."""
    return select_.execution_options(search_by_equality=True)


def _planned_rows(select_) -> int | None:
    """Return PostgreSQL's estimate of the rows ``select_`` gives (None on SQLite, and
    for a way ``by_equality``).

    Asking pg_trgm's index for the first ``CAP`` rows of a common part (有限公司) builds
    its whole bitmap first (~180 ms at a million files); its estimate costs a plan.
    """
    bind = db.session.get_bind()
    if (bind.dialect.name != "postgresql"
            or select_.get_execution_options().get("search_by_equality")):
        return None
    compiled = select_.compile(dialect=bind.dialect)
    plan = db.session.connection().exec_driver_sql(
        "EXPLAIN (FORMAT JSON) " + str(compiled), compiled.params).scalar()
    return int(plan[0]["Plan"]["Plan Rows"])


def union_of(selects: list):
    """Return one SELECT of the ids any of ``selects`` gives."""
    return selects[0].union(*selects[1:]) if len(selects) > 1 else selects[0]


def word_selects(word: str, masked: bool, dialect: str | None = None) -> list:
    """Return the id SELECTs of each way ``word`` matches a file, each by its index."""
    dialect = dialect or _dialect()
    exact = _id_conditions(word, masked) + _phone_conditions(word)
    return [by_equality(select(Worker.id).where(c)) for c in exact] + _text_selects(word,
                                                                                   dialect)


def row_match(word: str, masked: bool, dialect: str | None = None):
    """Return ``word_selects``'s test on one file's own columns (a part by LIKE)."""
    dialect = dialect or _dialect()
    tests = _id_conditions(word, masked) + _phone_conditions(word)
    tests.append(prefix(Worker.name, word, dialect))
    if LETTERS.fullmatch(word):
        tests.append(prefix(Worker.initials, word.lower(), dialect))
    if len(word) >= MIN_PART and not word.isdigit():
        tests.extend(like_part(c, word, dialect) for c in (
            Worker.name, Worker.employer, Worker.base_union))
    return or_(*tests)


def like_part(col, word: str, dialect: str):
    """Return ``col`` holds ``word``, tested on the row: what the full-text part finds
    (SQLite's LIKE ignores the case of ASCII letters as the trigram index does)."""
    part = "%" + re.sub(r"([%_\\])", r"\\\1", word) + "%"
    return col.like(part, escape="\\") if dialect == "sqlite" else col.ilike(part, escape="\\")


def search_files(search: str | None, masked: bool) -> Found | None:
    """Return what the worker list's search finds (``find``), or None for no search."""
    words = words_of(search)
    if not words:
        return None
    dialect = _dialect()
    # Several words: a short word beside others may match a part (``matching``).
    return find(Worker.id, words, lambda w: word_selects(w, masked, dialect),
                lambda w: row_match(w, masked, dialect),
                conditions=matching(words, masked) if len(words) > 1 else None)


def restrict(search: str | None, masked: bool):
    """Return the condition that keeps the files the search finds, or None for no search."""
    found = search_files(search, masked)
    return None if found is None else found.count
