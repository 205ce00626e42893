"""Service desk cases (接待登记): the desk screen, the lookup, the list and the workflow page."""
from __future__ import annotations

from flask import flash, jsonify, redirect, request, url_for
from flask_admin import expose
from flask_admin.contrib.sqla.filters import BaseSQLAFilter
from flask_admin.model.template import EndpointLinkRowAction
from flask_admin.tools import rec_getattr
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.orm import joinedload

from models.base import today
from models.case_outcomes import offers, outcomes_of, prefill, refusal
from models.desk_choices import CASE_STATES, CASE_TYPES, CHANNELS, HANDLING_MODES, SATISFACTION
from models.display import local_time
from models.person_rules import CONSTRAINT_MESSAGES as PERSON_MESSAGES
from models.person_rules import file_holding, find_or_make, matching_people
from models.service_case import ServiceCase
from models.service_case_rules import (
    CONSTRAINT_MESSAGES,
    GUARDS,
    WORKFLOW,
    check_case,
    due_soon_clause,
    earlier_contacts,
    handlers,
    mine_clause,
    open_clause,
    overdue_clause,
    receive,
    supervised_clause,
    visit_due_clause,
)
from models.unit_scope import get_visible
from models.worker import Worker
from portal.safety import LARGEST_INTEGER
from views.base import SecuredModelView, requires
from views.desk_form import case_values, desk_form, person_details
from views.filters import ClauseFilter
from views.workflow import WorkflowPage


class MineFilter(ClauseFilter):
    clause = staticmethod(lambda: mine_clause(current_user))


class OpenFilter(ClauseFilter):
    clause = staticmethod(open_clause)


class OverdueFilter(ClauseFilter):
    clause = staticmethod(overdue_clause)


class DueSoonFilter(ClauseFilter):
    clause = staticmethod(due_soon_clause)


class VisitDueFilter(ClauseFilter):
    clause = staticmethod(visit_due_clause)


class SupervisedFilter(ClauseFilter):
    clause = staticmethod(supervised_clause)


class AssigneeFilter(BaseSQLAFilter):
    """Cases assigned to the user whose id is given (the start page's overdue per assignee)."""

    def validate(self, value):
        return str(value).isascii() and str(value).isdigit() and int(value) <= LARGEST_INTEGER

    def clean(self, value):
        return int(value)

    def apply(self, query, value, alias=None):
        return query.filter(ServiceCase.assignee_id == value)

    def operation(self):
        return _l("is")


def _case_json(case: ServiceCase) -> dict:
    return {"id": case.id, "at": local_time(case.received_at),
            "channel": str(CHANNELS.get(case.channel, "")),
            "type": str(CASE_TYPES.get(case.case_type, "")),
            "state": str(CASE_STATES.get(case.state, "")), "summary": case.summary[:60],
            "url": url_for("servicecase.step_view", id=case.id)}


def _file_json(worker_id) -> dict | None:
    worker = get_visible(Worker, worker_id)
    if worker is None:
        return None
    return {"id": worker.id, "name": worker.name, "status": worker.status,
            "url": url_for("worker.details_view", id=worker.id)}


