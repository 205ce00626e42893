"""Funds and their ledger: balances shown, entries only ever added."""
from __future__ import annotations

from flask import redirect, request
from flask_admin import expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from wtforms.validators import DataRequired, NumberRange

from models.base import db
from models.choices import FUND_ENTRY_KINDS
from models.fund_transfers import recent_transfers, reverse_transfer, transfer
from models.funds import Fund
from models.ledger import post_entry
from views.base import SecuredModelView, money, requires

MANUAL_KINDS = ("allocation_in", "donation_in")


class FundView(SecuredModelView):
    column_list = ("name", "source", "balance", "active")
    column_filters = ("source", "active")
    column_searchable_list = ("name",)
    form_columns = ("name", "source", "active", "notes")
    column_details_exclude_list = ("entries",)
    constraint_messages = {"uq_fund_name": lambda: _("A fund with this name exists.")}
    list_template = "admin/fund_list.html"

    @expose("/transfer/", methods=("GET", "POST"))
    @requires("A")
    def transfer_view(self):
        """Move money from one fund to another (a pair of entries), or show the form."""
        form = request.form
        if request.method == "POST":
            ok, _entries = self.run_rule(lambda: transfer(
                _int(form.get("source")), _int(form.get("target")), form.get("amount", ""),
                form.get("reason", ""), current_user._get_current_object()),
                lambda entries: _("Transfer %(no)s done: %(amount)s yuan moved.",
                                  no=entries[0].document, amount=money(entries[1].amount)))
            if ok:
                return redirect(self.get_url(".transfer_view"))
        funds = db.session.scalars(select(Fund).where(Fund.active.is_(True))
                                   .order_by(Fund.name)).all()
        return self.render("admin/fund_transfer.html", funds=funds, form=form,
                           transfers=recent_transfers(), money=money)

    @expose("/transfer/reverse/", methods=("POST",))
    @requires("A")
    def reverse_transfer_view(self):
        """Undo a transfer by its reversing pair."""
        self.run_rule(lambda: reverse_transfer(
            request.form.get("document", ""), request.form.get("reason", ""),
            current_user._get_current_object()),
            _l("Transfer reversed; the reversing entries are written."))
        return redirect(self.get_url(".transfer_view"))


def _int(value) -> int | None:
    """Return ``value`` as an int, or None when it is none."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class FundEntryView(SecuredModelView):
    column_list = ("at", "fund", "kind", "amount", "balance_after", "document", "reason",
                   "user", "reverses")
    column_labels = {"fund": _l("Fund"), "user": _l("Entered by"),
                     "reverses": _l("Reverses entry")}
    column_filters = ("fund.name", "kind", "at", "document")
    column_searchable_list = ("document", "reason")
    column_default_sort = ("id", True)
    form_columns = ("fund", "kind", "amount", "document", "reason")
    form_choices = {"kind": [(k, FUND_ENTRY_KINDS[k]) for k in MANUAL_KINDS]}
    form_args = {
        "fund": {"validators": [DataRequired()]},
        "amount": {"validators": [DataRequired(), NumberRange(min=0.01)],
                   "description": _l("Money coming into the fund, in yuan.")},
        "reason": {"validators": [DataRequired()]},
    }
    column_labels.update({"fund.name": _l("Fund")})

    def create_model(self, form):
        """Post the entry through the ledger, never by inserting a row directly."""
        ok, entry = self.run_rule(lambda: post_entry(
            form.fund.data.id, form.kind.data, form.amount.data, current_user,
            document=form.document.data or "", reason=form.reason.data))
        return entry if ok else False
