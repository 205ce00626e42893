"""Employment services: job seekers, employers, vacancies (with matching) and referrals."""
from __future__ import annotations

from flask import request
from flask_admin import expose
from flask_admin.model.template import EndpointLinkRowAction
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import inspect, select
from sqlalchemy.orm import joinedload
from wtforms.validators import NumberRange

from models import db
from models.base import DomainError, today
from models.choices import ENROLMENT_STATES, LOAN_STATES, TRAINING_OUTCOMES
from models.employment import (
    JOB_TYPES,
    REFERRAL_STATES,
    SEEKER_STATES,
    VACANCY_KINDS,
    VACANCY_STATES,
    JobSeeker,
    Referral,
    Vacancy,
)
from models.employment_checks import check_employer, check_vacancy, file_of, register
from models.employment_match import POINTS, seekers_for, vacancies_for
from models.employment_person import loans_of, training_of
from models.employment_rules import (
    CONSTRAINT_MESSAGES,
    REFERRAL_GUARDS,
    SEEKER_GUARDS,
    VACANCY_GUARDS,
    WORKFLOW,
    refer,
)
from models.training import Enrolment
from models.unit_scope import get_visible, visible_units
from views.base import SecuredModelView, money, requires
from views.forms import MultiChoiceField
from views.pickers import PicksWorker
from views.workflow import WorkflowPage

REASONS = {"wants_type": _l("Wants this job type"),
           "trained": _l("Completed a class of this trade"),
           "travels": _l("Willing to work away"), "is_4050": _l("4050 priority"),
           "has_file": _l("Hardship file priority"), "wage_fits": _l("Wage within the offer")}
MATCH = EndpointLinkRowAction("fa fa-handshake-o", ".match_view", title=_l("Matching"))


def _requested(model, name: str):
    key = request.args.get(name, type=int)
    return get_visible(model, key) if key is not None and 0 < key < 2**63 else None


class EmployerView(SecuredModelView):
    column_list = ("name", "credit_code", "nature", "contact", "phone", "is_base", "base_since")
    column_searchable_list = ("name", "credit_code", "contact")
    column_filters = ("nature", "is_base", "base_since")
    column_sortable_list = ("name", "base_since")
    column_default_sort = ("id", True)
    column_details_exclude_list = ("vacancies",)
    form_columns = ("name", "credit_code", "contact", "phone", "address", "nature", "is_base",
                    "base_since", "notes")
    constraint_messages = CONSTRAINT_MESSAGES

    def scaffold_form(self):
        form_class = super().scaffold_form()
        # The rules check the code and its uniqueness; no bare "already exists" here.
        field = form_class.credit_code
        field.kwargs["validators"] = [v for v in field.kwargs.get("validators", [])
                                      if type(v).__name__ != "Unique"]
        return form_class

    def on_model_change(self, form, model, is_created):
        check_employer(model)


class JobSeekerView(PicksWorker, SecuredModelView):
    column_list = ("name", "registered_on", "desired_job_types", "desired_wage",
                   "willing_to_travel", "is_4050", "has_file", "is_migrant", "state")
    column_searchable_list = ("name",)
    column_filters = ("state", "is_4050", "has_file", "is_migrant", "willing_to_travel",
                      "registered_on", "education")
    column_sortable_list = ("name", "registered_on", "desired_wage", "state")
    column_default_sort = ("id", True)
    column_formatters = {"desired_job_types": lambda v, c, m, n: "、".join(
        str(JOB_TYPES.get(code, code)) for code in (m.desired_job_types or []))}
    # Completed training classes appear by themselves, from the seeker's hardship file.
    column_formatters_detail = {**column_formatters,
                                "completed_classes": lambda v, c, m, n: "、".join(
                                    e.training_class.name for e in completed_classes(m)) or "—"}
    column_details_list = ("name", "worker", "person", "registered_on", "education", "skills",
                           "completed_classes", "desired_job_types", "desired_wage",
                           "willing_to_travel", "availability", "is_4050", "has_file",
                           "is_migrant", "state", "notes")
    column_labels = {"completed_classes": _l("Completed classes")}
    form_columns = ("worker", "person", "registered_on", "education", "skills",
                    "desired_job_types", "desired_wage", "willing_to_travel", "availability",
                    "state", "notes")
    form_ajax_refs = {**PicksWorker.form_ajax_refs,
                      "person": {"fields": ("name", "phone"), "page_size": 10}}
    form_overrides = {"desired_job_types": MultiChoiceField}
    form_args = {"desired_job_types": {"choices": list(JOB_TYPES.items()), "limit": 3},
                 "desired_wage": {"validators": [NumberRange(min=0)]}}
    form_choices = {"state": [(k, v) for k, v in SEEKER_STATES.items() if k != "placed"]}
    column_extra_row_actions = [MATCH]
    constraint_messages = CONSTRAINT_MESSAGES
    guards = SEEKER_GUARDS
    # Managers see people's numbers masked; the export (portal/excel/seeker_import.py)
    # writes the holder's ID number and phone under these keys, masked for them too.
    identity_columns = {"person.id_number": "person", "person.phone": "person"}
    export_masks_identity = True
    # The page shows the same person's training follow-ups and loans (their hardship file).
    details_template = "admin/jobseeker_details.html"

    def person_history(self, seeker) -> dict:
        """Return the seeker's referrals, and the training and loans of their file that
        the role reads (None: a kind the role may not read)."""
        from models.permissions import allows
        return {"referrals": seeker.referrals,
                "training": training_of(seeker) if allows(self.role, "enrolment", "R")
                else None,
                "loans": loans_of(seeker) if allows(self.role, "loan", "R") else None,
                "file": file_of(seeker), "states": REFERRAL_STATES,
                "enrolment_states": ENROLMENT_STATES, "outcomes": TRAINING_OUTCOMES,
                "loan_states": LOAN_STATES, "money": money}

    def edit_form(self, obj=None):
        form = super().edit_form(obj)
        if obj is not None and obj.state == "placed":
            del form.state  # placed and back only through the referral's steps
        return form

    def on_model_change(self, form, model, is_created):
        old = inspect(model).attrs.state.history.deleted
        if model.state == "placed" and (is_created or (old and old[0] != "placed")):
            raise DomainError(_("A seeker is placed, and unplaced, only by a referral."))
        register(model, current_user._get_current_object())

    @expose("/match/")
    @requires("R")
    def match_view(self):
        seeker = self.requested_record()
        classes = completed_classes(seeker)
        return self.render("admin/employment_match.html", title=str(seeker), seeker=seeker,
                           matches=vacancies_for(seeker, visible_units()), classes=classes,
                           reasons=REASONS, points=POINTS, job_types=JOB_TYPES,
                           kinds=VACANCY_KINDS, money=money, referring=_may_refer(self))


