"""Hand-outs of goods to named people: the list, the clothing corner's screen (the create
page: find the person, scan or pick goods, confirm), and voiding with a reason."""
from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_admin import expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from models import Campaign, Handout, Item, Person, StockMovement, Worker, db
from models.choices import HANDOUT_STATES
from models.guards import Guards, ids_used_by
from models.handout_people import find_people, find_workers
from models.handout_rules import CONSTRAINT_MESSAGES, hand_out, may_void, void_handout
from models.idnumber import mask_id_number
from models.inventory_rules import usable_stock
from models.masking import mask_phone
from models.permissions import sees_masked_identity
from models.redemption_rules import find_items
from models.unit_scope import get_visible, scope
from views.base import SecuredModelView, requires
from views.stock_lists import AllowedLink, clerk_lists

MAX_LINES = 30


def _delete_refusal(record):
    """Goods that left stock keep their hand-out on record: it is voided, not deleted."""
    if ids_used_by(StockMovement.handout_id, [record]):
        return _l("A hand-out whose goods left stock stays on record; void it instead.")
    return None


GUARDS = Guards(delete=_delete_refusal,
                deletes_refused=lambda records: ids_used_by(StockMovement.handout_id, records))


def _lines_detail(view, context, model, name):
    return Markup("<br>").join(f"{line.item.name} × {line.quantity} {line.item.unit}"
                               for line in model.lines)


def _recipient(view, context, model, name):
    return model.recipient.name if model.recipient is not None else ""


def parse_cart(text: str) -> dict[int, int]:
    """Return ``{item id: quantity}`` of the screen's cart, ``"3:2,7:1"``; junk is dropped."""
    cart: dict[int, int] = {}
    for part in (text or "").split(",")[:MAX_LINES]:
        item_id, _sep, quantity = part.partition(":")
        if item_id.isdigit() and quantity.isdigit() and 0 < int(quantity) < 100000:
            cart[int(item_id)] = int(quantity)
    return cart


def cart_text(cart: dict[int, int]) -> str:
    return ",".join(f"{i}:{q}" for i, q in cart.items())


class HandoutView(SecuredModelView):
    """Hand-outs: made on the clothing corner's screen (the create page), voided, never
    edited but for the note."""

    column_list = ("number", "handed_out_at", "recipient", "campaign", "state", "user")
    column_labels = {"recipient": _l("Recipient"), "user": _l("Handed out by"),
                     "voided_by": _l("Voided by"), "lines": _l("Goods handed out"),
                     "worker.name": _l("Worker name"), "person.name": _l("Person name"),
                     "campaign.name": _l("Campaign name")}
    column_formatters = {"recipient": _recipient}
    list_options = (joinedload(Handout.worker), joinedload(Handout.person),
                    joinedload(Handout.campaign), joinedload(Handout.user))
    column_searchable_list = ("number", "worker.name", "person.name")
    column_filters = ("state", "handed_out_at", "campaign.name")
    column_sortable_list = ("number", "handed_out_at", "state")
    column_default_sort = ("id", True)
    column_details_list = ("number", "handed_out_at", "worker", "person", "campaign", "lines",
                           "note", "state", "user", "voided_by", "voided_at", "void_reason")
    column_formatters_detail = {"lines": _lines_detail}
    form_columns = ("note",)
    guards = GUARDS
    column_extra_row_actions = [
        AllowedLink("fa fa-undo", ".void_view", title=_l("Void"), verb="C", when=may_void)]
    constraint_messages = CONSTRAINT_MESSAGES

    # --- the clothing corner's screen ------------------------------------------------------
    @expose("/new/", methods=("GET",))
    def create_view(self):
        return self.corner_page()

    def _chosen(self, source):
        worker = get_visible(Worker, source.get("worker", type=int) or 0)
        person = None if worker else get_visible(Person, source.get("person", type=int) or 0)
        return worker, person

    def corner_page(self, worker=None, person=None, cart=None, status=200):
        args = request.args
        if worker is None and person is None:
            worker, person = self._chosen(args)
        cart = parse_cart(args.get("cart", "")) if cart is None else cart
        found_items, q, iq = [], args.get("q", "").strip(), args.get("iq", "").strip()
        if add := args.get("add", type=int):
            cart[add] = cart.get(add, 0) + 1
        if iq:
            found_items = [i for i in find_items(iq) if get_visible(Item, i.id) is not None]
            if len(found_items) == 1 and found_items[0].barcode == iq:  # a scanned barcode
                cart[found_items[0].id] = cart.get(found_items[0].id, 0) + 1
                found_items = []
        items = {i.id: i for i in db.session.scalars(scope(select(Item), Item).where(
            Item.id.in_(list(cart) + [i.id for i in found_items])))}
        cart = {i: n for i, n in cart.items() if i in items}
        usable = usable_stock(items)
        workers = people = []
        if q and worker is None and person is None:
            workers = find_workers(q, masked=sees_masked_identity(self.role, "worker"))
            people = find_people(q)
        campaigns = db.session.scalars(scope(select(Campaign), Campaign)
                                       .order_by(Campaign.year.desc(), Campaign.id.desc())
                                       .limit(30)).all()
        done = get_visible(Handout, args.get("done", type=int) or 0)
        recipient = {"worker": worker.id} if worker else {"person": person.id} if person else {}
        return self.render(
            "admin/handout_corner.html", worker=worker, person=person, recipient=recipient,
            cart=cart, cart_text=cart_text(cart), items=items, usable=usable,
            found_items=found_items, q=q, iq=iq, workers=workers, people=people,
            campaigns=campaigns, done=done, lists=clerk_lists(self.admin),
            mask_id=mask_id_number, mask_phone=mask_phone), status

    @expose("/give/", methods=("POST",))
    @requires("C")
    def give_view(self):
        form = request.form
        worker, person = self._chosen(form)
        cart: dict[int, int] = {}
        try:
            for item_id, quantity in zip(form.getlist("item_id"), form.getlist("quantity"),
                                         strict=True):
                cart[int(item_id)] = cart.get(int(item_id), 0) + int(quantity)
        except ValueError:
            flash(_("Quantities are whole numbers above zero."), "error")
            return self.corner_page(worker, person, {}, 422)
        items = {i.id: i for i in db.session.scalars(scope(select(Item), Item)
                                                     .where(Item.id.in_(cart)))}
        campaign = get_visible(Campaign, form.get("campaign_id", type=int) or 0)
        lines = [(items.get(i), q) for i, q in cart.items()]
        ok, done = self.run_rule(
            lambda: (lambda h: (h.id, h.number))(hand_out(
                lines, current_user._get_current_object(), worker=worker, person=person,
                campaign=campaign, note=form.get("note", ""))),
            lambda done: _("Handed out %(no)s.", no=done[1]))
        if not ok:
            return self.corner_page(worker, person, {i: q for i, q in cart.items()
                                                     if i in items and q > 0}, 422)
        return redirect(url_for(".create_view", done=done[0]))

    # --- voiding -----------------------------------------------------------------------
    @expose("/void/", methods=("GET", "POST"))
    @requires("C")
    def void_view(self):
        record = self.requested_record()
        status = 200
        if request.method == "POST":
            ok, _done = self.run_rule(
                lambda: void_handout(record, current_user._get_current_object(),
                                     request.form.get("reason", "")),
                lambda _done: _("Hand-out %(no)s voided: the goods are back in stock.",
                                no=record.number))
            if ok:
                return redirect(self.get_url(".details_view", id=record.id))
            status = 422
        return self.render("admin/handout_void.html", record=record,
                           states=HANDOUT_STATES), status
