"""The bulk of the demo: worker files with households, written as the Excel import writes.

A million files through the ORM would take hours, so the rows go in with
``portal.excel.bulk.insert_rows`` (SQLite) or COPY (``copy_rows``, PostgreSQL) in chunks,
each file with its id, taken before, and the fields ``derived_values`` derives
(as the form derives them) set from what made them, and their ``person_in_file`` rows
as ``rebuild_person_index`` writes them, by id range: the tables' indexes are built once
after the last chunk (``portal.excel.bulk_indexes.deferred``, which on PostgreSQL drops
and adds back the foreign keys between them too). Faker is slow per call:
names, streets, jobs and employers come from pools made once and combined at random;
the draws are ``random()`` scaled, and ID numbers are built from cached prefixes.
"""
from __future__ import annotations

import datetime as dt
import json
import random
import time
from bisect import bisect
from concurrent.futures import ThreadPoolExecutor
from itertools import accumulate

from faker import Faker
from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, select

from models import FamilyMember, Worker, db
from models.choices import HARDSHIP_CAUSES, HEALTH, HOUSING_TYPES, MEDICAL_INSURANCE
from models.idnumber import CHECK_DIGITS
from models.worker import LIVE_STATUSES
from models.worker_episode_rules import MISSING_EPISODES
from models.worker_rules import name_initials, per_capita_monthly_income
from portal.excel.bulk import _default, insert_rows, roomy_cache
from portal.excel.bulk_indexes import deferred, people_tables

CHUNK = 50_000  # files written (and reported) at a time
# SQLite page cache while seeding: a million files' indexes (random ID numbers, names,
# the full-text index) outgrow the import's 64 MB, and pages then go out and back in.
# The whole seed is one transaction: a cache of about its size (some 1.9 KiB a file with
# its household, aid and indexes) keeps its pages from being written out and read back.
CACHE_KIB = 1024 * 1024
CACHE_KIB_A_FILE = 2.5


def cache_kib(workers: int) -> int:
    """Return the SQLite page cache, in KiB, of a seed of ``workers`` files."""
    return max(CACHE_KIB, int(workers * CACHE_KIB_A_FILE))

# Districts of one prefecture-level city (Jinan), as a real centre would see.
AREAS = ("370102", "370103", "370104", "370105", "370112", "370113", "370114", "370124",
         "370126", "370181")
DISTRICTS = ("历下区", "市中区", "槐荫区", "天桥区", "历城区", "长清区", "章丘区", "济阳区")
# Faker's zh_CN given names mix the genders (朱冬梅 as a male name), so given names
# come from these lists and surnames from Faker.
GIVEN_NAMES = {
    "M": ("建国", "志强", "伟", "磊", "军", "勇", "杰", "涛", "明", "超", "刚", "平", "辉", "鹏",
          "海涛", "建华", "国强", "立新", "文斌", "永刚", "振华", "宏伟", "德明", "长青"),
    "F": ("秀英", "桂英", "丽", "静", "敏", "燕", "艳", "娟", "霞", "玲", "芳", "红梅", "丽娟",
          "淑珍", "玉兰", "春梅", "海燕", "雪梅", "慧", "婷", "晓红", "凤英", "桂兰", "美玲"),
}
CATEGORY_WEIGHTS = {"deep": 25, "relative": 45, "accident": 15, "migrant": 15}
STATUS_WEIGHTS = {"active": 78, "pending": 8, "exited": 11, "removed": 3}
NATURE_WEIGHTS = {"state": 30, "collective": 10, "private": 35, "foreign": 5, "public": 8,
                  "individual": 7, "other": 5}
MEMBER_HEALTH = {"healthy": 70, "chronic": 15, "serious": 8, "disabled": 7}
BANKS = ("中国工商银行", "中国农业银行", "中国建设银行", "齐鲁银行")
CHILDREN = (0, 1, 1, 1, 2, 2, 3)  # drawn from, as are the next two
INCOMES = (0, 0, 1200, 1800, 2600, 3200)  # of a member of working age, a month
SECONDARY = (0, 1, 1, 2, 3)  # hardship causes besides the main one


