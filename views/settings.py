"""Centre-wide settings (the 低保 line, the review interval, ...)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms.validators import ValidationError

from models.base import DomainError
from models.settings import parse_setting
from views.base import SecuredModelView


class SettingView(SecuredModelView):
    column_list = ("description", "value")
    column_labels = {"description": _l("Setting")}
    form_columns = ("value",)
    can_view_details = False

    def on_model_change(self, form, model, is_created):
        try:
            model.value = str(parse_setting(model.key, model.value))
        except DomainError as exc:
            raise ValidationError(str(exc)) from None
