"""Reviews of worker files (复核) and the files' episodes (在档经历)."""
from __future__ import annotations

import datetime as dt

from flask import abort, flash, redirect, request, url_for
from flask_admin import expose
from flask_admin.model.template import EndpointLinkRowAction
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from models import User, Worker, WorkerReview, db
from models.base import DomainError, today
from models.choices import (
    EMPLOYER_NATURES,
    EXIT_CAUSES,
    HEALTH,
    HOUSING_TYPES,
    RELATIONS,
    REVIEW_CONCLUSIONS,
    REVIEW_STATES,
    WORKER_CATEGORIES,
)
from models.unit_scope import get_visible, scope
from models.worker_review_rules import (
    CONSTRAINT_MESSAGES,
    GUARDS,
    WORKFLOW,
    awaiting_approval_by,
    overdue_clause,
    reviewers,
    start_review,
)
from models.worker_snapshots import facts_of, history
from views.base import SecuredModelView, money
from views.filters import ClauseFilter, YesNoFilter
from views.workflow import WorkflowPage

MAX_SELECTED = 200
CHOICES = {"health": HEALTH, "employer_nature": EMPLOYER_NATURES, "housing": HOUSING_TYPES,
           "categories": WORKER_CATEGORIES, "causes": EXIT_CAUSES,
           "conclusions": REVIEW_CONCLUSIONS, "states": REVIEW_STATES, "relations": RELATIONS}


def _ids(text: str) -> list[int]:
    """Return the file numbers of a comma-separated list (400 on anything else)."""
    try:
        ids = [int(part) for part in (text or "").split(",") if part.strip()]
    except ValueError:
        abort(400)
    if len(ids) > MAX_SELECTED or any(not 0 < i < 2**63 for i in ids):
        abort(400)
    return ids


class ReviewPastDueFilter(YesNoFilter):
    """逾期未完成的复核: reviews still to be done past their due date (the start page's figure)."""

    clause = staticmethod(overdue_clause)


class ReviewAwaitingMyApprovalFilter(ClauseFilter):
    """待我审批的复核: submitted reviews the current user did not submit."""

    clause = staticmethod(lambda: awaiting_approval_by(current_user.id))


class WorkerReviewView(WorkflowPage, SecuredModelView):
    column_list = ("id", "worker", "state", "assigned_to", "due_on", "conclusion",
                   "per_capita_income", "reviewed_by", "approved_by")
    column_labels = {"id": _l("No."), "worker": _l("Worker"), "assigned_to": _l("Assigned to"),
                     "reviewed_by": _l("Reviewed by"), "approved_by": _l("Approved by"),
                     "assigned_by": _l("Assigned by"), "snapshot": _l("Facts as checked"),
                     "worker.name": _l("Worker name")}
    column_searchable_list = ("worker.name",)
    column_filters = ("state", "conclusion", "due_on", "worker.name",
                      ReviewPastDueFilter(WorkerReview.id, _l("Past its due date")),
                      ReviewAwaitingMyApprovalFilter(WorkerReview.id,
                                                     _l("Awaiting my approval")))
    column_sortable_list = ("id", "state", "due_on", "conclusion")
    column_default_sort = ("id", True)
    column_details_exclude_list = ("version", "snapshot")
    column_extra_row_actions = [
        EndpointLinkRowAction("fa fa-tasks", ".step_view", title=_l("Workflow"))]
    constraint_messages = CONSTRAINT_MESSAGES
    workflow, guards = WORKFLOW, GUARDS
    step_template, record_page = "admin/review_step.html", ".step_view"

    def step_context(self, record) -> dict:
        facts = record.snapshot.facts if record.snapshot else facts_of(record.worker)
        return {"facts": facts, "history": history(record.worker_id), "money": money,
                "today": today(), **CHOICES}

    def step_arguments(self, record, step) -> list:
        if step.name == "submit":  # the facts as checked: read and checked by the rules
            return [request.form]
        return super().step_arguments(record, step)

    @expose("/edit/", methods=("GET",))
    def edit_view(self):
        """Filling a review in is its submit step, on the workflow page."""
        return self.step_view()

    @expose("/new/", methods=("GET", "POST"))
    def create_view(self):
        """Start reviews: the files chosen in the worker list, a staff member, a due date."""
        ids = _ids(request.values.get("ids", ""))
        workers = db.session.scalars(scope(select(Worker).where(Worker.id.in_(ids)), Worker)
                                     .order_by(Worker.id)).all() if ids else []
        if request.method == "POST":
            return self._start(workers)
        return self.render("admin/review_assign.html", workers=workers,
                           ids=",".join(str(w.id) for w in workers), staff=reviewers(),
                           due=today() + dt.timedelta(days=30), today=today())

    def _start(self, workers):
        """Assign the review of each file; files the rules refuse are named, not changed."""
        assignee = get_visible(User, request.form.get("assigned_to", type=int))
        try:
            due = dt.date.fromisoformat(request.form.get("due_on", ""))
        except ValueError:
            due = None
        if not workers or assignee is None or due is None:
            flash(_("Choose the files, the staff member and the due date."), "error")
            return redirect(url_for(".create_view", ids=request.form.get("ids", "")))
        user, made, refused = current_user._get_current_object(), 0, []
        for worker in workers:
            try:
                with db.session.begin_nested():
                    start_review(worker, user, assignee, due)
                made += 1
            except DomainError as exc:
                refused.append(f"{worker.name}：{exc}")
        db.session.commit()
        if made:
            flash(_("%(n)d review(s) assigned to %(name)s.", n=made, name=assignee.full_name
                    or assignee.username), "success")
        if refused:
            flash(_("%(n)d file(s) not assigned: %(list)s", n=len(refused),
                    list="；".join(refused)), "error")
        return redirect(url_for(".index_view"))


class WorkerEpisodeView(SecuredModelView):
    """Read-only: episodes are opened and closed by the rules alone."""

    column_list = ("worker", "opened_on", "returned", "closed_on", "close_kind",
                   "exit_cause", "close_reason")
    column_labels = {"worker": _l("Worker"), "opened_by": _l("Opened by"),
                     "closed_by": _l("Closed by"), "worker.name": _l("Worker name")}
    column_searchable_list = ("worker.name",)
    column_filters = ("opened_on", "closed_on", "close_kind", "exit_cause", "returned")
    column_sortable_list = ("opened_on", "closed_on", "close_kind")
    column_default_sort = ("id", True)
