"""Factories that build valid records with overridable fields."""
from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

from models import Assistance, FamilyMember, Fund, User, Worker, db
from models.idnumber import make_id_number
from models.ledger import post_entry
from models.worker_episode_rules import add_missing_episodes

_sequence = itertools.count(1)


AREAS = ("370102", "370103", "370104", "370105", "370112", "370113", "370114", "370181")


def id_number(born: dt.date | None = None, male: bool = True) -> str:
    """Return a fresh valid ID number (born on ``born`` when given)."""
    n = next(_sequence)
    seq = (n * 2 + (1 if male else 0)) % 1000
    if born is None:
        born = dt.date(1980, 5, 17) + dt.timedelta(days=n // 500)
        area = AREAS[0]
    else:  # keep the asked-for birth date: vary the area code instead
        area = AREAS[(n // 500) % len(AREAS)]
    return make_id_number(area, born, seq)


def user(role: str) -> User:
    from sqlalchemy import select
    return db.session.scalar(select(User).where(User.username == role))


def make_worker(commit: bool = True, members: list[dict] | None = None, **overrides) -> Worker:
    """Create a worker file with sensible defaults."""
    values = dict(name="张建国", id_number=id_number(), phone=f"139{next(_sequence):08d}",
                  base_union="第一机床厂工会", employer="第一机床厂", category="relative",
                  main_cause="illness", household_size=3, household_income=Decimal("30000"),
                  essential_spending=Decimal("6000"), status="active")
    values.update(overrides)
    worker = Worker(**values)
    for member in members or []:
        worker.members.append(FamilyMember(**{"name": "李秀英", "relation": "spouse",
                                              **member}))
    db.session.add(worker)
    if commit:
        db.session.flush()
        # On record or closed without going through the rules: the episode its status
        # and dates tell, as the migration and the seed give such files.
        add_missing_episodes(db.session.connection())
        db.session.commit()
    return worker


def make_fund(name: str = "市总工会帮扶专项资金", source: str = "union",
              balance: str = "10000.00") -> Fund:
    """Create a fund holding ``balance`` yuan, put in by an allocation entry."""
    fund = Fund(name=name, source=source)
    db.session.add(fund)
    db.session.flush()
    if Decimal(balance):
        post_entry(fund.id, "allocation_in", Decimal(balance), user("admin"),
                   document="BK-1", reason="年度拨款")
    db.session.commit()
    return fund


def make_assistance(commit: bool = True, **overrides) -> Assistance:
    """Create an assistance application by staff, for a new worker unless one is given."""
    values = dict(kind="living", year=2026, campaign="2026年春节送温暖",
                  cash_amount=Decimal("500.00"), reason="家庭困难", state="applied",
                  applied_by_id=user("staff").id)
    values.update(overrides)
    if "worker" not in values and "worker_id" not in values:
        values["worker"] = make_worker()
    record = Assistance(**values)
    db.session.add(record)
    if commit:
        db.session.commit()
    return record
