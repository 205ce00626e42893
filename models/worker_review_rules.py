"""The review of a live file (复核): assigned → submitted → approved, or returned for rework.

Whoever the review is assigned to submits it, with the facts as checked (a snapshot) and a
conclusion: 继续在档 (the category may change), 脱困 (with its reason) or 撤档. A second
person approves: never whoever submitted (also a CHECK in the database). On approval the
file takes the snapshot's facts, and an exit or withdrawal closes its episode.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, or_, select

from models.base import DomainError, db, today, utcnow
from models.choices import (
    EMPLOYER_NATURES,
    EXIT_CAUSES,
    HEALTH,
    HOUSING_TYPES,
    REVIEW_CONCLUSIONS,
    WORKER_CATEGORIES,
)
from models.guards import Guards
from models.permissions import allows
from models.unit_scope import ALL, visible_units
from models.user import User
from models.worker import Worker
from models.worker_review import OPEN_REVIEW, WorkerReview
from models.worker_rules import close_file, mark_reviewed
from models.worker_snapshots import apply_snapshot, facts_of, money, take_snapshot
from models.workflow import Field, Step, Workflow

OPEN_STATES = ("assigned", "submitted", "returned")
TO_DO = ("assigned", "returned")
CONSTRAINT_MESSAGES = {
    "uq_worker_review_open": lambda: _("This file already has a review under way."),
    "second_person": lambda: _("Whoever submitted a review cannot approve it; a second "
                               "person must."),
}


def sees_file(user: User, worker: Worker) -> bool:
    """Tell whether ``user``'s units hold ``worker``'s file."""
    units = visible_units(user)
    return units is ALL or worker.unit_id in units


def reviewers() -> list[User]:
    """Return the active users of the acting user's units who may submit a review."""
    units = visible_units()
    users = select(User).where(User.active.is_(True)).order_by(User.id)
    if units is not ALL:
        users = users.where(User.unit_id.in_(sorted(units)))
    return [u for u in db.session.scalars(users) if allows(u, "workerreview", "U")]


def start_review(worker: Worker, user, assignee: User, due_on: dt.date) -> WorkerReview:
    """Assign the review of a file on record to ``assignee``, due on ``due_on``."""
    if worker.status != "active":
        raise DomainError(_("Only a file on record can be reviewed."))
    if (assignee is None or not allows(assignee, "workerreview", "U") or not assignee.active
            or not sees_file(assignee, worker)):
        raise DomainError(_("Choose a staff member who may submit reviews."))
    if due_on is None or due_on < today():
        raise DomainError(_("The due date cannot be in the past."))
    if db.session.scalar(select(exists().where(WorkerReview.worker_id == worker.id,
                                               WorkerReview.state.in_(OPEN_STATES)))):
        raise DomainError(_("This file already has a review under way."))
    review = WorkerReview(worker=worker, assigned_to_id=assignee.id, due_on=due_on,
                          assigned_by_id=user.id, assigned_at=utcnow(), state="assigned")
    db.session.add(review)
    return review


def _choice(value, choices: dict, label, required: bool = False):
    value = (value or "").strip() or None
    if value is None and required or value is not None and value not in choices:
        raise DomainError(_("Choose %(field)s from the list.", field=label))
    return value


def read_facts(worker: Worker, form: Mapping) -> dict:
    """Return the facts typed in a review's form, checked, in the snapshot's shape."""
    facts = facts_of(worker)
    try:
        size = int(str(form.get("household_size") or "").strip())
    except ValueError:
        size = 0
    if size < 1 or size > 99:
        raise DomainError(_("The household size must be a whole number from 1."))
    facts.update(
        household_size=size,
        household_income=str(money(form.get("household_income"),
                                   _("Household annual income (yuan)"))),
        essential_spending=str(money(form.get("essential_spending"),
                                     _("Essential annual spending (yuan)"))),
        health=_choice(form.get("health"), HEALTH, _("Health")),
        employer=(form.get("employer") or "").strip()[:100],
        employer_nature=_choice(form.get("employer_nature"), EMPLOYER_NATURES,
                                _("Employer nature")),
        on_dibao=form.get("on_dibao") in ("1", "y", "on"),
        housing_type=_choice(form.get("housing_type"), HOUSING_TYPES, _("Housing")),
        housing_area=(str(money(form.get("housing_area"), _("Housing area (m²)")))
                      if (form.get("housing_area") or "").strip() else None))
    for member in facts["members"]:
        key = f"member-{member['id']}-"
        member["monthly_income"] = str(money(form.get(key + "monthly_income"),
                                             _("Monthly income (yuan)")))
        member["health"] = _choice(form.get(key + "health"), HEALTH, _("Health"))
        member["school_or_work"] = (form.get(key + "school_or_work") or "").strip()[:100]
    return facts


