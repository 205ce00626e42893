"""Factories that build valid records with overridable fields."""
from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

from models import FamilyMember, User, Worker, db
from models.idnumber import make_id_number

_sequence = itertools.count(1)


def id_number(born: dt.date = dt.date(1980, 5, 17), male: bool = True) -> str:
    """Return a fresh valid ID number."""
    n = next(_sequence)
    seq = (n * 2 + (1 if male else 0)) % 1000
    born = born + dt.timedelta(days=n // 500)
    return make_id_number("370102", born, seq)


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
        db.session.commit()
    return worker
