"""Factories for the service desk: people and cases in any state."""
from __future__ import annotations

import itertools

from models import db
from models.person import Person
from models.service_case import ServiceCase
from models.service_case_rules import assign, receive, resolve, start, visit
from tests.factories import user

_phones = itertools.count(1)


def make_person(commit: bool = True, **overrides) -> Person:
    """Create a person who contacted the desk."""
    values = dict(name="刘春生", phone=f"137{next(_phones):08d}", employer="鲁兴建筑公司",
                  is_migrant=True)
    values.update(overrides)
    person = Person(**values)
    db.session.add(person)
    if commit:
        db.session.commit()
    return person


def make_case(state: str = "received", person: Person | None = None, assignee=None,
              **overrides) -> ServiceCase:
    """Create a case taken through the rules to ``state``."""
    staff, manager = user("staff"), user("manager")
    values = dict(channel="call", case_type="wages", summary="工地拖欠三个月工资")
    values.update(overrides)
    case = receive(ServiceCase(**values), person or make_person(), staff)
    db.session.flush()
    if state != "received":
        assign(case, manager, (assignee or staff).id, "self", "", "")
    if state in ("in_progress", "resolved", "closed"):
        start(case, assignee or staff)
    if state in ("resolved", "closed"):
        resolve(case, assignee or staff, "已协调企业支付", "追回工资 8000 元")
    if state == "closed":
        visit(case, staff, "satisfied", "")
    db.session.commit()
    return case


def make_legal_case(state: str = "open", person: Person | None = None, service_case=None,
                    **overrides):
    """Create a legal case opened through the rules (closed with ``outcome`` when asked)."""
    from decimal import Decimal

    from models.legal_case import LegalCase
    from models.legal_case_rules import close, open_case

    staff = user("staff")
    values = dict(dispute_type="wages", route="union", employer_name="鲁兴建筑劳务公司",
                  amount_claimed=Decimal("12000.00"), summary="拖欠工资")
    outcome = overrides.pop("outcome", "partial")
    values.update(overrides)
    case = LegalCase(person=person or (None if service_case else make_person()), **values)
    open_case(case, staff, service_case)
    db.session.flush()
    if state == "closed":
        close(case, staff, outcome, "8000" if outcome in ("success", "partial") else "", "", "")
    db.session.commit()
    return case
