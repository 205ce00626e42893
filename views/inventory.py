"""Goods on offer, their lots and the stock ledger: read, filtered, and moved by the rules."""
from __future__ import annotations

from flask import redirect, request, url_for
from flask_admin import expose
from flask_admin.form.widgets import DatePickerWidget
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import func, select
from wtforms import DateField, StringField
from wtforms.validators import DataRequired, NumberRange, Optional

from models import Item, StockLot, StockMovement, db
from models.base import today
from models.choices import MOVEMENT_REASONS
from models.inventory_rules import (
    CONSTRAINT_MESSAGES,
    ITEM_GUARDS,
    MANUAL_REASONS,
    post_manual,
    reverse_movement,
)
from models.unit_scope import get_visible
from views.base import SecuredModelView, requires
from views.stock_lists import (
    AllowedLink,
    ExpiryFilter,
    LowStockFilter,
    TodayFilter,
    clerk_lists,
)


class StockListsMixin:
    """Lists with the clerk's daily links above them."""

    list_template = "admin/stock_list.html"

    def clerk_lists(self):
        return clerk_lists(self.admin)


def _stock(view, context, model, name):
    badge = "badge-danger" if model.is_low else "badge-light"
    return Markup('<span class="badge {} stock-on-hand" style="font-size:100%">{}</span>'
                  ).format(badge, model.on_hand)


class ItemView(StockListsMixin, SecuredModelView):
    column_list = ("name", "category", "unit", "barcode", "points_price", "on_hand",
                   "low_stock", "active")
    column_searchable_list = ("name", "barcode", "initials")
    column_filters = ("category", "active", LowStockFilter(Item.on_hand, _l("Low stock")))
    column_sortable_list = ("name", "category", "points_price", "on_hand", "low_stock")
    column_default_sort = ("name", False)
    column_formatters = {"on_hand": _stock}
    column_details_exclude_list = ("initials", "lots")
    form_columns = ("name", "category", "unit", "barcode", "points_price", "low_stock",
                    "active", "notes")
    form_args = {"points_price": {"validators": [NumberRange(min=0)]},
                 "low_stock": {"validators": [NumberRange(min=0)]}}
    column_extra_row_actions = [
        AllowedLink("fa fa-list", "stockmovement.index_view", title=_l("Movements"),
                    id_arg="item_id")]
    constraint_messages = CONSTRAINT_MESSAGES
    guards = ITEM_GUARDS


def _days_left(view, context, model, name):
    if model.expiry is None:
        return ""
    days = (model.expiry - today()).days
    if days < 0:
        return Markup('<span class="badge badge-danger">{}</span>').format(
            _("Expired %(n)d days ago", n=-days))
    style = "badge-warning" if days <= 30 else "badge-light"
    return Markup('<span class="badge {}">{}</span>').format(style, _("%(n)d days", n=days))


class StockLotView(StockListsMixin, SecuredModelView):
    """Lots that still hold goods, soonest expiry first."""

    column_list = ("item", "lot_no", "expiry", "days_left", "on_hand", "received_on")
    column_labels = {"item": _l("Item"), "item.name": _l("Item"), "days_left": _l("Days left")}
    column_formatters = {"days_left": _days_left}
    column_filters = ("item.name", "expiry", ExpiryFilter(StockLot.expiry, _l("Expiry")))
    column_searchable_list = ("item.name", "lot_no")
    column_sortable_list = ("expiry", "on_hand", "received_on", ("item", "item.name"))
    column_default_sort = ("expiry", False)
    column_details_exclude_list = ("lot_key",)
    column_extra_row_actions = [
        AllowedLink("fa fa-trash", "stockmovement.create_view", verb="C", id_arg="lot",
                    title=_l("Write off expired or damaged goods"))]

    def get_query(self):
        return super().get_query().filter(StockLot.on_hand > 0)

    def get_count_query(self):
        return super().get_count_query().filter(StockLot.on_hand > 0)


