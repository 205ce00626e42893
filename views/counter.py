"""The love supermarket counter: find the card holder, scan goods, confirm; and void."""
from __future__ import annotations

import uuid
from decimal import Decimal, InvalidOperation

from flask import flash, jsonify, redirect, request, url_for
from flask_admin import expose
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import joinedload

import portal.audit as audit
from models import Item, LoveCard, Redemption, Worker, db
from models.base import DomainError, today
from models.choices import GENDERS, REDEMPTION_STATES, WORKER_CATEGORIES
from models.idnumber import mask_id_number
from models.inventory_rules import usable_stock
from models.redemption_rules import (
    CONSTRAINT_MESSAGES,
    check_card,
    find_holders,
    find_items,
    may_void,
    redeem,
    void_redemption,
)
from models.unit_scope import scope
from views.base import SecuredModelView, local_time, money, requires
from views.stock_lists import AllowedLink, RedeemedTodayFilter, clerk_lists

# Texts the counter's script shows, translated on the server.
SCRIPT_TEXTS = {
    "none": _l("No active love card found. Try the card no., the name, pinyin initials "
               "or the last 4+ digits of the ID number."),
    "no_items": _l("No item on offer matches."),
    "over": _l("Not enough points: %(short)s short."),
    "stock": _l("%(n)s in stock"),
    "age": _l("%(n)s years old"),
    "household": _l("household of %(n)s"),
    "recent": _l("Recent: "),
    "remove": _l("Remove"),
}
_script_texts: dict[str, dict[str, str]] = {}


def script_texts() -> dict[str, str]:
    """Return ``SCRIPT_TEXTS`` in the request's language, translated once per language."""
    language = str(get_locale())
    if language not in _script_texts:
        _script_texts[language] = {k: str(v) for k, v in SCRIPT_TEXTS.items()}
    return _script_texts[language]


def holder_data(card: LoveCard) -> dict:
    """Return what the counter shows of a card and its holder: no photo, ID masked."""
    worker = card.worker
    try:
        check_card(card)
        problem = ""
    except DomainError as exc:
        problem = str(exc)
    age = None
    if worker.birth_date:
        born, now = worker.birth_date, today()
        age = now.year - born.year - ((now.month, now.day) < (born.month, born.day))
    recent = db.session.execute(scope(select(Redemption.number, Redemption.at,
                                             Redemption.points, Redemption.state), Redemption)
                                .where(Redemption.worker_id == worker.id)
                                .order_by(Redemption.id.desc()).limit(3)).all()
    return {"card_id": card.id, "card_no": card.card_no, "name": worker.name,
            "gender": str(GENDERS.get(worker.gender, "")), "age": age,
            "id_number": mask_id_number(worker.id_number),
            "category": str(WORKER_CATEGORIES.get(worker.category, "")),
            "employer": worker.employer, "household": worker.household_size,
            "balance": f"{card.balance:.2f}", "valid_until": card.valid_until.isoformat(),
            "problem": problem,
            "recent": [{"number": r.number, "at": local_time(r.at), "points": money(r.points),
                        "state": str(REDEMPTION_STATES[r.state])} for r in recent]}


def counter_card(card_id: int) -> LoveCard | None:
    """Return the card the counter was sent, with its holder, if the user may see it:
    one query (``get_visible``, then the holder, were two)."""
    return db.session.scalar(scope(select(LoveCard).options(joinedload(LoveCard.worker))
                                   .where(LoveCard.id == card_id), LoveCard))


def done_banner(redemption_id: int | None):
    """Return the number, holder, points and the card's balance now of the redemption
    just made, if the user may see it: one query (the counter page follows every one)."""
    if not redemption_id:
        return None
    return db.session.execute(scope(
        select(Redemption.number, Worker.name, Redemption.points, LoveCard.balance)
        .join(Worker, Worker.id == Redemption.worker_id)
        .join(LoveCard, LoveCard.id == Redemption.card_id)
        .where(Redemption.id == redemption_id), Redemption)).one_or_none()


def item_data(items) -> list[dict]:
    """Return what the counter shows of items: price and the units within expiry."""
    usable = usable_stock(i.id for i in items)
    return [{"id": i.id, "name": i.name, "unit": i.unit, "barcode": i.barcode or "",
             "price": f"{i.points_price:.2f}", "usable": usable.get(i.id, 0)} for i in items]


def _lines_detail(view, context, model, name):
    return Markup("<br>").join(
        f"{line.item.name} × {line.quantity} {line.item.unit}（{money(line.points)}）"
        for line in model.lines)


