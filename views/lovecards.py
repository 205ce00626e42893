"""Love cards and their points ledger: issue, top up, replace a lost card, cancel."""
from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_admin import expose
from flask_admin.actions import action
from flask_admin.model.template import EndpointLinkRowAction
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from wtforms import DecimalField, StringField
from wtforms.validators import DataRequired, NumberRange, Optional

from models import CardEntry, LoveCard, db
from models.base import DomainError
from models.card_topup_reversal import card_value
from models.card_topup_rules import line_of, request_top_up, usable_cards
from models.choices import CARD_ENTRY_KINDS, CARD_STATUSES, WORKER_CATEGORIES
from models.idnumber import mask_id_number
from models.lovecard_rules import (
    CONSTRAINT_MESSAGES,
    GUARDS,
    cancel_card,
    holding_card,
    issue_card,
    parse_points,
    replace_lost_card,
    reverse_top_up,
    top_up,
)
from models.unit_scope import scope
from portal.audit import log_created_since
from views.base import SecuredModelView, money, requires
from views.card_topups import active_funds, fund_field, posted_message
from views.pickers import PicksWorker
from views.stock_lists import AllowedLink

CARD_STEPS = {"topup": top_up, "lost": replace_lost_card, "cancel": cancel_card}


class LoveCardView(PicksWorker, SecuredModelView):
    column_list = ("card_no", "worker", "status", "balance", "valid_until", "issued_on")
    column_labels = {"worker": _l("Worker"), "worker.name": _l("Worker name"),
                     "replaced_by": _l("Replaced by card"), "issued_by": _l("Issued by")}
    column_searchable_list = ("card_no", "worker.name", "initials")
    column_filters = ("status", "valid_until", "issued_on")
    column_sortable_list = ("card_no", "status", "balance", "valid_until", "issued_on")
    column_default_sort = ("id", True)
    column_details_exclude_list = ("initials", "entries")
    form_columns = ("worker", "new_card_no", "valid_until", "opening_points", "opening_fund",
                    "opening_reason", "notes")
    form_extra_fields = {
        "new_card_no": StringField(_l("Card no."),
                                   description=_l("Empty: numbered automatically")),
        "opening_points": DecimalField(_l("Opening points"), places=2,
                                       validators=[Optional(), NumberRange(min=0)]),
        "opening_fund": fund_field(description=_l("The fund the opening points are paid "
                                                  "from")),
        "opening_reason": StringField(_l("Reason for the opening points"),
                                      default="爱心积分发放"),
    }
    form_args = {"valid_until": {"validators": [Optional()],
                                 "description": _l("Empty: the end of next year")}}
    identity_columns = {"worker.id_number": "worker"}  # the worker lookup (views.identity)
    column_extra_row_actions = [
        EndpointLinkRowAction("fa fa-id-card", ".card_view", title=_l("Card page")),
    ]
    action_verbs = {"topup": "U"}
    constraint_messages = CONSTRAINT_MESSAGES
    guards, record_page = GUARDS, ".card_view"

    def create_model(self, form):
        """Issue through the rules (workers on file only), with optional opening points."""
        user = current_user._get_current_object()

        def issue():
            card = issue_card(form.worker.data, user, form.valid_until.data,
                              form.new_card_no.data, form.notes.data or "")
            if form.opening_points.data:
                top_up(card, form.opening_points.data, user, form.opening_reason.data or "",
                       form.opening_fund.data, audit=log_created_since)
            return card

        ok, card = self.run_rule(issue)
        return card if ok else False

    def edit_form(self, obj=None):
        form = super().edit_form(obj)
        for name in ("worker", "new_card_no", "opening_points", "opening_fund",
                     "opening_reason"):
            if hasattr(form, name):  # the holder and number stay; points move by the ledger
                delattr(form, name)
        return form

    def on_model_change(self, form, model, is_created):
        if not model.valid_until:
            raise DomainError(_("Give the date the card is valid until."))
        if not is_created and model.valid_until < model.issued_on:
            raise DomainError(_("A card cannot expire before it was issued."))

    def get_save_return_url(self, model, is_created=False):
        return url_for(".card_view", id=model.id)

    # --- the card's page --------------------------------------------------------------
    @expose("/card/", methods=("GET", "POST"))
    @requires("R")
    def card_view(self):
        card = self.requested_record()
        if request.method == "POST":
            return self._step(card, request.form.get("step", ""))
        entries = db.session.scalars(select(CardEntry).where(CardEntry.card_id == card.id)
                                     .order_by(CardEntry.id.desc())).all()
        previous = db.session.scalars(select(LoveCard).where(
            LoveCard.replaced_by_id == card.id)).all()
        return self.render("admin/lovecard_page.html", card=card, entries=entries,
                           previous=previous, money=money, statuses=CARD_STATUSES,
                           kinds=CARD_ENTRY_KINDS, categories=WORKER_CATEGORIES,
                           mask=mask_id_number, funds=active_funds())

    def _step(self, card, step):
        if step not in CARD_STEPS or not self.allows("U"):
            abort(403)
        user, form, reason = current_user._get_current_object(), request.form, \
            request.form.get("reason", "")
        if step == "topup":
            self.run_rule(lambda: top_up(card, form.get("points") or 0, user, reason,
                                         _int(form.get("fund")), audit=log_created_since),
                          lambda entry: _("Points added.") if entry else
                          _("The top-up awaits a manager's approval; no points are added "
                            "until then."))
        elif step == "lost":
            ok, new = self.run_rule(
                lambda: replace_lost_card(card, user, reason, form.get("card_no")),
                lambda new: _("Card %(old)s marked lost; new card %(new)s holds its points.",
                              old=card.card_no, new=new.card_no))
            return redirect(url_for(".card_view", id=new.id if ok else card.id))
        else:
            self.run_rule(lambda: cancel_card(card, user, reason),
                          _l("Card cancelled; its points stay on it and are never cashed."))
        return redirect(url_for(".card_view", id=card.id))

    # --- top up many cards at once ------------------------------------------------------
    @action("topup", _l("Top up points"))
    def action_topup(self, ids):
        return redirect(url_for(".topup_view", ids=",".join(map(str, self.coerce_ids(ids)))))

    @expose("/topup/", methods=("GET", "POST"))
    @requires("U")
    def topup_view(self):
        ids = self.coerce_ids([i for i in request.args.get("ids", "").split(",") if i])
        cards = db.session.scalars(scope(select(LoveCard), LoveCard).where(LoveCard.id.in_(ids))
                                   .order_by(LoveCard.card_no)).all()
        if request.method == "POST":
            self._top_up_selected(cards, request.form)
            return redirect(self.get_url(".index_view"))
        return self.render("admin/lovecard_topup.html", cards=cards, money=money,
                           funds=active_funds())

    def _top_up_selected(self, cards, form) -> None:
        """Top the usable cards of ``cards`` up as one batch paid from the chosen fund;
        name the cards that cannot take points."""
        user = current_user._get_current_object()
        usable = set(db.session.scalars(usable_cards([card.id for card in cards])))
        refused = [f"{card}：{_why_not(card)}" for card in cards if card.id not in usable]
        ok, batch = self.run_rule(lambda: request_top_up(
            _int(form.get("fund")), select(LoveCard.id).where(LoveCard.id.in_(usable)),
            parse_points(form.get("points")), user, form.get("reason", ""),
            audit=log_created_since))
        if ok:
            flash(_("Points added to %(n)d card(s).", n=batch.card_count)
                  if batch.state == "posted" else posted_message(batch), "success")
        if refused:
            flash(_("%(n)d record(s) not changed: %(list)s", n=len(refused),
                    list="；".join(refused)), "error")


