"""Training classes with their roster and results, and the enrolments of workers on file."""
from __future__ import annotations

from flask import request
from flask_admin import expose
from flask_admin.actions import action
from flask_admin.model.template import EndpointLinkRowAction
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import extract, inspect, select
from sqlalchemy.orm import selectinload
from wtforms.validators import NumberRange

from models import Enrolment, TrainingClass, db
from models.choices import (
    ENROLMENT_STATES,
    TRAINING_CATEGORIES,
    TRAINING_CLASS_STATES,
    TRAINING_OUTCOMES,
)
from models.training_rules import (
    CONSTRAINT_MESSAGES,
    OPEN_CLASS_STATES,
    check_class,
    check_follow_up,
    class_figures,
    class_follow_up_missing,
    complete,
    drop,
    enrol,
    follow_up_missing,
    rate,
    remove,
    summary,
)
from models.unit_scope import get_visible, scope, visible_units
from views.base import SecuredModelView, money, requires
from views.filters import ClauseFilter
from views.pickers import PicksWorker

FOLLOW_UP_FIELDS = ("attendance_rate", "certificate_no", "outcome", "employer", "outcome_on",
                    "monthly_income", "followed_up_on")


class ClassFollowUpMissingFilter(ClauseFilter):
    clause = staticmethod(class_follow_up_missing)


class EnrolmentFollowUpMissingFilter(ClauseFilter):
    clause = staticmethod(follow_up_missing)


def _other_view(view, endpoint: str):
    return next((v for v in view.admin._views if getattr(v, "endpoint", None) == endpoint),
                None)


class TrainingClassView(SecuredModelView):
    list_template = "admin/training_list.html"
    column_list = ("name", "category", "start_date", "end_date", "hours", "capacity",
                   "enrolled_count", "instructor", "venue", "state")
    column_searchable_list = ("name", "instructor", "venue")
    column_filters = ("category", "state", "start_date", "instructor",
                      ClassFollowUpMissingFilter(TrainingClass.id,
                                                 _l("Finished, follow-up missing")))
    column_sortable_list = ("name", "category", "start_date", "capacity", "enrolled_count",
                            "state")
    column_default_sort = ("start_date", True)
    column_details_exclude_list = ("enrolments",)
    form_columns = ("name", "category", "start_date", "end_date", "hours", "capacity",
                    "instructor", "venue", "state", "notes")
    form_args = {"capacity": {"validators": [NumberRange(min=1)]},
                 "hours": {"validators": [NumberRange(min=1)]}}
    column_extra_row_actions = [
        EndpointLinkRowAction("fa fa-users", ".roster_view", title=_l("Roster and results")),
    ]
    constraint_messages = CONSTRAINT_MESSAGES

    def on_model_change(self, form, model, is_created):
        old = inspect(model).attrs.state.history.deleted
        check_class(model, None if is_created else (old[0] if old else model.state))

    @expose("/roster/")
    @requires("R")
    def roster_view(self):
        klass = self.requested_record()
        enrolments = db.session.scalars(
            select(Enrolment).where(Enrolment.class_id == klass.id)
            .options(selectinload(Enrolment.worker)).order_by(Enrolment.id)).all()
        enrolment_view = _other_view(self, "enrolment")
        return self.render("admin/training_roster.html", klass=klass, enrolments=enrolments,
                           figures=class_figures(klass.id), categories=TRAINING_CATEGORIES,
                           class_states=TRAINING_CLASS_STATES, states=ENROLMENT_STATES,
                           outcomes=TRAINING_OUTCOMES, money=money,
                           attendance_label=Enrolment.attendance_rate.info["label"],
                           can_enrol=klass.state in OPEN_CLASS_STATES
                           and enrolment_view.allows("C"),
                           can_follow_up=enrolment_view.allows("U"))

    @expose("/summary/")
    @requires("R")
    def summary_view(self):
        years = sorted({int(y) for y in db.session.scalars(scope(
            select(extract("year", TrainingClass.start_date)), TrainingClass).distinct())
            if y}, reverse=True)
        year = request.args.get("year", type=int)
        rows = summary(year, visible_units())
        totals = {key: sum(r[2][key] for r in rows) for key in
                  ("total", "settled", "completed", "dropped", "followed_up", "found_work")}
        return self.render("admin/training_summary.html", rows=rows, totals=totals,
                           classes=sum(r[1] for r in rows), years=years, year=year,
                           categories=TRAINING_CATEGORIES, rate=_rate_text)


