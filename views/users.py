"""Portal users: created, disabled, re-roled and given new passwords by an administrator."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import PasswordField
from wtforms.validators import Length, Optional, ValidationError

from views.base import SecuredModelView

MIN_PASSWORD = 8


class UserView(SecuredModelView):
    column_list = ("username", "full_name", "role", "active", "created_at")
    column_searchable_list = ("username", "full_name")
    column_filters = ("role", "active")
    column_details_exclude_list = ("password_hash",)
    form_columns = ("username", "full_name", "role", "active", "new_password")
    form_extra_fields = {"new_password": PasswordField(
        _l("New password"), validators=[Optional(), Length(min=MIN_PASSWORD)],
        description=_l("At least 8 characters. Leave empty to keep the current password."))}
    constraint_messages = {"uq_user_username": lambda: _("This username is taken.")}

    def on_model_change(self, form, model, is_created):
        if form.new_password.data:
            model.set_password(form.new_password.data)
        elif is_created:
            raise ValidationError(_("Give the new user a password."))