class Draw(random.Random):
    """Random draws at a tenth of the cost of ``choice`` and ``randint``, from ``random()``.

    The bias of scaling a float is far below what demo data could show; a million
    files make some sixty million draws.
    """

    def pick(self, seq):
        """Return an element of ``seq``."""
        return seq[int(self.random() * len(seq))]

    def between(self, low: int, high: int) -> int:
        """Return an integer from ``low`` to ``high``, both included."""
        return low + int(self.random() * (high - low + 1))


class Weighted:
    """Draw keys by weight, faster than ``random.choices`` per call."""

    def __init__(self, weights: dict):
        self.keys, self.cumulative = list(weights), list(accumulate(weights.values()))

    def __call__(self, rnd: random.Random):
        """Return a key, drawn in proportion to its weight."""
        return self.keys[bisect(self.cumulative, rnd.random() * self.cumulative[-1])]


class Pools:
    """Faker's words, drawn once (duplicates kept, so common surnames stay common)."""

    def __init__(self, fake: Faker, rnd: random.Random, workers: int):
        self.surnames = [fake.last_name() for _ in range(600)]
        self.streets = [fake.street_name() for _ in range(400)]
        self.jobs = [fake.job() for _ in range(300)]
        self.mobile_prefixes = sorted({fake.phone_number()[:3] for _ in range(200)})
        self.employers = employers(fake, rnd, min(300, max(20, workers // 100)))

    def name(self, rnd: Draw, gender: str) -> str:
        """Return a surname and a given name of ``gender``."""
        return rnd.pick(self.surnames) + rnd.pick(GIVEN_NAMES[gender])


def employers(fake: Faker, rnd: random.Random, n: int = 20) -> list[tuple[str, str, str]]:
    """Return up to ``n`` ``(employer, nature, base union)`` triples."""
    nature_of = Weighted(NATURE_WEIGHTS)
    result, names = [], set()
    for _attempt in range(n * 20):  # Faker knows a few hundred company names
        if len(result) == n:
            break
        name = fake.company()
        if name in names:
            continue
        names.add(name)
        nature = nature_of(rnd)
        union = name + "工会" if nature in ("state", "collective", "public", "foreign") \
            else fake.street_name() + "街道联合工会"
        result.append((name, nature, union))
    return result


class People:
    """Make valid ID numbers, unique without remembering every one made.

    Each (area, birth date, gender) keeps a counter from a random start: the
    sequence digits run through the 500 of that gender from there, so numbers of
    one slot never repeat. Numbers already in the database are skipped. Days are
    ordinals (``date.toordinal``): a million files make some 3.4 million people.
    """

    def __init__(self, rnd: Draw, as_of: dt.date, taken=()):
        self.rnd, self.as_of, self.taken = rnd, as_of.toordinal(), set(taken)
        self.slots: dict[int, int] = {}
        # (day, area) -> the number's first 14 digits and their base-13 value times 13³,
        # what the check digit (``models.idnumber``) sums: each is made once.
        self.prefixes: dict[int, tuple[str, int]] = {}

    def born(self, min_age: int, max_age: int) -> int:
        """Return the day (ordinal) of a birth ``min_age`` to ``max_age`` years before."""
        return self.as_of - min_age * 365 - int(self.rnd.random()
                                                * ((max_age - min_age) * 365 + 365))

    def id_number(self, born: int, male: bool) -> tuple[str, int]:
        """Return a new valid ID number of someone born on day ``born``, and that day
        (the next one when the day's numbers of the area ran out)."""
        random, slots, areas = self.rnd.random, self.slots, len(AREAS)
        while True:
            area = int(random() * areas)
            key = (born * areas + area) * 2 + male
            used = slots.get(key)
            if used is None:
                used = int(random() * 500) * 1000  # the start, times 1000, + how many made
            if used % 1000 == 500:  # all 500 numbers of the slot made: the day after
                born += 1
                continue
            slots[key] = used + 1
            seq = 2 * ((used // 1000 + used % 1000) % 500) + male
            prefix = self.prefixes.get(born * areas + area)
            if prefix is None:
                text = AREAS[area] + dt.date.fromordinal(born).strftime("%Y%m%d")
                prefix = self.prefixes[born * areas + area] = (text, int(text, 13) * 2197)
            digits = f"{seq:03d}"
            body = prefix[0] + digits
            number = body + CHECK_DIGITS[(1 - 2 * (prefix[1] + int(digits, 13))) % 11]
            if number not in self.taken:
                return number, born


class Households:
    """Make worker rows and their household members' rows, as plain dicts."""

    def __init__(self, rnd: Draw, pools: Pools, people: People, staff_id: int):
        self.rnd, self.pools, self.people, self.staff_id = rnd, pools, people, staff_id
        self.category, self.status = Weighted(CATEGORY_WEIGHTS), Weighted(STATUS_WEIGHTS)
        self.health = Weighted(MEMBER_HEALTH)
        self.causes, self.as_of = list(HARDSHIP_CAUSES), dt.date.fromordinal(people.as_of)
        # The other causes of each main cause, to draw the secondary ones from.
        self.others = {c: [o for o in self.causes if o != c] for c in self.causes}
        self.days = {}  # ordinal -> date, of the days the files were filed and reviewed
        self.per_capita: dict[tuple[int, int], object] = {}  # (net, size) -> per head

    def members(self, worker_born: int) -> list[dict]:
        """Return the household members of a worker born on day ``worker_born``."""
        rnd, people, pools = self.rnd, self.people, self.pools
        random, born_, number = rnd.random, people.born, people.id_number
        as_of = people.as_of
        age = (as_of - worker_born) // 365
        members = []
        if random() < 0.75:
            members.append(("spouse", random() < 0.5, born_(max(20, age - 6), age + 4)))
        for _child in range(CHILDREN[int(random() * 7)]):
            members.append(("child", random() < 0.5, born_(1, 24)))
        if random() < 0.2:
            members.append(("parent", random() < 0.5, born_(70, 90)))
        rows = []
        surnames, jobs, health = pools.surnames, pools.jobs, self.health
        for relation, male, born in members:
            age = (as_of - born) // 365
            work = ""
            if relation == "child":
                work = ("小学" if age < 12 else "中学" if age < 18 else "大学" if age < 23
                        else jobs[int(random() * len(jobs))])
            given = GIVEN_NAMES["M" if male else "F"]
            name = surnames[int(random() * len(surnames))] + given[int(random() * len(given))]
            rows.append({
                "name": name, "initials": name_initials(name), "relation": relation,
                "id_number": number(born, male)[0], "health": health(rnd),
                "monthly_income": INCOMES[int(random() * 6)] if 18 <= age < 70 else 0,
                "school_or_work": work})
        return rows

    def day(self, ordinal: int) -> dt.date:
        """Return the date of day ``ordinal`` (one object a day)."""
        try:
            return self.days[ordinal]
        except KeyError:
            return self.days.setdefault(ordinal, dt.date.fromordinal(ordinal))

    def fill(self, row: dict, members: list[dict]) -> None:
        """Fill ``row`` (its ``id`` given) as one worker file, and add its household to
        ``members``.

        What ``derived_values`` derives (birth date, gender, household size, income per
        head, initials) is set from what made the row, as it would derive it.
        """
        rnd, pools, as_of = self.rnd, self.pools, self.people.as_of
        random, pick, between = rnd.random, rnd.pick, rnd.between
        male = random() < 0.5
        number, born = self.people.id_number(self.people.born(24, 60), male)
        household = self.members(born)
        for member in household:
            member["worker_id"] = row["id"]
        members.extend(household)
        employer, nature, union = pick(pools.employers)
        status = self.status(rnd)
        filed = as_of - between(20, 5 * 365)
        reviewed = None
        if status == "active":  # most reviewed within the year, about one in six overdue
            reviewed = self.day(max(filed, as_of - between(0, 430)))
        main = pick(self.causes)
        others = pick(SECONDARY)
        secondary = rnd.sample(self.others[main], others) if others else []
        size = 1 + len(household)
        income, spending = 100 * between(60, 599), 100 * between(0, 239)
        per_capita = self.per_capita.get((income - spending, size))
        if per_capita is None:
            per_capita = self.per_capita[income - spending, size] = \
                per_capita_monthly_income(income, spending, size)
        name = pools.name(rnd, "M" if male else "F")
        row.update(
            name=name, initials=name_initials(name), id_number=number,
            birth_date=self.day(born), gender="M" if male else "F",
            ethnicity="回族" if random() < 0.1 else "汉族",
            phone=f"{pick(pools.mobile_prefixes)}{int(random() * 10 ** 8):08d}",
            base_union=union, employer=employer, employer_nature=nature,
            address=(f"山东省济南市{pick(DISTRICTS)}{pick(pools.streets)}"
                     f"{between(1, 300)}号{between(1, 6)}单元"
                     f"{between(1, 18)}0{between(1, 4)}室"),
            category=self.category(rnd), main_cause=main, secondary_causes=secondary,
            health=pick(HEALTH_KEYS), single_parent=random() < 0.08,
            household_size=size, household_income=income, per_capita_income=per_capita,
            essential_spending=spending, on_dibao=random() < 0.2,
            housing_type=pick(HOUSING_KEYS), housing_area=between(18, 109),
            medical_insurance=pick(INSURANCE_KEYS), bank_name=pick(BANKS),
            bank_card_no=f"6222{int(random() * 10 ** 15):015d}", status=status,
            filed_on=self.day(filed), filed_by_id=self.staff_id, last_reviewed_on=reviewed,
            reviewed_by_id=self.staff_id if reviewed else None)
        if status in ("exited", "removed"):
            row["exit_date"] = self.day(min(as_of, filed + between(180, 900)))
            row["exit_reason"] = ("家庭收入提高，已稳定脱困" if status == "exited"
                                  else "核查不符合建档条件")


HEALTH_KEYS, HOUSING_KEYS, INSURANCE_KEYS = (list(HEALTH), list(HOUSING_TYPES),
                                             list(MEDICAL_INSURANCE))


# The person-index rows (``models.worker_rules.rebuild_person_index``) of the files and
# members after the given ids: read by id range, as the indexes on the files' numbers and
# the members' files are built only after the last chunk. The files joined to the new
# members are new too: without ``w.id > {file}`` the statement took longer with every
# chunk on PostgreSQL (0.3 s at first, 1 s at a million files).
PERSON_INDEX = (
    "INSERT INTO person_in_file (id_number, worker_id, member_id, live) "
    "SELECT w.id_number, w.id, NULL, {live} FROM worker w WHERE w.id > {file} "
    "UNION ALL SELECT m.id_number, m.worker_id, m.id, {live} FROM family_member m "
    "JOIN worker w ON w.id = m.worker_id WHERE m.id > {member} AND w.id > {file} "
    "AND m.id_number IS NOT NULL")
LIVE = "w.status IN ({})".format(", ".join(f"'{s}'" for s in LIVE_STATUSES))


# The episodes ``add_missing_episodes`` gives files written in bulk, for the files after
# an id (new: none has an episode yet). Its NOT EXISTS, run once over a million files,
# scans worker_episode for each file on PostgreSQL (no index leads by worker_id).
MISSING_FOR = "NOT EXISTS (SELECT 1 FROM worker_episode e WHERE e.worker_id = w.id)"
assert MISSING_FOR in MISSING_EPISODES
NEW_EPISODES = MISSING_EPISODES.replace(MISSING_FOR, "w.id > {after}")


def _add_episodes(conn, after: int) -> None:
    """Give the files after id ``after`` their episodes, as ``add_missing_episodes`` does."""
    sql = NEW_EPISODES.replace("{after}", str(int(after))).replace(
        "{false}", "false" if conn.dialect.name == "postgresql" else "0")
    conn.exec_driver_sql(sql.replace("%", "%%") if conn.dialect.paramstyle in (
        "format", "pyformat") else sql)


def copy_rows(table, rows: list[dict], fixed: dict | None = None) -> None:
    """On PostgreSQL, write ``rows`` with COPY: what ``insert_rows`` writes (a column no
    row gives takes its default, ``fixed`` values every row, the primary key when the
    first row gives it), with a third less of the client's time."""
    fixed = fixed or {}
    given = [c for c in table.c if not c.primary_key or (rows and c.key in rows[0])]
    columns = [(c.key, fixed.get(c.key, _default(c))) for c in given]
    json_at = [n for n, c in enumerate(given) if isinstance(c.type, JSON)]
    names = ", ".join(f'"{c.name}"' for c in given)
    raw = db.session.connection().connection.dbapi_connection
    with raw.cursor() as cursor, cursor.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:
        write, dumps = copy.write_row, json.dumps
        for row in rows:
            get = row.get
            values = [default if (value := get(key)) is None else value
                      for key, default in columns]
            for n in json_at:
                if values[n] is not None:
                    values[n] = dumps(values[n])
            write(values)


def _last_id(conn, table: str) -> int:
    return conn.exec_driver_sql(f"SELECT COALESCE(MAX(id), 0) FROM {table}").scalar()


def new_ids(conn, table: str, count: int):
    """Return ``count`` new ids of ``table``, rising: taken from its sequence on PostgreSQL
    (no one else gets them), after the highest on SQLite (the seed holds the write lock)."""
    if conn.dialect.name == "postgresql":
        return list(conn.exec_driver_sql(
            f"SELECT nextval(pg_get_serial_sequence('{table}', 'id')) "
            f"FROM generate_series(1, {int(count)})").scalars())
    first = _last_id(conn, table) + 1
    return range(first, first + count)


def load(rnd: random.Random, fake: Faker, as_of: dt.date, staff, workers: int,
         progress=None, place=None, stage=None, finish=None) -> tuple[int, int]:
    """Write ``workers`` files with households in bulk; return (files, members) made.

    ``progress(files, members)`` is called after every ``CHUNK`` files. Each file's id
    is known before it is written: ``place(row)``, when given, then sets its unit (and
    filer) from it, and its members' rows refer to it. Each chunk's person-index rows
    and episodes are written with it, by id range. ``finish()``, when given, is called
    after the last chunk, before the indexes are built (an UPDATE of many files is
    cheap then); ``stage(label, seconds)`` once they are, with how long that took.
    """
    taken = set(db.session.scalars(select(Worker.id_number)))
    taken.update(n for n in db.session.scalars(select(FamilyMember.id_number)) if n)
    draw = Draw(rnd.getrandbits(64))
    households = Households(draw, Pools(fake, draw, workers), People(draw, as_of, taken),
                            staff.id)
    conn = db.session.connection()
    write = copy_rows if conn.dialect.name == "postgresql" else insert_rows

    def make(ids) -> tuple[list[dict], list[dict]]:
        """Return the files of ``ids`` and their members' rows."""
        batch, people = [{"id": n} for n in ids], []
        for row in batch:
            households.fill(row, people)
            if place is not None:
                place(row)
        return batch, people

    ids = new_ids(conn, "worker", workers)
    made = members = 0
    with roomy_cache(cache_kib(workers)), deferred(conn, people_tables(conn)), \
            ThreadPoolExecutor(max_workers=1) as maker:
        # Each chunk is made in this one thread, after the one before (the same seed
        # makes the same files on either database), while the database stores the one
        # before: the driver waits for it without holding the GIL.
        pending = maker.submit(make, ids[:CHUNK]) if workers > 0 else None
        while pending is not None:
            batch, people = pending.result()
            made, after = made + len(batch), batch[0]["id"] - 1
            pending = maker.submit(make, ids[made:made + CHUNK]) if made < workers else None
            last_member = _last_id(conn, "family_member")
            write(Worker.__table__, batch)
            write(FamilyMember.__table__, people)
            conn.exec_driver_sql(PERSON_INDEX.format(live=LIVE, file=after, member=last_member))
            _add_episodes(conn, after)
            members += len(people)
            if progress is not None:
                progress(made, members)
        if finish is not None:
            finish()
        indexing = time.perf_counter()
    if stage is not None:
        stage(_l("Indexes of the files"), time.perf_counter() - indexing)
    return made, members
