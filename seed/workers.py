"""The bulk of the demo: worker files with households, written as the Excel import writes.

A million files through the ORM would take hours, so the rows go in with
``portal.excel.bulk.insert_rows``, their derived fields from ``derived_values`` (as the
form derives them) and their ``person_in_file`` rows from ``rebuild_person_index``, as
the 100,000-row import does. Faker is slow per call: names, streets, jobs and employers
come from pools made once and combined at random.
"""
from __future__ import annotations

import datetime as dt
import random
from bisect import bisect
from itertools import accumulate

from faker import Faker
from sqlalchemy import select

from models import FamilyMember, Worker, db
from models.choices import HARDSHIP_CAUSES, HEALTH, HOUSING_TYPES, MEDICAL_INSURANCE
from models.idnumber import make_id_number
from models.worker_rules import (
    DERIVED_FROM,
    derived_values,
    name_initials,
    rebuild_person_index,
)
from portal.excel.bulk import insert_rows, roomy_cache
from portal.excel.bulk_indexes import PEOPLE_TABLES, deferred

CHUNK = 50_000  # files written (and reported) at a time
# SQLite page cache while seeding: a million files' indexes (random ID numbers, names,
# the full-text index) outgrow the import's 64 MB, and pages then go out and back in.
CACHE_KIB = 1024 * 1024

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
    one slot never repeat. Numbers already in the database are skipped.
    """

    def __init__(self, rnd: Draw, as_of: dt.date, taken=()):
        self.rnd, self.as_of, self.taken = rnd, as_of.toordinal(), set(taken)
        self.slots: dict[int, int] = {}

    def born(self, min_age: int, max_age: int) -> dt.date:
        """Return a birth date between ``min_age`` and ``max_age`` years before the day."""
        return dt.date.fromordinal(
            self.as_of - self.rnd.between(min_age * 365, max_age * 365 + 364))

    def id_number(self, born: dt.date, gender: str) -> str:
        """Return a new valid ID number of someone born on ``born``."""
        while True:
            area = int(self.rnd.random() * len(AREAS))
            key = (born.toordinal() * len(AREAS) + area) * 2 + (gender == "M")
            used = self.slots.get(key)
            if used is None:
                used = int(self.rnd.random() * 500) * 1000  # the start, times 1000, + how many made
            if used % 1000 == 500:  # all 500 numbers of the slot made: the day after
                born += dt.timedelta(days=1)
                continue
            self.slots[key] = used + 1
            seq = 2 * ((used // 1000 + used % 1000) % 500) + (gender == "M")
            number = make_id_number(AREAS[area], born, seq)
            if number not in self.taken:
                return number


class Households:
    """Make worker rows and their household members' rows, as plain dicts."""

    def __init__(self, rnd: Draw, pools: Pools, people: People, staff_id: int):
        self.rnd, self.pools, self.people, self.staff_id = rnd, pools, people, staff_id
        self.by_name: dict[str, dict] = {}
        self.category, self.status = Weighted(CATEGORY_WEIGHTS), Weighted(STATUS_WEIGHTS)
        self.health = Weighted(MEMBER_HEALTH)
        self.causes, self.as_of = list(HARDSHIP_CAUSES), dt.date.fromordinal(people.as_of)

    def members(self, worker_born: dt.date, number: str) -> list[dict]:
        """Return the household members of a worker born on ``worker_born``."""
        rnd, people = self.rnd, self.people
        age = (self.as_of - worker_born).days // 365
        members = []
        if rnd.random() < 0.75:
            members.append(("spouse", rnd.pick("MF"), people.born(max(20, age - 6), age + 4)))
        for _child in range(rnd.pick((0, 1, 1, 1, 2, 2, 3))):
            members.append(("child", rnd.pick("MF"), people.born(1, 24)))
        if rnd.random() < 0.2:
            members.append(("parent", rnd.pick("MF"), people.born(70, 90)))
        rows = []
        for relation, gender, born in members:
            age = (self.as_of - born).days // 365
            work = ""
            if relation == "child":
                work = ("小学" if age < 12 else "中学" if age < 18 else "大学" if age < 23
                        else rnd.pick(self.pools.jobs))
            name = self.pools.name(rnd, gender)
            rows.append({
                "_file": number, "name": name, "initials": name_initials(name),
                "relation": relation,
                "id_number": people.id_number(born, gender), "health": self.health(rnd),
                "monthly_income": rnd.pick((0, 0, 1200, 1800, 2600, 3200))
                if 18 <= age < 70 else 0, "school_or_work": work})
        return rows

    def fill(self, row: dict, members: list[dict]) -> None:
        """Fill ``row`` as one worker file, and add its household to ``members``."""
        rnd, pools, as_of = self.rnd, self.pools, self.as_of
        gender = rnd.pick("MF")
        born = self.people.born(24, 60)
        number = self.people.id_number(born, gender)
        household = self.members(born, number)
        members.extend(household)
        employer, nature, union = rnd.pick(pools.employers)
        status = self.status(rnd)
        filed = as_of - dt.timedelta(days=rnd.between(20, 5 * 365))
        reviewed = None
        if status == "active":  # most reviewed within the year, about one in six overdue
            reviewed = max(filed, as_of - dt.timedelta(days=rnd.between(0, 430)))
        main = rnd.pick(self.causes)
        secondary = rnd.sample([c for c in self.causes if c != main],
                               rnd.pick((0, 1, 1, 2, 3)))
        row.update(
            name=pools.name(rnd, gender), id_number=number,
            ethnicity="回族" if rnd.random() < 0.1 else "汉族",
            phone=f"{rnd.pick(pools.mobile_prefixes)}{rnd.between(0, 10 ** 8 - 1):08d}",
            base_union=union, employer=employer, employer_nature=nature,
            address=(f"山东省济南市{rnd.pick(DISTRICTS)}{rnd.pick(pools.streets)}"
                     f"{rnd.between(1, 300)}号{rnd.between(1, 6)}单元"
                     f"{rnd.between(1, 18)}0{rnd.between(1, 4)}室"),
            category=self.category(rnd), main_cause=main, secondary_causes=secondary,
            health=rnd.pick(HEALTH_KEYS), single_parent=rnd.random() < 0.08,
            household_size=1 + len(household),
            household_income=100 * rnd.between(60, 599),
            essential_spending=100 * rnd.between(0, 239), on_dibao=rnd.random() < 0.2,
            housing_type=rnd.pick(HOUSING_KEYS), housing_area=rnd.between(18, 109),
            medical_insurance=rnd.pick(INSURANCE_KEYS), bank_name=rnd.pick(BANKS),
            bank_card_no=f"6222{rnd.between(0, 10 ** 15 - 1):015d}", status=status,
            filed_on=filed, last_reviewed_on=reviewed,
            reviewed_by_id=self.staff_id if reviewed else None)
        # The hardship certificate's number comes from its rules (seed.reviews); the draw
        # that once made one stays, so the demo's later draws are what they were.
        rnd.between(10000, 99998)
        if status in ("exited", "removed"):
            row["exit_date"] = min(as_of, filed + dt.timedelta(days=rnd.between(180, 900)))
            row["exit_reason"] = ("家庭收入提高，已稳定脱困" if status == "exited"
                                  else "核查不符合建档条件")
        row.update(derived_values({k: row[k] for k in UNNAMED}, None))
        row.update(self.named(row["name"], number))

    def named(self, name: str, number: str) -> dict:
        """Return what ``derived_values`` derives from the name (pinyin initials), once
        per name: the pools make far fewer names than files, and pinyin is slow."""
        try:
            return self.by_name[name]
        except KeyError:
            plain = derived_values({"id_number": number}, None)
            return self.by_name.setdefault(name, {
                k: v for k, v in derived_values({"id_number": number, "name": name},
                                                None).items() if k not in plain})


