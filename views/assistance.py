"""Assistance records: the application form, the workflow page, bulk steps and printing."""
from __future__ import annotations

from flask import flash
from flask_admin import expose
from flask_admin.actions import action
from flask_admin.model.template import EndpointLinkRowAction
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import inspect, select

from models import Assistance, Fund, db
from models.assistance import KIND_FIELDS
from models.assistance_facts import decision_facts
from models.assistance_rules import (
    CONSTRAINT_MESSAGES,
    GUARDS,
    WORKFLOW,
    apply,
    awaiting_approval_by,
    check_edit,
    needs_notice,
    other_grants,
)
from models.choices import ASSISTANCE_KINDS, ASSISTANCE_STATES
from models.idnumber import mask_id_number
from models.notice_rules import passed_notice
from views.base import SecuredModelView, money, requires
from views.filters import ClauseFilter
from views.pickers import PicksWorker
from views.workflow import WorkflowPage


class AwaitingMyApprovalFilter(ClauseFilter):
    """Verified records that the current user did not apply for."""

    clause = staticmethod(lambda: awaiting_approval_by(current_user.id))


class AssistanceView(PicksWorker, WorkflowPage, SecuredModelView):
    column_list = ("id", "worker", "kind", "year", "campaign", "cash_amount", "goods_value",
                   "fund", "state", "applied_by", "applied_at")
    column_labels = {"id": _l("No."), "worker": _l("Worker"), "fund": _l("Fund"),
                     "applied_by": _l("Applied by"), "verified_by": _l("Verified by"),
                     "approved_by": _l("Approved by"), "paid_by": _l("Paid by"),
                     "rejected_by": _l("Rejected by"), "reversed_by": _l("Reversed by"),
                     "worker.name": _l("Worker name"), "worker.id_number": _l("ID number"),
                     "fund.name": _l("Fund")}
    column_searchable_list = ("worker.name", "worker.id_number", "campaign")
    column_filters = ("state", "kind", "year", "campaign", "fund.name", "worker.name",
                      "applied_at", AwaitingMyApprovalFilter(Assistance.id,
                                                             _l("Awaiting my approval")))
    column_sortable_list = ("id", "kind", "year", "cash_amount", "state", "applied_at")
    column_default_sort = ("id", True)
    column_details_exclude_list = ("payment_entry", "version")
    form_columns = ("worker", "kind", "year", "campaign", "reason", "cash_amount", "goods",
                    "goods_value", "fund", "student_name", "school", "school_level",
                    "out_of_pocket")
    # Shown only for their kind of aid (static/forms.js).
    form_widget_args = {name: {"data-show-when": f"kind={kind}"}
                        for kind, names in KIND_FIELDS.items() for name in names}
    form_args = {"fund": {"query_factory": lambda: db.session.scalars(
        select(Fund).where(Fund.active.is_(True)).order_by(Fund.name)).all()}}
    column_extra_row_actions = [
        EndpointLinkRowAction("fa fa-tasks", ".step_view", title=_l("Workflow")),
        EndpointLinkRowAction("fa fa-print", ".print_view", title=_l("Print form")),
    ]
    constraint_messages = CONSTRAINT_MESSAGES
    workflow, guards = WORKFLOW, GUARDS
    step_template, record_page = "admin/assistance_step.html", ".step_view"

    # --- forms ----------------------------------------------------------------------
    def on_model_change(self, form, model, is_created):
        model.drop_other_kinds_fields()
        if is_created:
            apply(model, current_user)
            if other_grants(model):
                flash(_("Note: this worker already has an open or granted record of this kind "
                        "in this campaign; approving a second needs a manager's reason."),
                      "warning")
        else:
            state = inspect(model)
            changed = {a.key for a in state.attrs if a.history.has_changes()}
            check_edit(model, changed)

    # --- the workflow page ----------------------------------------------------------
    def step_context(self, record) -> dict:
        return {"grants": other_grants(record), "needs_notice": needs_notice(record),
                "notice_ok": record.notice_passed or passed_notice(record),
                "kinds": ASSISTANCE_KINDS, "states": ASSISTANCE_STATES, "money": money,
                "mask": mask_id_number, "facts": decision_facts(record)}

    @expose("/print/")
    @requires("R")
    def print_view(self):
        record = self.requested_record()
        return self.render("admin/assistance_print.html", record=record,
                           kinds=ASSISTANCE_KINDS, money=money)

    # --- bulk steps -----------------------------------------------------------------
    @action("verify", _l("Verify"), _l("Mark the selected applications as verified?"))
    def action_verify(self, ids):
        self.take_step_on_selected(ids, "verify")

    @action("approve", _l("Approve"), _l("Approve the selected verified records?"))
    def action_approve(self, ids):
        self.take_step_on_selected(ids, "approve")

    @action("pay", _l("Pay"), _l("Pay the selected approved records from their funds?"))
    def action_pay(self, ids):
        self.take_step_on_selected(ids, "pay")
