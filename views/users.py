"""Portal users: created, disabled, re-roled and given new passwords by an administrator."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import PasswordField
from wtforms.validators import DataRequired, Optional, ValidationError

from models.orgunit import OrgUnit
from models.unit_scope import get_visible, home_unit
from models.user import password_problem
from portal import sessions
from views.base import SecuredModelView


def _policy(form, field) -> None:
    problem = field.data and password_problem(field.data, form.username.data or "")
    if problem:
        raise ValidationError(problem)


class UserView(SecuredModelView):
    column_list = ("username", "full_name", "role", "active", "must_change_password",
                   "created_at")
    column_searchable_list = ("username", "full_name")
    column_filters = ("role", "active")
    # Not posted at all: the user's unit stays, a new one gets the administrator's (default).
    form_args = {"org_unit": {"validators": [Optional(), DataRequired()], "allow_blank": False,
                              "default": lambda: get_visible(OrgUnit, home_unit(current_user)),
                          "description": _l("The user sees and changes the records of this "
                                            "unit and of the units below it.")}}
    column_details_exclude_list = ("password_hash", "session_version")
    form_columns = ("username", "full_name", "role", "org_unit", "active", "new_password")
    form_extra_fields = {"new_password": PasswordField(
        _l("New password"), validators=[Optional(), _policy],
        description=_l("At least 10 characters, not containing the user name. The user "
                       "must change it at the next login. Leave empty to keep the "
                       "current password."))}
    constraint_messages = {"uq_user_username": lambda: _("This username is taken.")}

    def on_model_change(self, form, model, is_created):
        if form.new_password.data:
            # A password an administrator chose for someone else is temporary; giving it
            # (like disabling the user) ends the user's sessions.
            model.set_password(form.new_password.data,
                               temporary=model.id != current_user.id)
        elif is_created:
            raise ValidationError(_("Give the new user a password."))

    def after_model_change(self, form, model, is_created):
        if model.id == current_user.id and form.new_password.data:
            sessions.start(model)  # the administrator's own session goes on
