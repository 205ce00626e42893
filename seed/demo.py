"""Realistic, reproducible demo data made with Faker's zh_CN provider."""
from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from faker import Faker
from flask_babel import gettext as _
from sqlalchemy import select

from models import FamilyMember, User, Worker, db
from models.choices import (
    EMPLOYER_NATURES,
    HARDSHIP_CAUSES,
    HEALTH,
    HOUSING_TYPES,
    MEDICAL_INSURANCE,
)
from models.idnumber import make_id_number
from portal.database import ensure_settings
from seed import aid as aid_seed
from seed import inventory as inventory_seed
from seed import loans as loan_seed
from seed import notices as notice_seed
from seed import training as training_seed

DEMO_USERS = (
    ("admin", "admin12345", "admin"),
    ("staff", "staff12345", "staff"),
    ("clerk", "clerk12345", "clerk"),
    ("manager", "manager12345", "manager"),
)
DEMO_NAMES = {"admin": "系统管理员", "staff": "王帮扶", "clerk": "李库管", "manager": "赵主任"}

# Districts of one prefecture-level city (Jinan), as a real centre would see.
AREAS = ("370102", "370103", "370104", "370105", "370112", "370113", "370114", "370124",
         "370126", "370181")
DISTRICTS = ("历下区", "市中区", "槐荫区", "天桥区", "历城区", "长清区", "章丘区", "济阳区")
# The day the data is "as of": fixed so that the same seed always gives the same data.
AS_OF = dt.date(2026, 11, 1)
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


def _name(fake: Faker, rnd: random.Random, gender: str) -> str:
    return fake.last_name() + rnd.choice(GIVEN_NAMES[gender])


class _People:
    """Make unique, valid ID numbers."""

    def __init__(self, rnd: random.Random):
        self.rnd, self.used = rnd, set()

    def id_number(self, born: dt.date, gender: str) -> str:
        while True:
            seq = self.rnd.randrange(0, 1000)
            if (seq % 2 == 1) != (gender == "M"):
                seq = (seq + 1) % 1000
            number = make_id_number(self.rnd.choice(AREAS), born, seq)
            if number not in self.used:
                self.used.add(number)
                return number

    def born(self, min_age: int, max_age: int) -> dt.date:
        return AS_OF - dt.timedelta(days=self.rnd.randint(min_age * 365, max_age * 365 + 364))


def _weighted(rnd, weights: dict) -> str:
    return rnd.choices(list(weights), weights=list(weights.values()))[0]


def _employers(fake: Faker, rnd: random.Random, n: int = 20) -> list[tuple[str, str, str]]:
    """Return ``(employer, nature, base union)`` triples."""
    result, names = [], set()
    while len(result) < n:
        name = fake.company()
        if name in names:
            continue
        names.add(name)
        nature = _weighted(rnd, NATURE_WEIGHTS)
        union = name + "工会" if nature in ("state", "collective", "public", "foreign") \
            else fake.street_name() + "街道联合工会"
        result.append((name, nature, union))
    return result


