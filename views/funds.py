"""Funds and their ledger: balances shown, entries only ever added."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms.validators import DataRequired, NumberRange

from models.choices import FUND_ENTRY_KINDS
from models.ledger import post_entry
from views.base import SecuredModelView

MANUAL_KINDS = ("allocation_in", "donation_in")


class FundView(SecuredModelView):
    column_list = ("name", "source", "balance", "active")
    column_filters = ("source", "active")
    column_searchable_list = ("name",)
    form_columns = ("name", "source", "active", "notes")
    column_details_exclude_list = ("entries",)
    constraint_messages = {"uq_fund_name": lambda: _("A fund with this name exists.")}


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
