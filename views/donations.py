"""Donations: entered as a draft, recorded in one step (receipt no., stock, fund), printed."""
from __future__ import annotations

from decimal import Decimal

from flask import abort, flash, redirect, request, url_for
from flask_admin import expose
from flask_admin.form import rules
from flask_admin.model.template import EndpointLinkRowAction
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from wtforms.validators import NumberRange

from models import DonationLine, Fund, Item, db, previews
from models.choices import DONATION_STATES, DONOR_KINDS
from models.donation_rules import (
    CONSTRAINT_MESSAGES,
    GUARDS,
    check_draft,
    check_edit,
    donation_fund,
    record_donation,
    void_donation,
)
from views.base import InlineModel, SecuredModelView, money, requires
from views.forms import start_blank
from views.workflow import confirm_page

DIGITS = "零壹贰叁肆伍陆柒捌玖"
UNITS = ("", "拾", "佰", "仟")
GROUPS = ("", "万", "亿", "万亿")


def _four(digits: str) -> str:
    out, zero = "", False
    for i, d in enumerate(digits):
        unit = UNITS[len(digits) - i - 1]
        if d == "0":
            zero = bool(out)
        else:
            out += ("零" if zero else "") + DIGITS[int(d)] + unit
            zero = False
    return out


def rmb_upper(amount) -> str:
    """Write an amount of yuan in capital numerals, as receipts do (壹仟贰佰元伍角整)."""
    fen = int((Decimal(amount) * 100).quantize(Decimal("1")))
    yuan, jiao, cents = fen // 100, fen // 10 % 10, fen % 10
    text, digits, groups = "", str(yuan), []
    while digits:
        groups.insert(0, digits[-4:])
        digits = digits[:-4]
    for i, group in enumerate(groups):
        part = _four(group)
        if part:
            if text and group.startswith("0"):
                text += "零"
            text += part + GROUPS[len(groups) - i - 1]
    text = (text or "零") + "元"
    if not jiao and not cents:
        return text + "整"
    if jiao:
        text += DIGITS[jiao] + "角"
    elif yuan:
        text += "零"
    return text + (DIGITS[cents] + "分" if cents else "整")


def _active_items():
    return db.session.scalars(select(Item).where(Item.active.is_(True)).order_by(Item.name))


class LineInline(InlineModel):
    form_columns = ("id", "item", "quantity", "value", "lot_no", "expiry")
    form_args = {"item": {"query_factory": lambda: _active_items().all()},
                 "quantity": {"validators": [NumberRange(min=1)]},
                 "value": {"validators": [NumberRange(min=0)]}}
    form_label = _l("Goods lines")
    form_rules = (rules.Row("item", "quantity", "value", "lot_no", "expiry"),)  # one row a line

    def postprocess_form(self, form_class):
        start_blank(form_class, "item")  # a preselected first item would be a guess
        return form_class


class DonationView(SecuredModelView):
    column_list = ("receipt_no", "received_on", "donor_name", "donor_kind", "money_amount",
                   "goods_value", "designated_use", "state")
    column_searchable_list = ("receipt_no", "donor_name", "phone", "contact_person")
    column_filters = ("state", "donor_kind", "received_on", "designated_use")
    column_sortable_list = ("receipt_no", "received_on", "donor_name", "money_amount",
                            "goods_value", "state")
    column_default_sort = ("id", True)
    column_labels = {"fund": _l("Into fund"), "lines": _l("Goods lines"),
                     "recorded_by": _l("Recorded by"), "voided_by": _l("Voided by"),
                     "created_by": _l("Entered by")}
    column_details_exclude_list = ("version", "fund_entry")
    form_columns = ("donor_kind", "donor_name", "contact_person", "phone", "address",
                    "received_on", "money_amount", "fund", "designated_use", "notes")
    form_args = {"money_amount": {"validators": [NumberRange(min=0)],
                                  "description": _l("Empty or 0 for goods only")},
                 "fund": {"query_factory": lambda: db.session.scalars(select(Fund).where(
                     Fund.source == "donation", Fund.active.is_(True)).order_by(Fund.id)).all()}}
    inline_models = (LineInline(DonationLine),)
    column_extra_row_actions = [
        EndpointLinkRowAction("fa fa-check-square-o", ".page_view", title=_l("Record donation")),
        EndpointLinkRowAction("fa fa-print", ".receipt_view", title=_l("Print receipt")),
    ]
    constraint_messages = CONSTRAINT_MESSAGES
    guards, record_page = GUARDS, ".page_view"

    def create_form(self, obj=None):
        form = super().create_form(obj)
        if request.method == "GET" and form.fund.data is None:
            form.fund.data = donation_fund()
        return form

    def on_model_change(self, form, model, is_created):
        if is_created:
            model.state, model.created_by_id = "draft", current_user.id
        else:
            check_edit(model)
        model.money_amount = model.money_amount or Decimal("0")
        check_draft(model)

    def get_save_return_url(self, model, is_created=False):
        return url_for(".page_view", id=model.id)

    # --- the donation's page: record, void, print --------------------------------------
    @expose("/page/", methods=("GET", "POST"))
    @requires("R")
    def page_view(self):
        record = self.requested_record()
        if request.method == "POST":
            return self._step(record, request.form.get("step", ""))
        return self.render("admin/donation_page.html", record=record, money=money,
                           kinds=DONOR_KINDS, states=DONATION_STATES,
                           default_fund=record.fund or donation_fund())

    def _step(self, record, step):
        if step not in ("record", "void") or not self.allows("U"):
            abort(403)
        user = current_user._get_current_object()
        if step == "record":
            self.run_rule(lambda: record_donation(record, user), lambda _done: _(
                "Donation recorded as receipt %(no)s: goods are in stock, money in the fund.",
                no=record.receipt_no))
        elif request.form.get("confirmed") != "1":
            ok, preview = self.run_rule(lambda: previews.void_donation(
                record, request.form.get("reason", "")))
            if ok:
                return confirm_page(self, preview, _("Void"), "danger",
                                    url_for(".page_view", id=record.id))
        else:
            self.run_rule(lambda: void_donation(record, user, request.form.get("reason", "")),
                          lambda _done: _("Donation %(no)s voided: its goods and money are "
                                          "taken back out.", no=record.receipt_no))
        return redirect(url_for(".page_view", id=record.id))

    @expose("/receipt/")
    @requires("R")
    def receipt_view(self):
        record = self.requested_record()
        if record.state == "draft":
            flash(_("Record the donation first; the receipt number is given then."), "error")
            return redirect(url_for(".page_view", id=record.id))
        return self.render("admin/donation_receipt.html", record=record, money=money,
                           upper=rmb_upper(record.total_value), kinds=DONOR_KINDS)