class ServiceCaseView(WorkflowPage, SecuredModelView):
    column_list = ("id", "received_at", "channel", "case_type", "person", "person.phone",
                   "state", "handling_mode", "assignee", "deadline")
    column_labels = {"id": _l("No."), "person": _l("Person"), "person.phone": _l("Phone"),
                     "person.name": _l("Name"), "person.id_number": _l("ID number"),
                     "assignee": _l("Assignee"), "received_by": _l("Registered by"),
                     "assigned_by": _l("Case assigned by"), "started_by": _l("Handling started by"),
                     "supervised_by": _l("Supervised by"), "resolved_by": _l("Case resolved by"),
                     "visited_by": _l("Return visit by")}
    # Managers only read people: they see phones and ID numbers masked (views.identity).
    identity_columns = {"person.phone": "person", "person.id_number": "person"}
    # The export (portal/excel/desk_import.py) shows them masked too, under these keys.
    export_masks_identity = True
    column_searchable_list = ("person.name", "person.phone", "person.id_number")
    column_filters = ("state", "channel", "case_type", "handling_mode", "received_at",
                      "deadline",
                      MineFilter(ServiceCase.id, _l("Assigned to me")),
                      OpenFilter(ServiceCase.id, _l("Open cases")),
                      OverdueFilter(ServiceCase.id, _l("Overdue")),
                      DueSoonFilter(ServiceCase.id, _l("Due within 3 days")),
                      VisitDueFilter(ServiceCase.id, _l("Return visit due")),
                      SupervisedFilter(ServiceCase.id, _l("Under supervision")),
                      AssigneeFilter(ServiceCase.assignee_id, _l("Assignee (user no.)")))
    column_sortable_list = ("id", "received_at", "channel", "case_type", "state", "deadline")
    column_default_sort = ("id", True)
    column_details_exclude_list = ("version",)
    list_options = (joinedload(ServiceCase.person), joinedload(ServiceCase.assignee))
    form_columns = ("channel", "hotline", "head_count", "case_type", "summary")
    column_extra_row_actions = [
        EndpointLinkRowAction("fa fa-tasks", ".step_view", title=_l("Workflow")),
    ]
    create_template = "admin/servicecase_create.html"
    constraint_messages = {**CONSTRAINT_MESSAGES, **PERSON_MESSAGES}
    workflow, guards = WORKFLOW, GUARDS
    step_template, record_page = "admin/servicecase_step.html", ".step_view"

    # --- the desk screen ------------------------------------------------------------
    def get_create_form(self):
        return desk_form(self.form_base_class)

    def create_model(self, form):
        """Save the case, finding the person again by phone or ID, or making them."""
        user = current_user._get_current_object()

        def rule():
            person = find_or_make(form.phone.data, form.name.data, form.id_number.data,
                                  **person_details(form))
            return receive(ServiceCase(**case_values(form)), person, user)
        ok, case = self.run_rule(rule)
        return case if ok else False

    def on_model_change(self, form, model, is_created):
        check_case(model)

    @expose("/lookup/")
    @requires("C")
    def lookup_view(self):
        """Answer who a phone or ID number typed at the desk is: earlier contacts, file."""
        term = request.args.get("q", "")
        people = [{"id": p.id, "name": p.name, "phone": p.phone, "employer": p.employer,
                   "migrant": p.is_migrant, "file": _file_json(p.worker_id),
                   "cases": [_case_json(c) for c in earlier_contacts(p, limit=5)],
                   "url": url_for("person.details_view", id=p.id)}
                  for p in matching_people(term)]
        held = None if people else _file_json(file_holding(term.strip().upper()))
        return jsonify(people=people, file=held)

    # --- the workflow page ----------------------------------------------------------
    def step_context(self, record) -> dict:
        return {"states": CASE_STATES, "channels": CHANNELS, "types": CASE_TYPES,
                "modes": HANDLING_MODES, "satisfaction": SATISFACTION,
                "earlier": earlier_contacts(record.person, but=record),
                "file": get_visible(Worker, record.person.worker_id),
                "handler_choices": [(u.id, str(u)) for u in handlers()]
                if self.workflow.may(current_user, "assign") else [],
                "mode_choices": [(k, v) for k, v in HANDLING_MODES.items() if k != "supervised"],
                "today": today().isoformat(),
                "phone": self.seen(record, "person.phone"),
                "id_number": self.seen(record, "person.id_number"),
                "offers": offers(record, current_user), "outcomes": outcomes_of(record)}

    @expose("/start/")
    @requires("R")
    def start_view(self):
        """Open the form of what the case leads to (``what``), pre-filled, or say why not."""
        case = self.requested_record()
        what, back = request.args.get("what", ""), url_for(".step_view", id=case.id)
        problem = refusal(case, what, current_user)
        if problem:
            flash(problem, "error")
            return redirect(back)
        return redirect(url_for(f"{what}.create_view", url=back, **prefill(case, what)))

    def seen(self, record, name: str) -> str:
        """Return column ``name`` of ``record`` as the user's role may see it (masked)."""
        shown = self._as_seen(record, name)
        return rec_getattr(record, name) or "" if shown is None else shown