# What derived_values reads but the name (whose part, the initials, ``named`` caches).
UNNAMED = tuple(key for key in DERIVED_FROM if key != "name")
HEALTH_KEYS, HOUSING_KEYS, INSURANCE_KEYS = (list(HEALTH), list(HOUSING_TYPES),
                                             list(MEDICAL_INSURANCE))


def load(rnd: random.Random, fake: Faker, as_of: dt.date, staff, workers: int,
         progress=None) -> tuple[int, int]:
    """Write ``workers`` files with households in bulk; return (files, members) made.

    ``progress(files, members)`` is called after every ``CHUNK`` files.
    """
    taken = set(db.session.scalars(select(Worker.id_number)))
    taken.update(n for n in db.session.scalars(select(FamilyMember.id_number)) if n)
    draw = Draw(rnd.getrandbits(64))
    households = Households(draw, Pools(fake, draw, workers), People(draw, as_of, taken),
                            staff.id)
    conn = db.session.connection()
    made = members = 0
    with roomy_cache(CACHE_KIB), deferred(conn, PEOPLE_TABLES):
        while made < workers:
            batch, people = [{} for _ in range(min(CHUNK, workers - made))], []
            # The rows are made in insert_rows' second thread while the driver stores
            # the rows before, one after the other, so the same seed makes the same files.
            ids = insert_rows(Worker.__table__, batch, {"filed_by_id": staff.id},
                              prepare=lambda row, people=people: households.fill(row, people),
                              key="id_number")
            for person in people:
                person["worker_id"] = ids[person["_file"]]
            insert_rows(FamilyMember.__table__, people)
            rebuild_person_index(conn, ids.values(), new=True)
            made, members = made + len(batch), members + len(people)
            if progress is not None:
                progress(made, members)
    return made, members