def completed_classes(seeker) -> list:
    """Return the training classes the seeker's hardship file completed."""
    worker = file_of(seeker)
    return [] if worker is None else db.session.scalars(
        select(Enrolment).where(Enrolment.worker_id == worker.id, Enrolment.state == "completed")
        .order_by(Enrolment.id)).all()


def _may_refer(view) -> bool:
    from models.permissions import allows
    return allows(view.role, "referral", "C")


class VacancyView(SecuredModelView):
    column_list = ("title", "employer", "job_type", "kind", "places", "places_taken",
                   "wage_min", "wage_max", "location", "open_from", "open_to", "state")
    column_labels = {"employer.name": _l("Employer name")}
    column_searchable_list = ("title", "employer.name", "location")
    column_filters = ("job_type", "kind", "state", "open_from")
    column_sortable_list = ("title", "job_type", "places", "open_from", "state")
    column_default_sort = ("id", True)
    column_details_exclude_list = ("referrals",)
    list_options = (joinedload(Vacancy.employer),)
    form_columns = ("employer", "title", "job_type", "kind", "destination", "places",
                    "wage_min", "wage_max", "requirements", "location", "open_from",
                    "open_to", "state")
    form_ajax_refs = {"employer": {"fields": ("name", "credit_code"), "page_size": 10}}
    form_args = {"places": {"validators": [NumberRange(min=1)]},
                 "wage_min": {"validators": [NumberRange(min=0)]},
                 "wage_max": {"validators": [NumberRange(min=0)]}}
    form_choices = {"state": [(k, v) for k, v in VACANCY_STATES.items() if k != "filled"]}
    column_extra_row_actions = [MATCH]
    constraint_messages = CONSTRAINT_MESSAGES
    guards = VACANCY_GUARDS

    def edit_form(self, obj=None):
        form = super().edit_form(obj)
        if obj is not None and obj.state == "filled":
            del form.state  # filled by its last hire, open again when one is undone
        return form

    def on_model_change(self, form, model, is_created):
        check_vacancy(model)

    @expose("/match/")
    @requires("R")
    def match_view(self):
        vacancy = self.requested_record()
        return self.render("admin/employment_match.html", title=str(vacancy), vacancy=vacancy,
                           matches=seekers_for(vacancy, visible_units()), reasons=REASONS,
                           points=POINTS, job_types=JOB_TYPES, kinds=VACANCY_KINDS,
                           money=money, referring=_may_refer(self))


class ReferralView(WorkflowPage, SecuredModelView):
    column_list = ("seeker", "vacancy", "referred_on", "state", "interviewed_on", "start_date",
                   "wage", "times_undone")
    column_labels = {"seeker.name": _l("Job seeker"), "vacancy.title": _l("Job title"),
                     "referred_by": _l("Referred by")}
    column_searchable_list = ("seeker.name", "vacancy.title")
    column_filters = ("state", "referred_on", "start_date")
    column_sortable_list = ("referred_on", "state", "start_date", "wage")
    column_default_sort = ("id", True)
    column_details_exclude_list = ("file_employer_before", "file_nature_before")
    list_options = (joinedload(Referral.seeker),
                    joinedload(Referral.vacancy).joinedload(Vacancy.employer))
    form_columns = ("seeker", "vacancy", "referred_on", "notes")
    form_ajax_refs = {"seeker": {"fields": ("name",), "page_size": 10},
                      "vacancy": {"fields": ("title",), "page_size": 10}}
    column_extra_row_actions = [
        EndpointLinkRowAction("fa fa-tasks", ".step_view", title=_l("Workflow")),
    ]
    constraint_messages = CONSTRAINT_MESSAGES
    workflow, guards = WORKFLOW, REFERRAL_GUARDS
    step_template, record_page = "admin/referral_step.html", ".step_view"

    def create_form(self, obj=None):
        form = super().create_form(obj)
        if request.method == "GET":
            form.seeker.data = form.seeker.data or _requested(JobSeeker, "seeker_id")
            form.vacancy.data = form.vacancy.data or _requested(Vacancy, "vacancy_id")
        return form

    def create_model(self, form):
        """Refer the seeker to the vacancy."""
        return self.create_by_rule(form, Referral, refer)

    def on_model_change(self, form, model, is_created):
        if not is_created:
            refer(model, current_user._get_current_object())

    def step_context(self, record) -> dict:
        return {"states": REFERRAL_STATES, "job_types": JOB_TYPES, "kinds": VACANCY_KINDS,
                "money": money, "today": today().isoformat()}
