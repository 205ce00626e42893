"""Micro-loans: the application form, the workflow page with schedule and repayments,
the overdue list, and the repayment ledger."""
from __future__ import annotations

from decimal import Decimal

from flask import url_for
from flask_admin import expose
from flask_admin.contrib.sqla.filters import BaseSQLAFilter
from flask_admin.model.template import EndpointLinkRowAction
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload
from wtforms.validators import DataRequired, NumberRange, Optional

from models import Fund, Loan, Repayment, db
from models.base import today
from models.choices import ARREARS_BUCKETS, LOAN_STATES
from models.idnumber import mask_id_number
from models.loan_queries import oldest_unpaid_due, overdue_clause
from models.loan_rules import (
    CONSTRAINT_MESSAGES,
    GUARDS,
    WORKFLOW,
    apply,
    check_edit,
    record_repayment,
)
from models.unit_scope import scope
from views.base import SecuredModelView, money, requires
from views.pickers import PicksWorker
from views.workflow import WorkflowPage


def active_funds() -> list[Fund]:
    """Return the funds a loan may be paid from."""
    return db.session.scalars(select(Fund).where(Fund.active.is_(True))
                              .order_by(Fund.name)).all()


class OverdueFilter(BaseSQLAFilter):
    """Disbursed loans overdue as of today, in any arrears bucket or in one."""

    def apply(self, query, value, alias=None):
        return query.filter(*overdue_clause(today(), None if value == "any" else value))

    def operation(self):
        return _l("is")

    def get_options(self, view):
        return [("any", _l("Any")), *ARREARS_BUCKETS.items()]


def _money(view, context, model, name):
    return money(getattr(model, name))


class LoanView(PicksWorker, WorkflowPage, SecuredModelView):
    list_template = "admin/loan_list.html"
    column_list = ("id", "worker", "amount", "term_months", "state", "issued_on",
                   "outstanding", "next_due_on", "days_overdue", "arrears_bucket")
    column_labels = {"id": _l("No."), "worker": _l("Worker"), "fund": _l("Lent from fund"),
                     "worker.name": _l("Worker name"), "worker.id_number": _l("ID number"),
                     "outstanding": _l("Outstanding (yuan)"), "next_due_on": _l("Next due on"),
                     "days_overdue": _l("Days overdue"), "arrears": _l("Arrears (yuan)"),
                     "arrears_bucket": _l("Arrears bucket"), "applied_by": _l("Applied by"),
                     "approved_by": _l("Approved by"), "disbursed_by": _l("Disbursed by"),
                     "rejected_by": _l("Rejected by"), "written_off_by": _l("Written off by"),
                     "followed_up_by": _l("Jobs followed up by")}
    column_formatters = {"outstanding": _money,
                         "days_overdue": lambda v, c, m, n: m.days_overdue or "",
                         "arrears_bucket": lambda v, c, m, n: ARREARS_BUCKETS.get(
                             m.arrears_bucket, "")}
    column_searchable_list = ("worker.name", "worker.id_number", "guarantor_name",
                              "guarantee_letter_no")
    column_filters = ("state", "issued_on", "worker.name", "guarantor_name",
                      OverdueFilter(Loan.id, _l("Overdue")))
    column_sortable_list = ("id", "amount", "term_months", "state", "issued_on")
    column_default_sort = ("id", True)
    column_details_exclude_list = ("version", "disbursement_entry", "instalments",
                                   "repayments")
    column_export_list = ("id", "worker", "amount", "purpose", "guarantor_name",
                          "guarantor_credit_code", "guarantee_letter_no", "term_months",
                          "interest_rate", "fund", "state", "issued_on", "total_due",
                          "repaid_amount", "write_off_reason", "jobs_created",
                          "followed_up_on", "jobs_followed_up")
    form_columns = ("worker", "amount", "purpose", "guarantor_name", "guarantor_credit_code",
                    "guarantee_letter_no", "term_months", "interest_rate", "fund", "notes")
    form_args = {
        "fund": {"query_factory": active_funds},
        "amount": {"validators": [DataRequired(), NumberRange(min=Decimal("0.01"))]},
        "term_months": {"validators": [DataRequired(), NumberRange(min=1, max=60)]},
        "interest_rate": {"validators": [NumberRange(min=0, max=24)],
                          "description": _l("Usually 0: the union bears the interest.")},
        "guarantor_name": {"validators": [DataRequired()]},
    }
    column_extra_row_actions = [
        EndpointLinkRowAction("fa fa-tasks", ".step_view", title=_l("Workflow")),
    ]
    constraint_messages = CONSTRAINT_MESSAGES
    workflow, guards = WORKFLOW, GUARDS
    step_template, record_page = "admin/loan_step.html", ".step_view"

    def get_query(self):
        # The derived columns read each loan's schedule: load them in one query per page.
        return super().get_query().options(selectinload(Loan.instalments))

    def on_model_change(self, form, model, is_created):
        if is_created:
            apply(model, current_user)
        else:
            check_edit(model)

    # --- the workflow page ----------------------------------------------------------
    def step_context(self, record) -> dict:
        return {"loan": record, "funds": active_funds(), "states": LOAN_STATES,
                "reversed_ids": {r.reverses_id for r in record.repayments if r.reverses_id},
                "buckets": ARREARS_BUCKETS, "money": money, "mask": mask_id_number,
                "today": today()}

    # --- the overdue list -------------------------------------------------------------
    @expose("/overdue/")
    @requires("R")
    def overdue_view(self):
        as_of = today()
        loans = db.session.scalars(
            scope(select(Loan), Loan).where(*overdue_clause(as_of))
            .options(selectinload(Loan.instalments), selectinload(Loan.worker))
            .order_by(oldest_unpaid_due(), Loan.id)).all()
        totals = {code: {"count": 0, "arrears": Decimal("0"), "outstanding": Decimal("0")}
                  for code in ARREARS_BUCKETS}
        for loan in loans:
            row = totals[loan.arrears_bucket]
            row["count"] += 1
            row["arrears"] += loan.arrears
            row["outstanding"] += loan.outstanding
        index = next(i for i, f in enumerate(self._filters) if isinstance(f, OverdueFilter))
        return self.render("admin/loan_overdue.html", loans=loans, totals=totals,
                           as_of=as_of, buckets=ARREARS_BUCKETS, money=money,
                           filter_arg=f"flt0_{index}", can_export=self.can_export)