class RedemptionView(SecuredModelView):
    """Redemptions: made at the counter (the create page), voided, never edited."""

    counter_url = ".create_view"
    column_list = ("number", "at", "card", "worker", "points", "state", "clerk")
    column_labels = {"card": _l("Card"), "worker": _l("Worker"), "clerk": _l("Clerk"),
                     "voided_by": _l("Voided by"), "lines": _l("Goods taken"),
                     "card.card_no": _l("Card no."), "worker.name": _l("Worker name")}
    column_searchable_list = ("number", "card.card_no", "worker.name")
    column_filters = ("state", "at", "worker.name",
                      RedeemedTodayFilter(Redemption.id, _l("Redeemed today")))
    column_sortable_list = ("number", "at", "points", "state")
    column_default_sort = ("id", True)
    column_details_list = ("number", "at", "card", "worker", "lines", "points", "state",
                           "clerk", "voided_by", "voided_at", "void_reason")
    column_formatters_detail = {"lines": _lines_detail}
    identity_columns = {"worker.id_number": "worker"}  # the counter's holder search
    column_extra_row_actions = [
        AllowedLink("fa fa-undo", ".void_view", title=_l("Void"), verb="C", when=may_void)]
    constraint_messages = CONSTRAINT_MESSAGES

    # --- the counter ------------------------------------------------------------------
    @expose("/new/", methods=("GET",))
    def create_view(self):
        return self.counter_page()

    def counter_page(self, card: LoveCard | None = None, lines=()):
        """Render the counter, restoring the holder and the goods after a refusal."""
        done = done_banner(request.args.get("done", type=int))
        cart = []
        if lines:
            quantities = dict(lines)
            items = db.session.scalars(scope(select(Item), Item)
                                       .where(Item.id.in_(quantities))).all()
            cart = [dict(data, qty=quantities[data["id"]]) for data in item_data(items)]
        state = {"holder": holder_data(card) if card else None, "cart": cart}
        return self.render("admin/counter.html", token=uuid.uuid4().hex, done=done,
                           state=state, texts=script_texts(),
                           lists=clerk_lists(self.admin), money=money)

    @expose("/find/")
    @requires("C")
    def find_view(self):
        return jsonify([holder_data(c) for c in find_holders(
            request.args.get("q", ""), masked=self.masks_identity())])

    @expose("/items/")
    @requires("C")
    def items_view(self):
        return jsonify(item_data(find_items(request.args.get("q", ""))))

    @expose("/redeem/", methods=("POST",))
    @requires("C")
    def redeem_view(self):
        form = request.form
        card = counter_card(form.get("card_id", type=int) or 0)
        try:
            lines = [(int(i), int(q)) for i, q in zip(form.getlist("item_id"),
                                                      form.getlist("quantity"), strict=True)]
        except ValueError:
            flash(_("Quantities are whole numbers above zero."), "error")
            return self.counter_page(card)
        try:
            expected = Decimal(form["expected_total"]) if form.get("expected_total") else None
        except InvalidOperation:
            expected = None

        def rule():
            done = redeem(card, lines, current_user._get_current_object(), expected,
                          form.get("token") or None, audit=audit)
            # Read before the commit expires them (each would cost a query after it);
            # the card's balance is the one its guarded UPDATE returned.
            return (done.id, done.number, money(done.points), card.worker.name,
                    money(card.balance))

        ok, done = self.run_rule(rule, lambda done: _(
            "Redeemed %(no)s: %(points)s points for %(name)s; %(balance)s points left.",
            no=done[1], points=done[2], name=done[3], balance=done[4]))
        if not ok:
            return self.counter_page(card, lines)
        return redirect(url_for(self.counter_url, done=done[0]))

    # --- voiding -----------------------------------------------------------------------
    @expose("/void/", methods=("GET", "POST"))
    @requires("C")
    def void_view(self):
        record = self.requested_record()
        if request.method == "POST":
            ok, _done = self.run_rule(
                lambda: void_redemption(record, current_user._get_current_object(),
                                        request.form.get("reason", "")),
                lambda _done: _("Redemption %(no)s voided: the goods are back in stock and "
                                "the points back on the card.", no=record.number))
            if ok:
                return redirect(self.get_url(".details_view", id=record.id))
        return self.render("admin/redemption_void.html", record=record, money=money,
                           states=REDEMPTION_STATES)


class CounterView(RedemptionView):
    """The counter as its own menu entry for the clerks (爱心超市收银台)."""

    counter_url = ".index_view"

    @expose("/")
    def index_view(self):
        return self.counter_page()
