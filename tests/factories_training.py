"""Factories for training classes and enrolments."""
from __future__ import annotations

import datetime as dt

from models import Enrolment, TrainingClass, db
from models.training_rules import enrol
from tests.factories import make_worker, user


def make_class(commit: bool = True, **overrides) -> TrainingClass:
    """Create a training class (planned, 30 places) with sensible defaults."""
    values = dict(name="2026年第一期电焊工培训班", category="welding",
                  start_date=dt.date(2026, 3, 2), end_date=dt.date(2026, 4, 30), hours=120,
                  capacity=30, instructor="刘师傅", venue="市职工技能培训中心",
                  state="planned")
    values.update(overrides)
    klass = TrainingClass(**values)
    db.session.add(klass)
    if commit:
        db.session.commit()
    return klass


def make_enrolment(klass: TrainingClass | None = None, worker=None, state: str = "enrolled",
                   **overrides) -> Enrolment:
    """Enrol a worker (a new one unless given) through the rules, then set ``state``."""
    klass = klass or make_class(state="running")
    worker, staff, finished = worker or make_worker(), user("staff"), klass.state == "finished"
    if finished:  # enrolment closes when a class finishes: enrol while it ran
        klass.state = "running"
        db.session.flush()
    record = Enrolment(training_class=klass, worker=worker)
    db.session.add(record)
    enrol(record, staff)
    if finished:
        klass.state = "finished"
    record.state = state
    for key, value in overrides.items():
        setattr(record, key, value)
    db.session.commit()
    return record