class StockMovementView(StockListsMixin, SecuredModelView):
    """The stock ledger: rows are only added, by the rules; a mistake is reversed."""

    column_list = ("at", "item", "lot", "reason", "quantity", "stock_after", "document",
                   "note", "user", "reverses")
    column_labels = {"item": _l("Item"), "item.name": _l("Item"), "lot": _l("Lot"),
                     "user": _l("Entered by"), "reverses": _l("Reverses movement")}
    column_filters = ("item.name", "reason", "document", "at",
                      TodayFilter(StockMovement.at, _l("Today")))
    column_searchable_list = ("document", "note", "item.name")
    column_sortable_list = ("at", "reason", "quantity", "document")
    column_default_sort = ("id", True)
    column_formatters = {"quantity": lambda v, c, m, n: f"{m.quantity:+d}"}
    form_columns = ("item", "reason", "quantity", "lot_no", "expiry", "document", "note")
    form_extra_fields = {
        "lot_no": StringField(_l("Lot no.")),
        # The portal's date picker (YYYY-MM-DD), as every model form's dates: a plain
        # DateField was the browser's own box, in the browser's date order.
        "expiry": DateField(_l("Expiry date"), validators=[Optional()],
                            widget=DatePickerWidget(),
                            description=_l("For goods coming in; for goods going out, the "
                                           "lot to take from (empty: the earliest expiry)")),
    }
    form_choices = {"reason": [(r, MOVEMENT_REASONS[r]) for r in MANUAL_REASONS]}
    form_args = {
        "item": {"validators": [DataRequired()], "query_factory": lambda: db.session.scalars(
            select(Item).order_by(Item.name)).all()},
        "quantity": {"validators": [DataRequired(), NumberRange(min=1)],
                     "description": _l("Units, always positive: the kind says in or out")},
        "note": {"description": _l("Required for goods going out")},
    }
    column_extra_row_actions = [
        AllowedLink("fa fa-undo", ".reverse_view", title=_l("Reverse"), verb="C")]
    constraint_messages = CONSTRAINT_MESSAGES

    def get_query(self):
        query = super().get_query()
        item_id = request.args.get("item_id", type=int)
        return query.filter(StockMovement.item_id == item_id) if item_id else query

    def get_count_query(self):
        query = super().get_count_query()
        item_id = request.args.get("item_id", type=int)
        return query.filter(StockMovement.item_id == item_id) if item_id else query

    def create_form(self, obj=None):
        form = super().create_form(obj)
        lot = get_visible(StockLot, request.args.get("lot", type=int) or 0)
        if request.method == "GET" and lot is not None:  # a write-off from the lots list
            form.item.data, form.reason.data, form.quantity.data = lot.item, "loss_out", \
                lot.on_hand
            form.lot_no.data, form.expiry.data = lot.lot_no, lot.expiry
        return form

    def create_model(self, form):
        """Post through the stock rules, never by inserting a ledger row directly."""
        ok, rows = self.run_rule(lambda: post_manual(
            form.item.data, form.reason.data, form.quantity.data, current_user,
            form.lot_no.data or "", form.expiry.data, form.document.data or "",
            (form.note.data or "").strip()))
        return rows[0] if ok else False

    @expose("/reverse/", methods=("GET", "POST"))
    @requires("C")
    def reverse_view(self):
        movement = self.requested_record()
        if request.method == "POST":
            ok, _done = self.run_rule(
                lambda: reverse_movement(movement, current_user, request.form.get("note", "")),
                _l("Movement reversed; the reversing movement is written."))
            if ok:
                return redirect(self.get_url(".index_view"))
        reversed_by = db.session.scalar(select(func.count()).select_from(StockMovement)
                                        .where(StockMovement.reverses_id == movement.id))
        return self.render("admin/stockmovement_reverse.html", movement=movement,
                           reasons=MOVEMENT_REASONS, already=bool(reversed_by))

    def get_save_return_url(self, model, is_created=False):
        return url_for(".index_view")
