"""Centre-wide settings (the 低保 line, the review interval, ...)."""
from __future__ import annotations

from flask_admin.helpers import get_form_data
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from wtforms import SelectMultipleField
from wtforms.validators import ValidationError
from wtforms.widgets import CheckboxInput

from models.base import DomainError
from models.settings import (
    CHOICE_SETS,
    SETTINGS,
    TEXT_FORMS,
    parse_setting,
    setting_codes,
    setting_text,
)
from views.base import SecuredModelView


def _ticks(field, **kwargs):
    """Render one Bootstrap checkbox per choice (not a form-control box around a list)."""
    items = Markup("").join(
        Markup('<div class="form-check">{} {}</div>').format(
            option(class_="form-check-input"), option.label(class_="form-check-label"))
        for option in field)
    return Markup('<div id="{}">{}</div>').format(field.id, items)


class ChoiceSetField(SelectMultipleField):
    """Ticks beside a choice set's labels, for a value stored as comma-separated codes."""

    widget = staticmethod(_ticks)
    option_widget = CheckboxInput()

    def process_data(self, value):
        super().process_data(setting_codes("", value) if isinstance(value, str) else value)

    def pre_validate(self, form):
        pass  # an unknown code is refused by parse_setting, in Chinese


class SettingView(SecuredModelView):
    column_list = ("description", "value")
    column_labels = {"description": _l("Setting")}
    column_formatters = {"value": lambda view, context, model, name:
                         setting_text(model.key, model.value)}
    form_columns = ("value",)
    can_view_details = False

    def edit_form(self, obj=None):
        """Return the form for ``obj``: ticks by label for a choice set, else a text box
        (a text setting offered in names, as ``setting_text`` shows it)."""
        if obj is None or obj.key not in CHOICE_SETS:
            form = super().edit_form(obj)
            if obj is not None and obj.key in TEXT_FORMS and get_form_data() is None:
                form.value.data = setting_text(obj.key, obj.value)
            return form
        choices = [(code, str(label)) for code, label in CHOICE_SETS[obj.key].items()]

        class ChoiceSetForm(self.form_base_class):
            value = ChoiceSetField(SETTINGS[obj.key][2], choices=choices)

        return ChoiceSetForm(get_form_data(), obj=obj)

    def on_model_change(self, form, model, is_created):
        try:
            model.value = str(parse_setting(model.key, model.value))
        except DomainError as exc:
            raise ValidationError(str(exc)) from None
