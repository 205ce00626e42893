"""Hardship-worker files and their household members."""
from __future__ import annotations

from functools import wraps

from flask import abort, jsonify, redirect, request, url_for
from flask_admin import expose
from flask_admin.actions import action
from flask_admin.contrib.sqla.validators import Unique
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import inspect
from wtforms import BooleanField
from wtforms.validators import NumberRange, Optional

from models import FamilyMember, Worker, member_search
from models.base import today
from models.choices import HARDSHIP_CAUSES, HEALTH, RELATIONS, WORKER_CATEGORIES
from models.idnumber import mask_id_number
from models.permissions import allows
from models.settings import get_setting
from models.worker_episode_rules import CONSTRAINT_MESSAGES as EPISODE_MESSAGES
from models.worker_episode_rules import GUARDS as WORKER_GUARDS
from models.worker_pick import not_on_file
from models.worker_rules import (
    CONSTRAINT_MESSAGES,
    activate,
    change_status,
    check_people_unique,
    form_statuses,
    likely_duplicates,
    review_overdue_clause,
    suggest_for_form,
    suggested_category,
    withdraw_application,
)
from models.worker_search import search_files
from models.worker_timeline import aid_history, household_file, summary_only
from views.base import InlineModel, SecuredModelView, money, requires
from views.filters import YesNoFilter
from views.forms import IdNumber, MultiChoiceField, start_blank
from views.listing import known_rows
from views.pickers import PicksWorker
from views.visits import MustVisitDueFilter, NotVisitedFilter
from views.worker_certificates import CertificateRoutes
from views.worker_form import CLOSING, NEW_FOR_WORKER, sections


def _causes(view, context, model, name):
    return "、".join(str(HARDSHIP_CAUSES.get(c, c)) for c in (getattr(model, name) or []))


def _suggestion(worker):
    code = suggested_category(worker.per_capita_income, get_setting("dibao_line"))
    return WORKER_CATEGORIES[code] if code else _("None")



def _searched(found, query, count_query, joins, count_joins):
    """Return Flask-Admin's search tuple with what the search ``found`` (None: no search)
    on page and count; the count is told how many rows the search alone found."""
    if found is None:
        return query, count_query, joins, count_joins
    if count_query is not None:
        count_query = count_query.filter(found.count)
        known_rows(found.count, found.rows, found.more, found.about)
    return query.filter(found.page), count_query, joins, count_joins

def whole_identity(route):
    """Mark a route that shows ID numbers whole: a role that sees them masked gets 403."""
    @wraps(route)
    def checked(self, *args, **kwargs):
        if self.masks_identity():
            abort(403)
        return route(self, *args, **kwargs)
    checked.whole_identity = True
    return checked


class ReviewOverdueFilter(YesNoFilter):
    """Live files whose annual review is overdue."""

    clause = staticmethod(review_overdue_clause)


class MemberInline(InlineModel):
    form_columns = ("id", "name", "relation", "id_number", "health", "monthly_income",
                    "school_or_work")
    form_args = {"id_number": {"validators": [IdNumber(optional=True)]}}


