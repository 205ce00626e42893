"""Stocktakes: start, count on one keyboard-friendly page, confirm into adjustments."""
from __future__ import annotations

from flask import abort, redirect, request, url_for
from flask_admin import expose
from flask_admin.model.template import EndpointLinkRowAction
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from models.choices import ITEM_CATEGORIES
from models.stocktake_rules import (
    CONSTRAINT_MESSAGES,
    GUARDS,
    confirm_stocktake,
    parse_counts,
    record_counts,
    start_stocktake,
)
from views.base import SecuredModelView, requires


def _progress(view, context, model, name):
    counted = sum(1 for line in model.lines if line.counted is not None)
    differ = sum(1 for line in model.lines if line.difference)
    return _("%(counted)d of %(n)d counted, %(differ)d differ", counted=counted,
             n=len(model.lines), differ=differ)


class StocktakeView(SecuredModelView):
    column_list = ("number", "category", "state", "progress", "started_by", "started_at",
                   "confirmed_by", "confirmed_at")
    column_labels = {"progress": _l("Progress"), "started_by": _l("Started by"),
                     "confirmed_by": _l("Confirmed by"), "lines": _l("Items")}
    column_formatters = {"progress": _progress}
    column_filters = ("state", "started_at")
    column_sortable_list = ("number", "state", "started_at", "confirmed_at")
    column_default_sort = ("id", True)
    column_details_exclude_list = ("version", "lines")
    form_columns = ("category", "note")
    column_extra_row_actions = [
        EndpointLinkRowAction("fa fa-list-ol", ".sheet_view", title=_l("Count sheet"))]
    constraint_messages = CONSTRAINT_MESSAGES
    guards = GUARDS

    def create_model(self, form):
        """Open the count through the rules: one line per item with its book figure."""
        ok, stocktake = self.run_rule(lambda: start_stocktake(
            current_user, form.category.data or None, form.note.data or ""))
        return stocktake if ok else False

    def get_save_return_url(self, model, is_created=False):
        return url_for(".sheet_view", id=model.id)

    @expose("/edit/", methods=("GET", "POST"))
    def edit_view(self):
        """Editing a stocktake is counting it: the count sheet."""
        return self.sheet_view()

    @expose("/sheet/", methods=("GET", "POST"))
    @requires("R")
    def sheet_view(self):
        """The count sheet: book against counted per item; saving and confirming need U."""
        record = self.requested_record()
        if request.method == "POST":
            return self._save(record, confirm=request.form.get("step") == "confirm")
        return self.render("admin/stocktake_count.html", record=record,
                           categories=ITEM_CATEGORIES)

    def _save(self, record, confirm):
        if not self.allows("U"):
            abort(403)
        user = current_user._get_current_object()
        # The counts are committed first: they are kept even when confirming is refused.
        saved, _changed = self.run_rule(
            lambda: record_counts(record, parse_counts(record, request.form), user),
            None if confirm else (lambda n: _("%(n)d count(s) saved.", n=n)))
        if saved and confirm:
            self.run_rule(lambda: confirm_stocktake(record, user),
                          lambda n: _("Stocktake %(no)s confirmed: %(n)d adjustment(s) posted.",
                                      no=record.number, n=n))
        return redirect(url_for(".sheet_view", id=record.id))