def _submit(review: WorkerReview, user, form: Mapping) -> None:
    """Submit the review with the facts as checked and the conclusion (the assignee only)."""
    if review.assigned_to_id != user.id:
        raise DomainError(_("Only the staff member the review is assigned to can submit it."))
    worker = review.worker
    if worker.status != "active":
        raise DomainError(_("Only a file on record can be reviewed."))
    conclusion = _choice(form.get("conclusion"), REVIEW_CONCLUSIONS, _("Conclusion"), True)
    reason = (form.get("conclusion_reason") or "").strip()[:200]
    category = _choice(form.get("new_category"), WORKER_CATEGORIES, _("Category after review"))
    cause = _choice(form.get("exit_cause"), EXIT_CAUSES, _("Reason for leaving hardship"),
                    required=conclusion == "exit")
    if conclusion == "remove" and not reason:
        raise DomainError(_("Give the reason for withdrawing the file."))
    facts = read_facts(worker, form)
    facts["category"] = category if conclusion == "continue" and category else worker.category
    snapshot = take_snapshot(worker, user, "review", facts)
    review.snapshot, review.per_capita_income = snapshot, snapshot.per_capita_income
    review.conclusion, review.conclusion_reason = conclusion, reason
    review.new_category = facts["category"] if conclusion == "continue" else None
    review.exit_cause = cause if conclusion == "exit" else None
    review.state, review.reviewed_by_id, review.submitted_at = "submitted", user.id, utcnow()


def _approve(review: WorkerReview, user) -> None:
    """Approve the conclusion (a second person): the file takes the checked facts."""
    if review.reviewed_by_id == user.id:
        raise DomainError(_("Whoever submitted a review cannot approve it; a second person "
                            "must."))
    worker = review.worker
    apply_snapshot(worker, review.snapshot)
    mark_reviewed(worker, review.reviewed_by)
    if review.conclusion == "exit":
        close_file(worker, user, "exited", today(), review.conclusion_reason
                   or str(EXIT_CAUSES[review.exit_cause]), review.exit_cause)
    elif review.conclusion == "remove":
        close_file(worker, user, "removed", today(), review.conclusion_reason)
    review.state, review.approved_by_id, review.approved_at = "approved", user.id, utcnow()


def _return(review: WorkerReview, user, reason: str) -> None:
    """Send a submitted review back to its staff member, saying what to redo."""
    if not (reason or "").strip():
        raise DomainError(_("Give the reason for returning the review."))
    review.state, review.returned_reason = "returned", reason.strip()[:200]


GUARDS = Guards(edit=lambda review: None if review.state in TO_DO else _l(
    "Only a review still to be done can be filled in."))

WORKFLOW = Workflow("workerreview", (
    Step("submit", _l("Submit review"), TO_DO, "U", _submit, _l("Review submitted."),
         _l("Only an assistance officer can submit a review.")),
    Step("approve", _l("Approve conclusion"), ("submitted",), "A", _approve,
         _l("Review approved; the file is updated."),
         _l("Only a centre manager can approve a review."), style="success"),
    Step("return", _l("Return for rework"), ("submitted",), "A", _return,
         _l("Review returned to its staff member."),
         _l("Only a centre manager can return a review."),
         (Field("reason", _l("Reason for returning"), required=True),), style="warning"),
), wrong_state=lambda review: _("Review #%(id)d is not in a state that allows this step.",
                                id=review.id))

submit, approve, return_review = (WORKFLOW.runner(n) for n in ("submit", "approve", "return"))


# The start page's two figures of reviews (views.dashboard), each the clause its list's
# filter applies. Not the file's 年度复核到期 (models.worker_rules.review_overdue_clause:
# no review for longer than the interval), which says a review is to be *started*.


def awaiting_approval_by(user_id: int):
    """Return the clause 待我审批的复核: submitted reviews ``user_id`` may approve (did not
    submit)."""
    return (WorkerReview.state == "submitted") & or_(
        WorkerReview.reviewed_by_id.is_(None), WorkerReview.reviewed_by_id != user_id)


def overdue_clause():
    """Return the clause 逾期未完成的复核: reviews assigned and still to be done whose due date
    has passed."""
    return WorkerReview.state.in_(TO_DO) & (WorkerReview.due_on < today())


__all__ = ["OPEN_REVIEW", "approve", "return_review", "start_review", "submit"]