class WorkerView(CertificateRoutes, SecuredModelView):  # certificates: issue 16
    column_list = ("name", "id_number", "gender", "base_union", "employer", "category",
                   "main_cause", "per_capita_income", "status", "last_reviewed_on")
    column_searchable_list = ("name", "id_number", "phone", "employer")
    # Birth date: staff list the 4050 people by it; a clerk is not offered it.
    column_filters = ("category", "main_cause", "status", "base_union", "filed_on",
                      ReviewOverdueFilter(Worker.id, _l("Annual review overdue")), "birth_date",
                      # The start page's visit figures (issue 18, views.visits).
                      NotVisitedFilter(Worker.id, _l("Not visited this year")),
                      MustVisitDueFilter(Worker.id, _l("Must-visit due")))
    column_sortable_list = ("name", "base_union", "employer", "category", "per_capita_income",
                            "status", "last_reviewed_on", "filed_on")
    column_default_sort = ("id", True)
    column_details_list = (
        "name", "id_number", "gender", "birth_date", "ethnicity", "phone", "base_union",
        "employer", "employer_nature", "address", "category", "suggested", "main_cause",
        "secondary_causes", "health", "disability", "single_parent", "household_size",
        "household_income", "essential_spending", "per_capita_income", "on_dibao",
        "housing_type", "housing_area", "medical_insurance", "bank_name", "bank_card_no",
        "certificate_no", "status", "filed_on", "filed_by", "reviewed_by",
        "last_reviewed_on", "exit_date", "exit_reason", "notes", "members")
    # A clerk sees these masked (models.permissions), no birth date, and finds people by
    # the last 4 digits only (views.identity).
    identity_columns = {"id_number": "worker", "bank_card_no": "worker"}
    identity_derived = {"birth_date": "worker"}
    column_formatters = {"secondary_causes": _causes}
    column_labels = {"members": _l("Household members"), "filed_by": _l("Filed by"),
                     "reviewed_by": _l("Reviewed by"),
                     "suggested": _l("Suggested category"),
                     "confirm_duplicates": _l("I have checked the possible duplicates")}
    form_columns = ("name", "id_number", "ethnicity", "phone", "base_union", "employer",
                    "employer_nature", "address", "category", "main_cause",
                    "secondary_causes", "health", "disability", "single_parent",
                    "household_size", "household_income", "essential_spending", "on_dibao",
                    "housing_type", "housing_area", "medical_insurance", "bank_name",
                    # No certificate_no: the certificate rules alone set it (issue 16).
                    "bank_card_no", "status", "notes", "members",
                    "confirm_duplicates")
    form_overrides = {"secondary_causes": MultiChoiceField}
    form_args = {
        "id_number": {"validators": [IdNumber()]},
        "secondary_causes": {"choices": list(HARDSHIP_CAUSES.items()), "limit": 3},
        "household_size": {"description": _l("Including the worker; left empty it is "
                                              "counted from the household members."),
                           "validators": [Optional(), NumberRange(min=1)]},
        "category": {"description": _l("Suggested from monthly income per person against "
                                       "the minimum living allowance line.")},
        "status": {"description": _l("Approve a pending file or re-file a closed one here; "
                                     "a file leaves the record when a review's conclusion "
                                     "is approved.")},
    }
    form_extra_fields = {"confirm_duplicates": BooleanField(
        _l("I have checked the possible duplicates"),
        description=_l("Tick only when the portal warns of possible duplicate files."))}
    form_create_rules = sections()
    form_edit_rules = sections(CLOSING)
    inline_models = (MemberInline(FamilyMember),)
    constraint_messages = {**CONSTRAINT_MESSAGES, **EPISODE_MESSAGES}
    # No form closes a file and a file with history is never deleted (an approved review
    # closes it: models.worker_episode_rules).
    guards = WORKER_GUARDS
    # Starting reviews needs C on reviews (checked in _handle_view), reading files here.
    action_verbs = {"delete": "D", "approve": "U", "start_review": "R"}
    details_template = "admin/worker_details.html"
    # The 档案卡's facts, two to a row (the household and the aid have their own tables).
    card_facts = ("name", "gender", "id_number", "ethnicity", "phone", "address", "base_union",
                  "employer", "category", "main_cause", "secondary_causes", "health",
                  "disability", "household_size", "household_income", "essential_spending",
                  "per_capita_income", "on_dibao", "housing_type", "medical_insurance",
                  "certificate_no", "status", "filed_on", "last_reviewed_on", "exit_date",
                  "exit_reason")

    def _apply_search(self, query, count_query, joins, count_joins, search):
        """Find the files as ``models.worker_search`` does: by index, once for page and count."""
        found = search_files(search, masked=self.masked_kind(Worker.id_number) is not None)
        return _searched(found, query, count_query, joins, count_joins)

    def search_placeholder(self):
        if self.masks_identity():  # "… ID number (last 4 digits)", from views.identity
            return super().search_placeholder()
        return _("Name, pinyin initials, ID number (whole or last 4 to 6), phone, employer, "
                 "base union")

    def scaffold_form(self):
        form_class = super().scaffold_form()
        # Flask-Admin adds a bare "Already exists." check for the unique column; the
        # people check in validate_form says which file holds the number instead.
        field = form_class.id_number
        field.kwargs["validators"] = [v for v in field.kwargs.get("validators", [])
                                      if not isinstance(v, Unique)]
        start_blank(form_class, "main_cause")  # any default would be a guess
        form_class.household_size.kwargs["default"] = None  # blank: counted from the members
        return form_class

    def get_create_form(self):
        form_class = super().get_create_form()
        for name in CLOSING[1]:  # a new file starts pending
            delattr(form_class, name)
        return form_class

    def create_form(self, obj=None):
        form = self._suggesting(super().create_form(obj))
        if request.method == "GET" and request.args.get("service_case"):
            # A file drafted from a desk case: what the desk knows of the person.
            for name in ("name", "phone", "id_number", "employer"):
                if hasattr(form, name) and request.args.get(name):
                    getattr(form, name).data = request.args.get(name)[:100]
        return form

    def edit_form(self, obj=None):
        form = self._suggesting(super().edit_form(obj))
        if obj is not None:  # approve or re-file here; leaving the record is a review's
            allowed = form_statuses(obj.status)
            form.status.choices = [c for c in form.status.choices if c[0] in allowed]
        if request.method == "GET" and obj is not None and not obj.category:
            form.category.data = suggested_category(obj.per_capita_income,
                                                    get_setting("dibao_line"))
        return form

    def _suggesting(self, form):
        """Let the form's script pre-fill the category suggested by the figures typed."""
        if hasattr(form, "category"):
            form.category.render_kw = {"data-suggest-url": url_for(".suggest_view")}
        return form

    @expose("/suggest/")
    @requires("R")
    def suggest_view(self):
        """Answer the category suggested for the household figures in the query."""
        args = request.args
        code, per_capita = suggest_for_form(
            args.get("household_income", ""), args.get("essential_spending", ""),
            args.get("household_size", ""), args.get("members", 0, type=int))
        hint = "" if per_capita is None else _(
            "Suggested: %(category)s (monthly income per person %(amount)s yuan)",
            category=WORKER_CATEGORIES[code] if code else _("no hardship category"),
            amount=money(per_capita))
        return jsonify(category=code, hint=hint)

    def new_record_links(self, worker) -> list[tuple[str, str]]:
        """Return (text, URL) of the records the user may make for ``worker`` from its page."""
        back = url_for(".details_view", id=worker.id)
        return [(str(text), url_for(f"{endpoint}.create_view", worker_id=worker.id, url=back))
                for endpoint, text in NEW_FOR_WORKER if allows(self.role, endpoint, "C")]

    def not_on_file(self, worker) -> str | None:
        return not_on_file(worker)

    # --- the household's file: its timeline, and the printable 档案卡 -------------------
    def household_file(self, worker):
        """Return the household's timeline as the user's role may see it."""
        return household_file(worker, self.role)

    @property
    def may_print_card(self) -> bool:
        return self.allows("R") and not self.masks_identity()

    def render(self, template, **kwargs):
        # A role that sees the summary only sees no household member either.
        if "details_columns" in kwargs and summary_only(self.role):
            kwargs["details_columns"] = [(name, label) for name, label in
                                         kwargs["details_columns"] if name != "members"]
        kwargs.setdefault("money", money)
        return super().render(template, **kwargs)

    def may_withdraw(self, worker) -> bool:
        """Tell whether to offer 不予建档 on ``worker``'s page (the rule checks again)."""
        return worker.status == "pending" and self.allows("U")

    @expose("/withdraw/", methods=("GET", "POST"))
    @requires("U")
    def withdraw_view(self):
        """不予建档: close a pending application with its reason (no review: never filed)."""
        worker = self.requested_record()
        if request.method == "POST":
            ok, _done = self.run_rule(
                lambda: withdraw_application(worker, current_user._get_current_object(),
                                             request.form.get("reason", "")),
                _("The application is withdrawn; the file is not taken on record."))
            if ok:
                return redirect(url_for(".details_view", id=worker.id))
        return self.render("admin/worker_withdraw.html", worker=worker,
                           reason=request.form.get("reason", ""))

    @expose("/card/")
    @requires("R")
    @whole_identity
    def card_view(self):
        """Print the household's 档案卡: the file's facts and its aid history."""
        worker = self.requested_record()
        aid, total = aid_history(worker)
        facts = [(name, self.column_labels.get(name, name)) for name in self.card_facts]
        return self.render("admin/worker_card.html", worker=worker, facts=facts,
                           get_value=self.get_detail_value, aid=aid, total=total, money=money,
                           relations=RELATIONS, health=HEALTH, today=today())

    def validate_form(self, form):
        if not super().validate_form(form):
            return False
        if not hasattr(form, "id_number"):  # the delete and action forms
            return True
        worker_id = request.args.get("id", type=int)
        numbers = [form.id_number.data] + [
            entry.form.id_number.data for entry in form.members.entries
            if entry.form.id_number.data and not getattr(entry, "should_delete", False)
            and "del-" + entry.name not in request.form]
        errors = check_people_unique(worker_id, numbers)
        if errors:
            form.id_number.errors = list(form.id_number.errors) + errors
            return False
        dups = likely_duplicates(form.name.data, form.phone.data, form.employer.data, worker_id)
        if dups and not form.confirm_duplicates.data:
            listed = "；".join(f"{w.name}（{mask_id_number(w.id_number)}，{w.employer}）"
                              for w in dups)
            form.confirm_duplicates.errors = [
                _("Possible duplicate files: %(list)s. Check them, then tick this box to "
                  "save anyway.", list=listed)]
            return False
        return True

    def on_model_change(self, form, model, is_created):
        user = current_user._get_current_object()
        if is_created:
            model.status, model.filed_by_id = "pending", user.id
        old = inspect(model).attrs.status.history.deleted
        change_status(model, None if is_created else (old[0] if old else model.status), user)

    column_formatters_detail = {
        "suggested": lambda v, c, m, n: _suggestion(m),
        "secondary_causes": _causes,
        "members": lambda v, c, m, n: Markup("<br>").join(
            f"{x.name}（{RELATIONS.get(x.relation, x.relation)}）" for x in m.members),
    }


    @action("approve", _l("Approve file"), _l("Approve the selected pending files?"))
    def action_approve(self, ids):
        self.apply_to_selected(ids, activate,
                              lambda n: _("%(n)d file(s) approved and now on file.", n=n))

    def _handle_view(self, name, **kwargs):
        refused = super()._handle_view(name, **kwargs)
        if refused is None and name == "action_view" and request.form.get(
                "action") == "start_review" and not allows(self.role, "workerreview", "C"):
            abort(403)
        return refused

    def is_action_allowed(self, name: str) -> bool:
        if name == "start_review" and not allows(self.role, "workerreview", "C"):
            return False
        return super().is_action_allowed(name)

    @action("start_review", _l("Start reviews"))
    def action_start_review(self, ids):
        """Only starts reviews: the next page assigns them to a staff member, with a due date."""
        ids = ",".join(str(i) for i in self.coerce_ids(ids))
        return redirect(url_for("workerreview.create_view", ids=ids))