def _loan_link(view, context, model, name):
    return Markup('<a href="{}">JK-{} {}</a>').format(
        url_for("loan.step_view", id=model.loan_id), model.loan_id, model.loan.worker.name)


class RepaymentView(SecuredModelView):
    column_list = ("paid_on", "loan", "amount", "document", "note", "user", "reverses", "at")
    column_labels = {"loan": _l("Loan"), "user": _l("Entered by"),
                     "reverses": _l("Reverses repayment"), "loan.worker.name": _l("Worker name"),
                     "loan_id": _l("Loan")}
    column_formatters = {"loan": _loan_link}
    list_options = (joinedload(Repayment.loan).joinedload(Loan.worker),)
    column_searchable_list = ("loan.worker.name", "document", "note")
    column_filters = ("paid_on", "at", "loan.worker.name", "document")
    column_sortable_list = ("paid_on", "amount", "at")
    column_default_sort = ("id", True)
    column_details_exclude_list = ("fund_entry",)
    column_export_list = ("paid_on", "loan_id", "amount", "document", "note", "user", "at")
    form_columns = ("loan", "amount", "paid_on", "document", "note")
    form_args = {
        "loan": {"validators": [DataRequired()], "query_factory": lambda: db.session.scalars(
            select(Loan).where(Loan.state == "disbursed").options(selectinload(Loan.worker))
            .order_by(Loan.id.desc())).all()},
        "amount": {"validators": [DataRequired(), NumberRange(min=Decimal("0.01"))],
                   "description": _l("Applied to the oldest unpaid instalment first.")},
        "paid_on": {"validators": [Optional()], "default": today,
                    "description": _l("Empty means today.")},
    }
    constraint_messages = CONSTRAINT_MESSAGES

    def create_model(self, form):
        """Take the repayment through the loan rules, never by inserting a row directly."""
        ok, repayment = self.run_rule(lambda: record_repayment(
            form.loan.data, current_user, form.amount.data, form.paid_on.data,
            form.document.data or "", form.note.data or ""))
        return repayment if ok else False
