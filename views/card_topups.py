"""Love-card top-ups paid from a fund (充值批次): the list, asking for points on every
active card of the unit or of a campaign's households, and the batch page where a
manager approves, rejects or reverses it (``models.card_topup_rules``)."""
from __future__ import annotations

from flask import abort, redirect, request, url_for
from flask_admin import expose
from flask_admin.contrib.sqla.fields import QuerySelectField
from flask_admin.model.template import EndpointLinkRowAction
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from wtforms import SelectField
from wtforms.validators import DataRequired, NumberRange

from models import Assistance, Campaign, CardEntry, Fund, LoveCard, db
from models.base import DomainError
from models.card_topup import CardTopUpLine
from models.card_topup_reversal import open_count, reverse_batch
from models.card_topup_rules import (
    approve_top_up,
    needs_approval,
    reject_top_up,
    request_top_up,
    usable_cards,
)
from models.choices import TOPUP_STATES
from models.unit_scope import scope
from portal.audit import log_created_since
from views.base import SecuredModelView, money, requires


def active_funds() -> list[Fund]:
    """Return the funds points may be paid from: those in use, by name."""
    return db.session.scalars(select(Fund).where(Fund.active.is_(True))
                              .order_by(Fund.name)).all()


def fund_field(**extra) -> QuerySelectField:
    """Return the form field choosing the fund a top-up is paid from."""
    return QuerySelectField(_l("Paid from fund"), query_factory=active_funds,
                            allow_blank=True, blank_text=_l("Choose the fund"), **extra)


def campaign_cards(campaign_id: int):
    """Return the SELECT of the cards of the households aided in a campaign."""
    return select(LoveCard.id).join(Assistance, Assistance.worker_id == LoveCard.worker_id) \
        .where(Assistance.campaign_id == campaign_id, Assistance.state != "rejected")


def posted_message(batch) -> str:
    """Return what to tell the clerk about a batch just asked for."""
    if batch.state == "posted":
        return _("Top-up %(no)s posted: %(points)s points on %(n)d card(s), %(yuan)s yuan "
                 "from %(fund)s.", no=batch.number, points=money(batch.points_per_card),
                 n=batch.card_count, yuan=money(batch.total_yuan), fund=batch.fund.name)
    return _("Top-up %(no)s (%(yuan)s yuan) awaits a manager's approval; no points are "
             "added until then.", no=batch.number, yuan=money(batch.total_yuan))


class CardTopUpView(SecuredModelView):
    column_list = ("number", "requested_at", "fund", "campaign", "points_per_card",
                   "card_count", "total_yuan", "state", "requested_by", "approved_by")
    column_labels = {"fund": _l("Paid from fund"), "campaign": _l("Campaign"),
                     "requested_by": _l("Requested by"), "approved_by": _l("Approved by"),
                     "fund.name": _l("Paid from fund")}
    column_filters = ("state", "requested_at", "fund.name")
    column_searchable_list = ("number", "reason")
    column_sortable_list = ("number", "requested_at", "total_yuan", "state")
    column_default_sort = ("id", True)
    column_details_exclude_list = ("lines",)
    form_columns = ("fund", "campaign", "target", "points_per_card", "reason")
    form_extra_fields = {"target": SelectField(_l("Cards to top up"), choices=[
        ("unit", _l("Every active card of my unit")),
        ("campaign", _l("The campaign's households that hold a card"))])}
    form_args = {
        "fund": {"query_factory": active_funds, "validators": [DataRequired()]},
        "campaign": {"query_factory": lambda: db.session.scalars(
            scope(select(Campaign), Campaign).order_by(Campaign.id.desc())).all()},
        "points_per_card": {"validators": [DataRequired(), NumberRange(min=0.01)]},
        "reason": {"validators": [DataRequired()]},
    }
    column_extra_row_actions = [
        EndpointLinkRowAction("fa fa-file-text-o", ".page_view", title=_l("Top-up page"))]
    record_page = ".page_view"

    def create_model(self, form):
        """Ask for the points on the chosen cards through the rules."""
        user = current_user._get_current_object()
        campaign = form.campaign.data

        def ask():
            if form.target.data == "campaign":
                if campaign is None:
                    raise DomainError(_("Choose the campaign whose households get the points."))
                cards = campaign_cards(campaign.id)
            else:
                cards = select(LoveCard.id)
            return request_top_up(form.fund.data, usable_cards(scope(cards, LoveCard)),
                                  form.points_per_card.data, user, form.reason.data or "",
                                  campaign.id if campaign else None, audit=log_created_since)

        ok, batch = self.run_rule(ask, posted_message)
        return batch if ok else False

    def get_save_return_url(self, model, is_created=False):
        return url_for(".page_view", id=model.id)

    @expose("/batch/", methods=("GET",))
    @requires("R")
    def page_view(self):
        """Show a batch: its value, its fund, its cards, and the manager's steps."""
        batch = self.requested_record()
        lines = db.session.execute(
            select(LoveCard.card_no, LoveCard.id, CardEntry.id, CardEntry.balance_after)
            .select_from(CardTopUpLine).join(LoveCard, LoveCard.id == CardTopUpLine.card_id)
            .outerjoin(CardEntry, CardEntry.id == CardTopUpLine.entry_id)
            .where(CardTopUpLine.topup_id == batch.id).order_by(LoveCard.card_no)
            .limit(200)).all()
        open_entries = open_count(batch) if batch.state == "posted" else 0
        return self.render("admin/cardtopup_page.html", batch=batch, lines=lines,
                           states=TOPUP_STATES, money=money, open_entries=open_entries,
                           over_limit=needs_approval(batch.total_yuan),
                           shown=min(batch.card_count, 200))

    @expose("/decide/", methods=("POST",))
    @requires("A")
    def decide_view(self):
        """Approve (and post), reject or reverse a batch, as the form's ``step`` says."""
        batch = self.requested_record()
        user, reason = current_user._get_current_object(), request.form.get("reason", "")
        step = request.form.get("step", "")
        if step == "approve":
            self.run_rule(lambda: approve_top_up(batch, user, audit=log_created_since),
                          lambda done: _("Top-up %(no)s approved and posted.", no=done.number))
        elif step == "reject":
            self.run_rule(lambda: reject_top_up(batch, user, reason),
                          lambda done: _("Top-up %(no)s rejected.", no=done.number))
        elif step == "reverse":
            self.run_rule(lambda: reverse_batch(batch, user, reason, audit=log_created_since),
                          lambda entry: _("Top-up %(no)s reversed: %(yuan)s yuan back in the "
                                          "fund.", no=batch.number, yuan=money(entry.amount)))
        else:
            abort(400)
        return redirect(url_for(".page_view", id=batch.id))

