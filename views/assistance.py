"""Assistance records: the application form, the workflow page, bulk steps and printing."""
from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_admin import expose
from flask_admin.actions import action
from flask_admin.contrib.sqla.filters import BaseSQLAFilter
from flask_admin.model.template import EndpointLinkRowAction
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import inspect, select

from models import Assistance, Fund, db
from models.assistance_rules import (
    CONSTRAINT_MESSAGES,
    TRANSITIONS,
    apply,
    awaiting_approval_by,
    check_edit,
    needs_notice,
    other_grants,
)
from models.base import DomainError
from models.choices import ASSISTANCE_KINDS, ASSISTANCE_STATES
from models.idnumber import mask_id_number
from models.notice_rules import passed_notice
from views.base import SecuredModelView, money, requires

# Each workflow step and the verb (registry letter) it needs.
STEP_VERBS = {"verify": "U", "approve": "A", "reject": "A", "pay": "A", "reverse": "A"}
STEP_DONE = {
    "verify": _l("Record verified."), "approve": _l("Record approved."),
    "reject": _l("Record rejected."), "pay": _l("Record paid; the fund entry is written."),
    "reverse": _l("Payment reversed; the reversing fund entry is written."),
}


class AwaitingMyApprovalFilter(BaseSQLAFilter):
    """Verified records that the current user did not apply for."""

    def apply(self, query, value, alias=None):
        return query.filter(awaiting_approval_by(current_user.id))

    def operation(self):
        return _l("yes")

    def get_options(self, view):
        return [("1", _l("Yes"))]


class AssistanceView(SecuredModelView):
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
    form_ajax_refs = {"worker": {"fields": ("name", "id_number"), "page_size": 20,
                                 "filters": ["status = 'active'"],
                                 "placeholder": _l("Type a name or ID number")}}
    form_args = {"fund": {"query_factory": lambda: db.session.scalars(
        select(Fund).where(Fund.active.is_(True)).order_by(Fund.name)).all()}}
    column_extra_row_actions = [
        EndpointLinkRowAction("fa fa-tasks", ".step_view", title=_l("Workflow")),
        EndpointLinkRowAction("fa fa-print", ".print_view", title=_l("Print form")),
    ]
    constraint_messages = CONSTRAINT_MESSAGES
    action_verbs = {"delete": "D", "verify": "U", "approve": "A", "pay": "A"}

    # --- forms ----------------------------------------------------------------------
    def on_model_change(self, form, model, is_created):
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

    @expose("/edit/", methods=("GET", "POST"))
    def edit_view(self):
        record = self.get_one(request.args.get("id", ""))
        if record is not None and record.state in ("paid", "rejected", "reversed"):
            flash(_("A paid, rejected or reversed record cannot be edited."), "error")
            return redirect(url_for(".step_view", id=record.id))
        return super().edit_view()

    def on_model_delete(self, model):
        if model.state not in ("applied", "verified", "rejected"):
            raise DomainError(_("Only unpaid, unapproved records can be deleted."))

    # --- the workflow page ----------------------------------------------------------
    @expose("/step/", methods=("GET", "POST"))
    @requires("R")
    def step_view(self):
        record = self.get_one(request.args.get("id", ""))
        if record is None:
            return redirect(self.get_url(".index_view"))
        if request.method == "POST":
            return self._do_step(record, request.form.get("step", ""))
        return self.render("admin/assistance_step.html", record=record,
                           can=lambda step: self.allows(STEP_VERBS[step]),
                           grants=other_grants(record), needs_notice=needs_notice(record),
                           notice_ok=record.notice_passed or passed_notice(record),
                           kinds=ASSISTANCE_KINDS, states=ASSISTANCE_STATES, money=money,
                           mask=mask_id_number)

    def _do_step(self, record, step):
        if step not in STEP_VERBS or not self.allows(STEP_VERBS[step]):
            abort(403)
        args = [request.form.get(a, "") for a in {
            "approve": ("override_reason",), "reject": ("reason",),
            "reverse": ("reason",)}.get(step, ())]
        user = current_user._get_current_object()
        return self.commit_step(record, STEP_VERBS[step],
                                lambda: TRANSITIONS[step](record, user, *args),
                                STEP_DONE[step])

    @expose("/print/")
    @requires("R")
    def print_view(self):
        record = self.get_one(request.args.get("id", ""))
        if record is None:
            return redirect(self.get_url(".index_view"))
        return self.render("admin/assistance_print.html", record=record,
                           kinds=ASSISTANCE_KINDS, money=money)

    # --- bulk steps -----------------------------------------------------------------
    def _bulk(self, ids, step):
        self.apply_to_selected(ids, TRANSITIONS[step],
                               lambda n: _("%(n)d record(s): %(done)s", n=n,
                                           done=STEP_DONE[step]))

    @action("verify", _l("Verify"), _l("Mark the selected applications as verified?"))
    def action_verify(self, ids):
        self._bulk(ids, "verify")

    @action("approve", _l("Approve"), _l("Approve the selected verified records?"))
    def action_approve(self, ids):
        self._bulk(ids, "approve")

    @action("pay", _l("Pay"), _l("Pay the selected approved records from their funds?"))
    def action_pay(self, ids):
        self._bulk(ids, "pay")
