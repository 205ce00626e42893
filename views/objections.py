"""Objections to public notices: staff read them and answer each with a reply."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import BooleanField

from models.objection_rules import handle
from models.permissions import allows
from views.base import SecuredModelView


def objections_readable() -> bool:
    """Tell whether the current user's role may read objections."""
    return current_user.is_authenticated and allows(current_user, "objection", "R")


def _short(view, context, model, name):
    text = getattr(model, name) or ""
    return text if len(text) <= 60 else text[:60] + "…"


class ObjectionView(SecuredModelView):
    column_list = ("id", "notice", "filed_at", "name", "contact", "text", "state",
                   "resolved_by", "resolved_at")
    column_labels = {"id": _l("No."), "notice": _l("Notice"), "resolved_by": _l("Resolved by"),
                     "notice.title": _l("Notice"), "resolve": _l("Mark as resolved")}
    column_formatters = {"text": _short, "reply": _short}
    column_filters = ("state", "filed_at", "notice.title")
    column_searchable_list = ("text", "contact", "name")
    column_sortable_list = ("id", "filed_at", "state", "resolved_at")
    column_default_sort = ("id", True)
    column_details_list = ("id", "notice", "filed_at", "name", "contact", "text", "ip",
                           "state", "reply", "resolved_by", "resolved_at")
    form_columns = ("reply", "resolve")
    form_extra_fields = {"resolve": BooleanField(
        _l("Mark as resolved"), description=_l("The reply is kept with the objection; an "
                                               "open objection holds back payments listed "
                                               "on its notice."))}
    form_widget_args = {"reply": {"rows": 6}}
    edit_template = "admin/objection_edit.html"

    def on_form_prefill(self, form, id):
        form.resolve.data = self.get_one(id).state == "resolved"

    def on_model_change(self, form, model, is_created):
        handle(model, current_user, model.reply, bool(form.resolve.data))
