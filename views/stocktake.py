"""Stocktakes: start, count on one keyboard-friendly page, confirm into adjustments."""
from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_admin import expose
from flask_admin.model.template import EndpointLinkRowAction
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from models import db
from models.base import DomainError
from models.choices import ITEM_CATEGORIES
from models.stocktake_rules import (
    CONSTRAINT_MESSAGES,
    confirm_stocktake,
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

    def create_model(self, form):
        """Open the count through the rules: one line per item with its book figure."""
        try:
            stocktake = start_stocktake(current_user, form.category.data or None,
                                        form.note.data or "")
            db.session.commit()
        except (DomainError, IntegrityError) as exc:
            db.session.rollback()
            self.handle_view_exception(exc)
            return False
        return stocktake

    def get_save_return_url(self, model, is_created=False):
        return url_for(".sheet_view", id=model.id)

    def on_model_delete(self, model):
        if model.state != "open":
            raise DomainError(_("A confirmed stocktake stays on record."))

    @expose("/edit/", methods=("GET", "POST"))
    def edit_view(self):
        """Editing a stocktake is counting it: the count sheet."""
        return self.sheet_view()

    @expose("/sheet/", methods=("GET", "POST"))
    @requires("R")
    def sheet_view(self):
        """The count sheet: book against counted per item; saving and confirming need U."""
        record = self.get_one(request.args.get("id", ""))
        if record is None:
            return redirect(self.get_url(".index_view"))
        if request.method == "POST":
            return self._save(record, confirm=request.form.get("step") == "confirm")
        return self.render("admin/stocktake_count.html", record=record,
                           categories=ITEM_CATEGORIES)

    def _save(self, record, confirm):
        if not self.allows("U"):
            abort(403)
        user = current_user._get_current_object()
        try:
            counts = {}
            for line in record.lines:
                raw = request.form.get(f"counted-{line.id}")
                if raw is not None:
                    counts[line.id] = int(raw) if raw.strip() else None
            changed = record_counts(record, counts, user)
            db.session.commit()  # the counts are kept even when confirming is refused
            if confirm:
                adjusted = confirm_stocktake(record, user)
                db.session.commit()
                flash(_("Stocktake %(no)s confirmed: %(n)d adjustment(s) posted.",
                        no=record.number, n=adjusted), "success")
            else:
                flash(_("%(n)d count(s) saved.", n=changed), "success")
        except ValueError:
            db.session.rollback()
            flash(_("Counted quantities are whole numbers, zero or more."), "error")
        except (DomainError, IntegrityError, StaleDataError) as exc:
            db.session.rollback()
            self.handle_view_exception(exc)
        return redirect(url_for(".sheet_view", id=record.id))