def _members(fake: Faker, rnd: random.Random, people: _People, worker_born: dt.date):
    members = []
    if rnd.random() < 0.75:
        gender = rnd.choice("MF")
        born = people.born(max(20, (AS_OF - worker_born).days // 365 - 6),
                           (AS_OF - worker_born).days // 365 + 4)
        members.append(("spouse", gender, born))
    for _child in range(rnd.choice((0, 1, 1, 1, 2, 2, 3))):
        members.append(("child", rnd.choice("MF"), people.born(1, 24)))
    if rnd.random() < 0.2:
        members.append(("parent", rnd.choice("MF"), people.born(70, 90)))
    rows = []
    for relation, gender, born in members:
        name = _name(fake, rnd, gender)
        age = (AS_OF - born).days // 365
        rows.append(FamilyMember(
            name=name, relation=relation, id_number=people.id_number(born, gender),
            health=_weighted(rnd, {"healthy": 70, "chronic": 15, "serious": 8, "disabled": 7}),
            monthly_income=Decimal(rnd.choice((0, 0, 1200, 1800, 2600, 3200)))
            if 18 <= age < 70 else Decimal("0"),
            school_or_work=("小学" if age < 12 else "中学" if age < 18 else "大学" if age < 23
                            else fake.job()) if relation == "child" else ""))
    return rows


def _worker(fake, rnd, people, employers, staff) -> Worker:
    gender = rnd.choice("MF")
    born = people.born(24, 60)
    employer, nature, union = rnd.choice(employers)
    members = _members(fake, rnd, people, born)
    size = 1 + len(members)
    income = Decimal(rnd.randrange(6000, 60000, 100))
    spending = Decimal(rnd.randrange(0, 24000, 100))
    status = _weighted(rnd, STATUS_WEIGHTS)
    filed = AS_OF - dt.timedelta(days=rnd.randint(20, 5 * 365))
    reviewed = None
    if status == "active":  # most reviewed within the year, about one in six overdue
        reviewed = max(filed, AS_OF - dt.timedelta(days=rnd.randint(0, 430)))
    causes = list(HARDSHIP_CAUSES)
    main = rnd.choice(causes)
    secondary = rnd.sample([c for c in causes if c != main], rnd.choice((0, 1, 1, 2, 3)))
    worker = Worker(
        name=_name(fake, rnd, gender),
        id_number=people.id_number(born, gender), ethnicity=rnd.choice(("汉族",) * 9 + ("回族",)),
        phone=fake.phone_number(), base_union=union, employer=employer,
        employer_nature=nature if nature in EMPLOYER_NATURES else "other",
        address=(f"山东省济南市{rnd.choice(DISTRICTS)}{fake.street_name()}{rnd.randint(1, 300)}号"
                 f"{rnd.randint(1, 6)}单元{rnd.randint(1, 18)}0{rnd.randint(1, 4)}室"),
        category=_weighted(rnd, CATEGORY_WEIGHTS),
        main_cause=main, secondary_causes=secondary, health=rnd.choice(list(HEALTH)),
        single_parent=rnd.random() < 0.08, household_size=size, household_income=income,
        essential_spending=spending, on_dibao=rnd.random() < 0.2,
        housing_type=rnd.choice(list(HOUSING_TYPES)),
        housing_area=Decimal(rnd.randrange(18, 110)),
        medical_insurance=rnd.choice(list(MEDICAL_INSURANCE)),
        bank_name=rnd.choice(("中国工商银行", "中国农业银行", "中国建设银行", "齐鲁银行")),
        bank_card_no="6222" + "".join(rnd.choice("0123456789") for _ in range(15)),
        status=status, filed_on=filed, filed_by=staff, last_reviewed_on=reviewed,
        reviewed_by=staff if reviewed else None,
        certificate_no=f"困{filed.year}{rnd.randrange(10000, 99999)}",
        members=members)
    if status in ("exited", "removed"):
        worker.exit_date = min(AS_OF, filed + dt.timedelta(days=rnd.randint(180, 900)))
        worker.exit_reason = ("家庭收入提高，已稳定脱困" if status == "exited"
                              else "核查不符合建档条件")
    return worker


def ensure_demo_users() -> dict[str, User]:
    """Create the demo user of each role if missing, and return them by role."""
    users = {}
    for username, password, role in DEMO_USERS:
        user = db.session.scalar(select(User).where(User.username == username))
        if user is None:
            user = User(username=username, full_name=DEMO_NAMES[role], role=role)
            user.set_password(password)
            db.session.add(user)
        users[role] = user
    db.session.flush()
    return users


def load(workers: int = 2000, seed: int = 20261129) -> dict[str, int]:
    """Add demo users and ``workers`` worker files with households; return the counts."""
    rnd = random.Random(seed)
    fake = Faker("zh_CN")
    fake.seed_instance(seed)
    db.session.info["audit"] = False  # demo data is not anybody's work
    try:
        ensure_settings()
        users = ensure_demo_users()
        people = _People(rnd)
        people.used.update(db.session.scalars(select(Worker.id_number)))
        people.used.update(n for n in db.session.scalars(select(FamilyMember.id_number)) if n)
        employers = _employers(fake, rnd)
        made = members = 0
        while made < workers:
            batch = [_worker(fake, rnd, people, employers, users["staff"])
                     for _ in range(min(500, workers - made))]
            db.session.add_all(batch)
            db.session.flush()
            made += len(batch)
            members += sum(len(w.members) for w in batch)
        aid = aid_seed.load(rnd, users, count=max(1, workers * 3 // 10))
        goods = inventory_seed.load(rnd, users)
        notices = notice_seed.load(rnd, users)
        enrolments = training_seed.load(rnd, users, AS_OF)
        loans = loan_seed.load(rnd, users, AS_OF)
        db.session.commit()
    finally:
        db.session.info.pop("audit", None)
    return {_("Users"): len(users), _("Hardship workers"): made,
            _("Household members"): members, _("Assistance records"): aid,
            _("Public notices"): notices, _("Enrolments"): enrolments,
            _("Micro-loans"): loans, **goods}