class FamilyMemberView(PicksWorker, SecuredModelView):
    column_list = ("worker", "name", "relation", "id_number", "health", "monthly_income",
                   "school_or_work")
    column_searchable_list = ("name", "id_number", "worker.name")
    column_filters = ("relation", "health")
    column_default_sort = ("id", True)
    identity_columns = {"id_number": "familymember", "worker.id_number": "worker"}
    column_labels = {"worker": _l("Worker file"), "worker.name": _l("Worker name")}
    form_columns = ("worker", "name", "relation", "id_number", "health", "monthly_income",
                    "school_or_work")
    form_args = {"id_number": {"validators": [IdNumber(optional=True)]}}
    on_file = False  # a household member may be added to a file under review
    constraint_messages = CONSTRAINT_MESSAGES

    def _apply_search(self, query, count_query, joins, count_joins, search):
        """Find members as ``models.member_search`` does: by index, once for page and count."""
        masked = self.masked_kind(FamilyMember.id_number) is not None
        found = member_search.search_members(search, masked=masked)
        return _searched(found, query, count_query, joins, count_joins)

    def search_placeholder(self):
        if self.masks_identity():  # "… ID number (last 4 digits)", from views.identity
            return super().search_placeholder()
        return _("Name, pinyin initials, ID number (whole or last 4 to 6), worker name")

    def validate_form(self, form):
        if not super().validate_form(form):
            return False
        if not hasattr(form, "id_number") or not form.id_number.data:
            return True
        worker = form.worker.data
        member_id = request.args.get("id", type=int)
        other = None if worker is None else check_people_unique(worker.id, [form.id_number.data])
        if other:
            form.id_number.errors = list(form.id_number.errors) + other
            return False
        if worker is not None and (worker.id_number == form.id_number.data or any(
                m.id_number == form.id_number.data and m.id != member_id
                for m in worker.members)):
            form.id_number.errors = list(form.id_number.errors) + [
                _("This ID number is already in this file.")]
            return False
        return True
