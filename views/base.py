"""The one base view: access from the registry, Chinese labels from the models, safe errors."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from flask import abort, flash, g, has_request_context, redirect, request, url_for
from flask_admin import expose
from flask_admin.actions import action
from flask_admin.babel import lazy_gettext as admin_text  # Flask-Admin's own catalogue
from flask_admin.contrib.sqla import ModelView
from flask_admin.contrib.sqla.form import AdminModelConverter
from flask_admin.model import typefmt
from flask_admin.model.form import InlineFormAdmin, converts
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import JSON, inspect, select
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from models import DomainError
from models.base import db
from models.display import local_time, money  # noqa: F401  (re-exported for the views)
from models.unit_scope import acting_role, get_visible, scope, visible_rows
from portal.errors import bad_value_message
from views.access import requires  # noqa: F401  (re-exported for the views)
from views.exports import ExcelExportMixin
from views.filters import FilterConverter
from views.forms import FitsColumn
from views.identity import IdentityColumns
from views.imports import ExcelImportMixin
from views.listing import (
    KeysetPaging,
    ListRendering,
    capped_count_query,
    count_text,
    counting_from,
)
from views.pickers import ScopedLookup
from views.units import UnitColumns

# Flask-Admin's exposed methods and the verb each one needs.
REFUSALS = (DomainError, IntegrityError, StaleDataError)
MAX_PAGE, MAX_PAGE_SIZE = 10**6, 1000

VIEW_VERBS = {
    "index_view": "R", "details_view": "R", "ajax_lookup": "R",
    "create_view": "C", "edit_view": "U", "ajax_update": "U",
    "delete_view": "D", "export": "X",
}


def _bool_formatter(view, value, name):
    return _("Yes") if value else _("No")


def _date_formatter(view, value, name):
    return value.strftime("%Y-%m-%d")


def _datetime_formatter(view, value, name):
    return local_time(value)


# Flask-Admin takes the first type the value is an instance of: datetime before date,
# or every time would show as a bare date.
FORMATTERS = {dt.datetime: _datetime_formatter, dt.date: _date_formatter,
              **typefmt.BASE_FORMATTERS}
FORMATTERS.update({
    type(None): typefmt.empty_formatter,
    Decimal: lambda view, value, name: money(value),
    list: lambda view, value, name: "、".join(str(v) for v in value),
    bool: _bool_formatter,
})


def labels_and_choices(model) -> tuple[dict, dict]:
    """Return the labels and choices declared in the ``info`` of ``model``'s columns."""
    labels, choices = {}, {}
    mapper = inspect(model)
    for column in mapper.columns:
        if "label" in column.info:
            labels[column.key] = column.info["label"]
        if "choices" in column.info and not isinstance(column.type, JSON):
            choices[column.key] = list(column.info["choices"].items())
    for relation in mapper.relationships:  # a record a column points to: that column's label
        named = [c.info["label"] for c in relation.local_columns if "label" in c.info]
        if relation.direction.name == "MANYTOONE" and named:
            labels.setdefault(relation.key, named[0])
    return labels, choices


class PortalModelConverter(AdminModelConverter):
    """Flask-Admin's form converter, whose optional selects start with a blank option.

    WTForms shows an option's value when its text is empty, so Flask-Admin's blank
    option of a related record read "__None" (also in inline forms, made by this too).
    """

    @converts("Numeric")
    def handle_decimal_types(self, column, field_args, **extra):
        """Flask-Admin's decimal field, refusing what the column cannot hold."""
        precision, scale = (getattr(column.type, name, None) for name in ("precision", "scale"))
        if precision is not None and scale is not None:
            field_args["validators"] = [*field_args.get("validators", ()),
                                        FitsColumn(precision, scale)]
        return super().handle_decimal_types(column, field_args, **extra)

    def _model_select_field(self, prop, multiple, remote_model, **kwargs):
        if prop.key in getattr(self.view, "_form_ajax_refs", {}):  # a ScopedLookup
            return super()._model_select_field(prop, multiple, remote_model, **kwargs)
        if not multiple:
            kwargs.setdefault("blank_text", " ")
        # The records offered (and so the ids a POST may name) are the user's units' only.
        factory = kwargs.get("query_factory") or (lambda: db.session.query(remote_model))
        kwargs["query_factory"] = lambda: visible_rows(factory(), remote_model)
        return super()._model_select_field(prop, multiple, remote_model, **kwargs)