def _rate_text(part: int, whole: int) -> str:
    value = rate(part, whole)
    return "—" if value is None else f"{value}%"


class EnrolmentView(PicksWorker, SecuredModelView):
    edit_template = "admin/enrolment_edit.html"
    column_list = ("training_class", "worker", "state", "enrolled_on", "attendance_rate",
                   "certificate_no", "outcome", "employer", "monthly_income", "followed_up_on")
    column_labels = {"training_class": _l("Training class"), "worker": _l("Worker"),
                     "worker.name": _l("Worker name"), "worker.id_number": _l("ID number"),
                     "training_class.name": _l("Class name"),
                     "training_class.category": _l("Training category"),
                     "enrolled_by": _l("Enrolled by")}
    column_searchable_list = ("worker.name", "worker.id_number", "certificate_no",
                              "training_class.name")
    column_filters = ("state", "outcome", "training_class.name", "training_class.category",
                      "enrolled_on", "followed_up_on",
                      EnrolmentFollowUpMissingFilter(Enrolment.id,
                                                     _l("Finished class, follow-up missing")))
    column_sortable_list = ("state", "enrolled_on", "attendance_rate", "outcome",
                            "monthly_income", "followed_up_on")
    column_default_sort = ("id", True)
    column_details_exclude_list = ("updated_at",)
    column_export_list = ("training_class", "worker", "state", "enrolled_on", "completed_on",
                          "dropped_on", "attendance_rate", "certificate_no", "outcome",
                          "employer", "outcome_on", "monthly_income", "followed_up_on")
    form_columns = ("training_class", "worker") + FOLLOW_UP_FIELDS + ("notes",)
    form_args = {
        "training_class": {"query_factory": lambda: db.session.scalars(
            select(TrainingClass).where(TrainingClass.state.in_(OPEN_CLASS_STATES))
            .order_by(TrainingClass.start_date.desc())).all()},
        "attendance_rate": {"validators": [NumberRange(min=0, max=100)]},
        "monthly_income": {"validators": [NumberRange(min=0)]},
        "outcome": {"description": _l("Fill in at the follow-up after the class.")},
    }
    constraint_messages = CONSTRAINT_MESSAGES
    action_verbs = {"delete": "D", "complete": "U", "drop": "U"}

    def create_form(self, obj=None):
        form = super().create_form(obj)
        for name in FOLLOW_UP_FIELDS:
            delattr(form, name)  # the follow-up comes after the class
        class_id = request.args.get("class_id", type=int)
        if request.method == "GET" and class_id:
            form.training_class.data = get_visible(TrainingClass, class_id)
        return form

    def edit_form(self, obj=None):
        form = super().edit_form(obj)
        del form.training_class, form.worker  # another class or worker is a new enrolment
        return form

    def on_model_change(self, form, model, is_created):
        if is_created:
            enrol(model, current_user)
        else:
            check_follow_up(model)

    def on_model_delete(self, model):
        remove(model)

    @action("complete", _l("Mark completed"),
            _l("Mark the selected trainees as having completed their class?"))
    def action_complete(self, ids):
        self.apply_to_selected(ids, complete, lambda n: _(
            "%(n)d trainee(s) marked as completed.", n=n))

    @action("drop", _l("Mark dropped out"),
            _l("Mark the selected trainees as dropped out? Their places become free."))
    def action_drop(self, ids):
        self.apply_to_selected(ids, drop, lambda n: _(
            "%(n)d trainee(s) marked as dropped out.", n=n))

