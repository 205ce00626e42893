"""Campaigns (帮扶活动): the form with its standards and goods package, the campaign page,
the preview and generating the applications (batch steps: ``views.campaign_batch``)."""
from __future__ import annotations

from flask import flash, redirect, url_for
from flask_admin import expose
from flask_admin.form import rules
from flask_admin.model.template import EndpointLinkRowAction
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import inspect, select
from wtforms.validators import NumberRange

from models import Fund, Item, db
from models.base import DomainError
from models.campaign import CampaignGoods, CampaignStandard
from models.campaign_figures import STATES, preview, progress
from models.campaign_rules import (
    CONSTRAINT_MESSAGES,
    EXCLUSIONS,
    check_campaign,
    check_edit,
    generate,
)
from models.choices import (
    ASSISTANCE_KINDS,
    ASSISTANCE_STATES,
    HARDSHIP_CAUSES,
    SCHOOL_LEVELS,
    WORKER_CATEGORIES,
)
from models.unit_scope import scope
from models.worker import Worker
from portal.audit import log_created_since
from views.base import InlineModel, SecuredModelView, money, requires
from views.campaign_batch import CampaignBatchPages
from views.forms import MultiChoiceField, start_blank


class StandardInline(InlineModel):
    form_columns = ("id", "category", "cash_amount")
    form_args = {"cash_amount": {"validators": [NumberRange(min=0)]}}
    form_label = _l("Cash standards by category")
    form_rules = (rules.Row("category", "cash_amount"),)


class GoodsInline(InlineModel):
    form_columns = ("id", "item", "quantity")
    form_args = {"item": {"query_factory": lambda: db.session.scalars(
        select(Item).where(Item.active.is_(True)).order_by(Item.name)).all()},
        "quantity": {"validators": [NumberRange(min=1)]}}
    form_label = _l("Goods package per household")
    form_rules = (rules.Row("item", "quantity"),)

    def postprocess_form(self, form_class):
        start_blank(form_class, "item")
        return form_class


def base_union_choices(chosen=()) -> list[tuple[str, str]]:
    """Return the base unions of the files the user sees (and those already chosen)."""
    names = set(db.session.scalars(scope(select(Worker.base_union).distinct(), Worker)))
    names |= set(chosen or ())
    return [(n, n) for n in sorted(names) if n]


class CampaignView(CampaignBatchPages, SecuredModelView):
    column_list = ("name", "kind", "year", "starts_on", "ends_on", "fund", "budget")
    column_labels = {"fund": _l("Paid from fund"), "standards": _l("Cash standards by category"),
                     "goods": _l("Goods package per household"), "created_by": _l("Created by")}
    column_searchable_list = ("name",)
    column_filters = ("kind", "year")
    column_sortable_list = ("name", "kind", "year", "starts_on", "budget")
    column_default_sort = ("id", True)
    form_columns = ("name", "kind", "year", "starts_on", "ends_on", "fund", "budget",
                    "base_unions", "causes", "needs_child_in_school", "school_levels",
                    "notes", "standards", "goods")
    form_overrides = {"causes": MultiChoiceField, "school_levels": MultiChoiceField,
                      "base_unions": MultiChoiceField}
    form_args = {
        "causes": {"choices": list(HARDSHIP_CAUSES.items())},
        "school_levels": {"choices": list(SCHOOL_LEVELS.items())},
        "base_unions": {"choices": []},
        "budget": {"validators": [NumberRange(min=0.01)]},
        "fund": {"query_factory": lambda: db.session.scalars(
            select(Fund).where(Fund.active.is_(True)).order_by(Fund.name)).all()},
    }
    inline_models = (StandardInline(CampaignStandard), GoodsInline(CampaignGoods))
    column_extra_row_actions = [
        EndpointLinkRowAction("fa fa-calculator", ".preview_view", title=_l("Preview")),
    ]
    constraint_messages = CONSTRAINT_MESSAGES

    # --- the form -----------------------------------------------------------------
    def _with_unions(self, form, obj=None):
        chosen = form.base_unions.data or (obj.base_unions if obj is not None else [])
        form.base_unions.choices = base_union_choices(chosen)
        return form

    def create_form(self, obj=None):
        return self._with_unions(super().create_form(obj), obj)

    def edit_form(self, obj=None):
        return self._with_unions(super().edit_form(obj), obj)

    def on_model_change(self, form, model, is_created):
        if is_created:
            model.created_by_id = current_user.id
        else:
            check_edit(model, {a.key for a in inspect(model).attrs if a.history.has_changes()})
        check_campaign(model)

    def get_save_return_url(self, model, is_created=False):
        return url_for(".details_view", id=model.id)

    # --- the campaign page --------------------------------------------------------
    def page_context(self, record) -> dict:
        return {"record": record, "money": money, "kinds": ASSISTANCE_KINDS,
                "categories": WORKER_CATEGORIES, "causes": HARDSHIP_CAUSES,
                "levels": SCHOOL_LEVELS, "states": ASSISTANCE_STATES, "state_codes": STATES,
                "exclusions": EXCLUSIONS}

    @expose("/details/")
    def details_view(self):
        record = self.requested_record()
        return self.render("admin/campaign_page.html", progress=progress(record),
                           **self.page_context(record))

    @expose("/preview/")
    @requires("R")
    def preview_view(self):
        """Show what generating would make now; nothing is written."""
        record = self.requested_record()
        try:
            check_campaign(record)
            figures = preview(record)
        except DomainError as exc:
            flash(str(exc), "error")
            return redirect(url_for(".details_view", id=record.id))
        finally:
            db.session.rollback()  # a preview writes nothing, not even what a check set
        return self.render("admin/campaign_preview.html", preview=figures,
                           **self.page_context(record))

    @expose("/generate/", methods=("POST",))
    @requires("C")
    def generate_view(self):
        """Make the applications of every eligible household, in one transaction."""
        record = self.requested_record()
        user = current_user._get_current_object()
        self.run_rule(lambda: generate(record, user, audit=log_created_since),
                      lambda n: _("%(n)d application(s) generated.", n=n))
        return redirect(url_for(".details_view", id=record.id))
