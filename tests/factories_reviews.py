"""Factories for files on record through the rules, their reviews and episodes."""
from __future__ import annotations

import datetime as dt

from models import db
from models.base import today
from models.worker_review_rules import approve, start_review, submit
from models.worker_rules import activate
from tests.factories import make_worker, user


def filed_worker(**overrides):
    """Return a pending file filed by the staff member."""
    values = {"status": "pending", "filed_by_id": user("staff").id, **overrides}
    return make_worker(**values)


def on_record(**overrides):
    """Return a file filed by staff and approved by the admin: on record, one episode open."""
    worker = filed_worker(**overrides)
    activate(worker, user("admin"))
    db.session.commit()
    return worker


def review_form(worker, conclusion="continue", **overrides) -> dict:
    """Return a review form with the file's facts as they stand, changed by ``overrides``."""
    form = {"household_size": str(worker.household_size),
            "household_income": str(worker.household_income),
            "essential_spending": str(worker.essential_spending),
            "health": worker.health or "", "employer": worker.employer,
            "employer_nature": worker.employer_nature or "",
            "housing_type": worker.housing_type or "", "housing_area": "",
            "conclusion": conclusion, "new_category": worker.category or ""}
    for member in worker.members:
        form[f"member-{member.id}-monthly_income"] = str(member.monthly_income)
    form.update(overrides)
    return form


def make_review(state: str = "assigned", worker=None, **form):
    """Return a review of a file on record in ``state`` (assigned to staff)."""
    worker = worker or on_record()
    review = start_review(worker, user("manager"), user("staff"),
                          today() + dt.timedelta(days=30))
    db.session.flush()
    if state in ("submitted", "approved"):
        submit(review, user("staff"), review_form(worker, **form))
    if state == "approved":
        approve(review, user("manager"))
    db.session.commit()
    return review