class TopUpLink(AllowedLink):
    """A row link shown on top-up rows only: the one kind of entry a clerk reverses."""

    def render(self, context, row_id, row):
        return super().render(context, row_id, row) if row.kind == "topup" else ""


class CardEntryView(SecuredModelView):
    """The points ledger: top-ups are added here or on a card's page; rows never change,
    a mistaken top-up is reversed."""

    column_list = ("at", "card", "kind", "points", "balance_after", "document", "reason",
                   "user", "reverses")
    column_details_list = ("id", "at", "card", "kind", "points", "balance_after", "document",
                           "reason", "user", "redemption", "reverses")
    column_labels = {"id": _l("Entry no."), "card": _l("Card"), "card.card_no": _l("Card no."),
                     "card.worker.name": _l("Worker name"), "user": _l("Entered by"),
                     "reverses": _l("Reverses entry"), "redemption": _l("Redemption")}
    column_searchable_list = ("card.card_no", "document", "reason")
    column_filters = ("kind", "at", "card.card_no")
    column_sortable_list = ("at", "kind", "points")
    column_default_sort = ("id", True)
    form_columns = ("card", "points", "fund", "reason")
    form_extra_fields = {"fund": fund_field(validators=[DataRequired()])}
    form_args = {"card": {"validators": [DataRequired()]},
                 "points": {"validators": [DataRequired(), NumberRange(min=0.01)],
                            "description": _l("Points to add; 1 point = 1 yuan")},
                 "reason": {"validators": [DataRequired()]}}
    form_ajax_refs = {"card": {"fields": ("card_no", "initials"), "page_size": 20,
                               "filters": ["status = 'active'"],
                               "placeholder": _l("Type a card no. or pinyin initials")}}
    column_extra_row_actions = [TopUpLink("fa fa-undo", ".reverse_view", title=_l("Reverse"),
                                          verb="C")]
    constraint_messages = CONSTRAINT_MESSAGES

    def create_model(self, form):
        """Top up through the card ledger's rules."""
        ok, entry = self.run_rule(lambda: top_up(
            form.card.data, form.points.data, current_user._get_current_object(),
            form.reason.data or "", form.fund.data, audit=log_created_since))
        if ok and entry is None:  # waiting for a manager: the batch page says so
            flash(_("The top-up awaits a manager's approval; no points are added until "
                    "then."), "warning")
            return False
        return entry if ok else False

    @expose("/reverse/", methods=("GET", "POST"))
    @requires("C")
    def reverse_view(self):
        """Confirm and post the reversal of a mistaken top-up, with its reason."""
        entry = self.requested_record()
        if request.method == "POST":
            ok, _done = self.run_rule(
                lambda: reverse_top_up(entry, current_user._get_current_object(),
                                       request.form.get("reason", "")),
                _l("Top-up reversed; the reversing entry is written."))
            if ok:
                return redirect(self.get_url(".index_view"))
        reversal = db.session.scalar(select(CardEntry).where(CardEntry.reverses_id == entry.id))
        line = line_of(entry)  # the batch it was paid by, whose fund gets the value back
        return self.render("admin/cardentry_reverse.html", entry=entry, reversal=reversal,
                           holder=holding_card(entry.card), kinds=CARD_ENTRY_KINDS,
                           money=money, line=line,
                           refund=card_value(line.topup) if line else None)


def _int(value) -> int | None:
    """Return ``value`` as an int, or None when it is none."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _why_not(card: LoveCard) -> str:
    """Return why ``card`` takes no points: it is closed, or its holder left the file."""
    if card.status != "active":
        return _("Card %(no)s is %(status)s; only an active card can be used.",
                 no=card.card_no, status=CARD_STATUSES[card.status])
    return _("The holder is no longer on file.")
