"""Factories for pairings and visits, made through their rules."""
from __future__ import annotations

import datetime as dt

from models import db
from models.base import today
from models.pairing import Pairing
from models.pairing_rules import make_pairing
from models.visit import Visit
from models.visit_rules import record_visit
from tests.factories import make_worker, user


def make_pair(worker=None, commit: bool = True, **overrides) -> Pairing:
    """Create a live pair of a cadre with ``worker`` (a new file on record by default)."""
    values = dict(kind="cadre", cadre_name="周志刚", partner_unit="市总工会办公室",
                  cadre_post="副主任", cadre_phone="13912345678",
                  starts_on=today() - dt.timedelta(days=200), commitment="每季度走访一次")
    values.update(overrides)
    staff, worker = user("staff"), worker or make_worker()
    with db.session.no_autoflush:
        pair = make_pairing(Pairing(worker=worker, **values), staff)
    if commit:
        db.session.commit()
    return pair


def make_visit(worker=None, commit: bool = True, **overrides) -> Visit:
    """Create a visit (a home check today by default) recorded by staff."""
    values = dict(kind="home_check", visited_on=today(), visitors="王帮扶、社区主任",
                  found="家中老人卧床，收入不稳定", left_behind="慰问信一封")
    values.update(overrides)
    if values.get("pairing") is not None and worker is None:
        worker = values["pairing"].worker
    staff, worker = user("staff"), worker or make_worker()
    with db.session.no_autoflush:
        visit = record_visit(Visit(worker=worker, **values), staff)
    if commit:
        db.session.commit()
    return visit
