"""Legal aid and labour-dispute mediation (法律援助与劳动争议调解): list, form, workflow page."""
from __future__ import annotations

from flask import request
from flask_admin.model.template import EndpointLinkRowAction
from flask_admin.tools import rec_getattr
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload
from wtforms.validators import ValidationError

from models.base import DomainError, today
from models.legal_case import DISPUTE_TYPES, LEGAL_STATES, OUTCOMES, ROUTES, LegalCase
from models.legal_case_rules import (
    CONSTRAINT_MESSAGES,
    GUARDS,
    WORKFLOW,
    check_legal_case,
    clean_credit_code,
    open_case,
    prefill_from,
    yuan,
)
from models.service_case import ServiceCase
from models.unit_scope import get_visible
from views.base import SecuredModelView
from views.workflow import WorkflowPage


def _rule(check):
    """Return a form validator running ``check(field.data)``; its refusal is the error."""
    def validate(form, field):
        try:
            field.data = check(field.data)
        except DomainError as exc:
            raise ValidationError(str(exc)) from None
    return validate


def _not_negative(value):
    return yuan(value, _l("The amount claimed cannot be negative."))


def requested_case() -> ServiceCase | None:
    """Return the desk case the URL's ``service_case`` names, if the user sees it."""
    case_id = request.args.get("service_case", type=int)
    if case_id is None or not 0 < case_id < 2**63:
        return None
    return get_visible(ServiceCase, case_id)


class LegalCaseView(WorkflowPage, SecuredModelView):
    column_list = ("id", "opened_at", "person", "head_count", "employer_name", "dispute_type",
                   "route", "amount_claimed", "state", "outcome", "amount_recovered",
                   "closed_on")
    column_labels = {"id": _l("No."), "person": _l("Applicant"),
                     "person.name": _l("Applicant"), "service_case": _l("Desk case"),
                     "opened_by": _l("Opened by"), "closed_by": _l("Closed by")}
    # Managers only read people: the applicant's phone is shown masked (views.identity).
    identity_columns = {"person.phone": "person", "person.id_number": "person"}
    export_masks_identity = True  # the export masks them too (portal.excel.specs.masked)
    column_searchable_list = ("person.name", "credit_code")
    column_filters = ("state", "dispute_type", "route", "outcome", "opened_at", "closed_on")
    column_sortable_list = ("id", "opened_at", "amount_claimed", "amount_recovered",
                            "closed_on")
    column_default_sort = ("id", True)
    column_details_exclude_list = ("version",)
    list_options = (joinedload(LegalCase.person),)
    form_columns = ("person", "head_count", "employer_name", "credit_code", "dispute_type",
                    "route", "amount_claimed", "summary")
    form_ajax_refs = {"person": {"fields": ("name", "phone"), "page_size": 10}}
    form_args = {"credit_code": {"validators": [_rule(clean_credit_code)]},
                 "amount_claimed": {"validators": [_rule(_not_negative)]},
                 "head_count": {"default": 1}}
    column_extra_row_actions = [
        EndpointLinkRowAction("fa fa-tasks", ".step_view", title=_l("Workflow")),
    ]
    constraint_messages = CONSTRAINT_MESSAGES
    workflow, guards = WORKFLOW, GUARDS
    step_template, record_page = "admin/legalcase_step.html", ".step_view"

    def create_form(self, obj=None):
        form = super().create_form(obj)
        origin = requested_case()
        if request.method == "GET" and origin is not None:
            for name, value in prefill_from(origin).items():
                if hasattr(form, name):
                    getattr(form, name).data = value
        return form

    def create_model(self, form):
        """Open the case (from the desk case the URL names, when it names one)."""
        return self.create_by_rule(form, LegalCase, lambda case, user: open_case(
            case, user, requested_case()))

    def on_model_change(self, form, model, is_created):
        check_legal_case(model)

    # --- the workflow page ----------------------------------------------------------
    def step_context(self, record) -> dict:
        return {"states": LEGAL_STATES, "types": DISPUTE_TYPES, "routes": ROUTES,
                "outcomes": OUTCOMES, "today": today().isoformat(),
                "origin": get_visible(ServiceCase, record.service_case_id),
                "phone": self.seen(record, "person.phone"),
                "outcome_choices": list(OUTCOMES.items())}

    def seen(self, record, name: str) -> str:
        """Return column ``name`` of ``record`` as the user's role may see it (masked)."""
        shown = self._as_seen(record, name)
        return rec_getattr(record, name) or "" if shown is None else shown