class InlineModel(InlineFormAdmin):
    """An inline form whose labels and choices come from the model, like the views'."""

    def __init__(self, model, **kwargs):
        labels, choices = labels_and_choices(model)
        self.column_labels = {**labels, **getattr(self, "column_labels", {})}
        self.form_choices = {**choices, **getattr(self, "form_choices", {})}
        super().__init__(model, **kwargs)


def refused_form(response):
    """Answer a form posted back with its errors as 422, not 200: nothing was saved.

    Flask-Admin shows the form again, with the Chinese messages, when a field or a rule
    refuses it; a saved record redirects. A browser shows the page all the same; scripts,
    tests and logs see that the input was refused.
    """
    if request.method == "POST" and isinstance(response, str):
        return response, 422
    return response


class SecuredModelView(UnitColumns, IdentityColumns, ExcelImportMixin, ExcelExportMixin,
                       KeysetPaging, ListRendering, ModelView):
    """A model view whose every URL asks the registry whether the user's role may do it."""

    record_type = None          # set by the registry when the view is made
    action_verbs: dict[str, str] = {"delete": "D", "export_selected": "X"}
    column_type_formatters = FORMATTERS
    column_type_formatters_detail = FORMATTERS
    model_form_converter = PortalModelConverter
    filter_converter = FilterConverter()  # integers that fit the database
    column_display_pk = False
    can_view_details = True
    can_set_page_size = True
    page_size = 50
    # Constraint name -> callable giving the message shown when it is violated.
    constraint_messages: dict = {}
    # What the rules allow to be edited or deleted (models.guards.Guards), and the page a
    # record that may not be edited is shown on instead.
    guards = None
    record_page = ".details_view"
    # The record type's workflow (models.workflow.Workflow): bulk actions named after a
    # step need that step's verb.
    workflow = None

    def __init__(self, model, session, **kwargs):
        labels, choices = labels_and_choices(model)
        self.column_labels = {**labels, **(self.column_labels or {})}
        self.column_choices = {**choices, **(self.column_choices or {})}
        self.form_choices = {**{k: v for k, v in choices.items() if k not in
                                (self.form_overrides or {})}, **(self.form_choices or {})}
        super().__init__(model, session, **kwargs)

    # --- access -------------------------------------------------------------------
    @property
    def role(self) -> str | None:
        return acting_role()

    def allows(self, verb: str) -> bool:
        """Tell whether the current user's role may do ``verb`` here.

        A role that sees this view's ID numbers masked may not export them, unless the
        export masks them too (``export_masks_identity``). Asked for every list row (its
        pencil and bin), it is worked out once a request.
        """
        if not has_request_context():
            return self._allows(verb)
        answers = g.setdefault("view_allows", {})
        key = (self.endpoint, verb, self.role)
        if key not in answers:
            answers[key] = self._allows(verb)
        return answers[key]

    def _allows(self, verb: str) -> bool:
        return (self.record_type is not None and self.record_type.allows(self.role, verb)
                and not (verb == "X" and self.masks_identity()
                         and not self.export_masks_identity))

    def is_accessible(self) -> bool:
        return current_user.is_authenticated and self.allows("R")

    can_create = property(lambda self: self.allows("C"))
    can_edit = property(lambda self: self.allows("U"))
    can_delete = property(lambda self: self.allows("D"))
    can_export = property(lambda self: self.allows("X"))
    list_template = "admin/portal_list.html"
    details_template = "admin/portal_details.html"

    @property
    def can_import(self) -> bool:
        return self.allows("C") and self.has_importer()

    def action_verb(self, name: str) -> str:
        """Return the verb a list action needs: a workflow step's own, else as declared."""
        if self.workflow is not None and name in self.workflow:
            return self.workflow[name].verb
        return self.action_verbs.get(name) or SecuredModelView.action_verbs.get(name, "U")

    def _required_verb(self, name: str) -> str | None:
        if name == "action_view":
            return self.action_verb(request.form.get("action", ""))
        marked = getattr(getattr(self, name, None), "required_verb", None)
        return marked or VIEW_VERBS.get(name)

    def _handle_view(self, name, **kwargs):
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login", next=request.full_path))
        verb = self._required_verb(name)
        if verb is None or not self.allows(verb):
            abort(403)
        return None

    def is_action_allowed(self, name: str) -> bool:
        return self.allows(self.action_verb(name)) and super().is_action_allowed(name)

    # --- what the URL asks for ------------------------------------------------------
    def _get_list_extra_args(self):
        # A page number is an offset in SQL: far out of range it fails there (bigint).
        args = super()._get_list_extra_args()
        args.page = min(max(args.page or 0, 0), MAX_PAGE)
        args.page_size = min(max(args.page_size or 0, 0), MAX_PAGE_SIZE)
        return args

    # --- the list: related columns loaded with the page, a capped count (views.listing) ----
    # Loader options of the list's query (joinedload, selectinload, undefer): whatever a
    # row shows beyond its own columns comes with the page, never one query per row.
    list_options: tuple = ()

    # --- units: the user's unit and those below it (models.unit_scope), one filter here ---
    def scoped(self, query):
        """Return ``query`` keeping only the records of the user's units."""
        return scope(query, self.model)

    def get_query(self):
        return self.scoped(super().get_query().options(*self.list_options))

    def _create_ajax_loader(self, name, options):
        """Make every ajax lookup of this view one that keeps to the user's units."""
        loader = super()._create_ajax_loader(name, options)
        if not isinstance(loader, ScopedLookup):
            loader = ScopedLookup(name, self.session, loader.model, **options)
        return loader

    def get_count_query(self):
        return self.scoped(capped_count_query(db.session(), self.model))

    def get_list(self, page, sort_column, sort_desc, search, filters, execute=True,
                 page_size=None):
        # The count starts at the page's offset; an unexecuted query (export) needs none.
        size = self.page_size if page_size is None else page_size
        with counting_from(page, size, wanted=execute):
            count, rows = super().get_list(page, sort_column, sort_desc, search, filters,
                                           execute=execute, page_size=page_size)
        if execute and self.can_delete and self.guards and self.guards.deletes_refused:
            g.deletes_refused = (self.endpoint, {r.id for r in rows},
                                 self.guards.deletes_refused(rows))
        return count, rows

    count_text = staticmethod(count_text)

    def get_one(self, id):
        """Return the record with primary key ``id``, or None for an id that cannot be one.

        PostgreSQL refuses to compare an integer key with "abc" or an out-of-range number
        (an error page); such an id simply names no record.
        """
        key = inspect(self.model).primary_key
        if len(key) != 1:
            return super().get_one(id)
        try:
            value = key[0].type.python_type(id)
        except (TypeError, ValueError):
            return None
        if isinstance(value, int) and not -(2**63) <= value < 2**63:
            return None
        return get_visible(self.model, value)  # another unit's record: none (404)

    def requested_record(self):
        """Return the record the request's ``id`` names, or answer 404 in Chinese."""
        record = self.get_one(request.args.get("id", ""))
        if record is None:
            abort(404)
        return record

    # --- actions ------------------------------------------------------------------
    def coerce_ids(self, ids) -> list:
        """Return the posted row ids as the primary key's type (PostgreSQL won't compare)."""
        kind = inspect(self.model).primary_key[0].type.python_type
        try:
            return [kind(i) for i in ids]
        except (TypeError, ValueError):
            abort(400)

    def apply_to_selected(self, ids, func, done_message) -> None:
        """Run ``func(record, user)`` on each selected record, each in its own savepoint.

        Records the rule refuses are left unchanged and named in the message; the
        others are committed together.
        """
        user = current_user._get_current_object()
        pk = inspect(self.model).primary_key[0]
        records = db.session.scalars(self.scoped(
            select(self.model).where(pk.in_(self.coerce_ids(ids))).order_by(pk))).all()
        done, refused = 0, []
        for record in records:
            try:
                with db.session.begin_nested():
                    func(record, user)
                done += 1
            except REFUSALS as exc:
                refused.append(f"{record}：{self.refusal_message(exc)}")
        db.session.commit()
        if done:
            flash(done_message(done), "success")
        if refused:
            flash(_("%(n)d record(s) not changed: %(list)s", n=len(refused),
                    list="；".join(refused)), "error")

    def run_rule(self, rule, done=None) -> tuple[bool, object]:
        """Run ``rule()`` and commit, flashing ``done`` (or ``done(result)``).

        On a refusal the transaction is rolled back and the rule's Chinese message
        flashed instead. Return ``(True, result)`` or ``(False, None)``.
        """
        try:
            result = rule()
            db.session.commit()
        except REFUSALS as exc:
            db.session.rollback()
            flash(self.refusal_message(exc), "error")
            return False, None
        if done is not None:
            flash(str(done(result) if callable(done) else done), "success")
        return True, result

    def create_by_rule(self, form, model, rule):
        """Create a ``model`` from ``form`` through ``rule(record, user)`` (its checks, its
        numbering) and commit; return the record, or False (the form is shown again)."""
        user = current_user._get_current_object()

        def run():
            record = model()
            form.populate_obj(record)
            return rule(record, user)
        ok, record = self.run_rule(run)
        return record if ok else False

    def desk_origin(self, record):
        """Return the desk case ``record`` came of (有帮扶档案, issue 17) when the role may
        read desk cases, else None; one query, on the record types a case can start."""
        from models.case_outcomes import TARGETS, origin_of
        from models.permissions import allows

        if self.endpoint not in TARGETS or not allows(self.role, "servicecase", "R"):
            return None
        return origin_of(self.endpoint, record.id)

    # --- per-record guards (the rules module's, see models.guards) ----------------------
    def may_edit(self, record, can_edit: bool | None = None) -> bool:
        """Tell whether the user may edit ``record`` now (else no pencil, no edit tab);
        ``can_edit``: the role's right, when the caller knows it (a list's rows)."""
        can_edit = self.can_edit if can_edit is None else can_edit
        return can_edit and not (self.guards and self.guards.edit(record))

    def may_delete(self, record, can_delete: bool | None = None) -> bool:
        """Tell whether the user may delete ``record`` now (else no bin on its row);
        ``can_delete``: the role's right, when the caller knows it (a list's rows)."""
        can_delete = self.can_delete if can_delete is None else can_delete
        if not (can_delete and self.guards):
            return can_delete
        endpoint, page, refused = g.get("deletes_refused", (None, (), ()))
        if endpoint == self.endpoint and record.id in page:  # asked for the list page at once
            return record.id not in refused
        return not self.guards.delete(record)

    @expose("/details/")
    def details_view(self):
        # None, or another unit's: 404, not the list. Held while Flask-Admin asks for it
        # again: the session keeps a record only while it is referenced (not read twice).
        g.shown_record = self.requested_record()
        return super().details_view()

    @expose("/new/", methods=("GET", "POST"))
    def create_view(self):
        return refused_form(super().create_view())

    @expose("/edit/", methods=("GET", "POST"))
    def edit_view(self):
        record = self.requested_record()
        refusal = self.guards and self.guards.edit(record)
        if refusal:
            flash(str(refusal), "error")
            return redirect(url_for(self.record_page, id=record.id))
        return refused_form(super().edit_view())

    def _on_model_change(self, form, model, is_created):
        # Flask-Admin's wrapper around on_model_change: the guard sees the form's changes
        # first, whatever the view's own hook then does with them.
        refusal = self.guards and self.guards.save(model)
        if refusal:
            raise DomainError(str(refusal))
        super()._on_model_change(form, model, is_created)

    def on_model_delete(self, model):
        refusal = self.guards and self.guards.delete(model)
        if refusal:
            raise DomainError(str(refusal))

    @action("delete", admin_text("Delete"),
            admin_text("Are you sure you want to delete selected records?"))
    def action_delete(self, ids):
        return super().action_delete(self.coerce_ids(ids))

    @action("export_selected", _l("Export selected to Excel"))
    def action_export_selected(self, ids):
        return redirect(url_for(".export", export_type="xlsx",
                                id_list=",".join(str(i) for i in self.coerce_ids(ids))))

    # --- errors -------------------------------------------------------------------
    def handle_view_exception(self, exc: Exception) -> bool:
        if isinstance(exc, REFUSALS):
            flash(self.refusal_message(exc), "error")
            return True
        if isinstance(exc, DataError):
            flash(bad_value_message(), "error")
            return True
        return super().handle_view_exception(exc)

    def refusal_message(self, exc: Exception) -> str:
        """Return the Chinese message for a rule, a database rule or a lost race."""
        if isinstance(exc, IntegrityError):
            return self.integrity_message(exc)
        if isinstance(exc, StaleDataError):
            return _("Someone else changed it just now; reload and try again.")
        return str(exc)

    def integrity_message(self, exc: IntegrityError) -> str:
        """Return the Chinese message for the database rule ``exc`` broke."""
        text = str(exc.orig)
        for name, message in self.constraint_messages.items():
            if name in text:
                return message()
        if "FOREIGN KEY" in text.upper() or "foreign key" in text:
            return _("This record is still used by other records and cannot be removed.")
        return _("The record breaks a data rule and was not saved.")

