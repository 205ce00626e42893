"""The desk screen's form (接待登记): phone first, channel and type as buttons.

Everything but a phone or a name may be left for later; the person is found again by
phone or ID number, or made new, when the case is saved (``models.person_rules``).
"""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape
from wtforms import BooleanField, IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import Length, NumberRange, Optional, ValidationError

from models.choices import GENDERS
from models.desk_choices import CASE_TYPES, CHANNELS
from views.forms import IdNumber


class ButtonChoices:
    """Render a radio field as a row of buttons (keyboard: Tab to the row, arrows to move)."""

    def __call__(self, field, **kwargs):
        parts = [f'<div class="desk-choices" role="radiogroup" id="{escape(field.id)}">']
        for option in field:
            parts.append(str(option()) + str(option.label(
                class_="btn btn-outline-primary btn-sm desk-choice")))
        parts.append("</div>")
        return Markup("".join(parts))


def _phone_or_name(form, field):
    if not (field.data or "").strip() and not (form.name.data or "").strip():
        raise ValidationError(_("Give the person's phone or name."))


def _head_count(form, field):
    if form.channel.data == "collective" and (field.data or 0) < 2:
        raise ValidationError(_("A collective visit needs a head count of 2 or more."))


def desk_form(base):
    """Return the desk screen's form class, built on the view's ``base`` (CSRF) form."""
    class DeskForm(base):
        phone = StringField(_l("Phone"), [_phone_or_name, Length(max=20)],
                            render_kw={"autofocus": True, "autocomplete": "off",
                                       "inputmode": "tel", "data-desk-lookup": "1"})
        channel = RadioField(_l("Channel"), choices=list(CHANNELS.items()), default="call",
                             widget=ButtonChoices())
        hotline = BooleanField(_l("12351 hotline"), render_kw={"data-desk-show": "call"})
        head_count = IntegerField(_l("Head count"), [Optional(), NumberRange(min=1, max=9999),
                                                     _head_count], default=None,
                                  render_kw={"data-desk-show": "collective"})
        case_type = RadioField(_l("Case type"), choices=list(CASE_TYPES.items()),
                               default="other", widget=ButtonChoices())
        summary = TextAreaField(_l("Summary"), render_kw={"rows": 3})
        name = StringField(_l("Name"), [Length(max=32)])
        id_number = StringField(_l("ID number"), [IdNumber(optional=True)],
                                render_kw={"autocomplete": "off", "data-desk-lookup": "1"})
        gender = SelectField(_l("Gender"), choices=[("", "")] + list(GENDERS.items()),
                             default="")
        is_migrant = BooleanField(_l("Migrant worker"))
        employer = StringField(_l("Employer"), [Length(max=100)])
        address = StringField(_l("Address"), [Length(max=200)])
    return DeskForm


def person_details(form) -> dict:
    """Return the person's details the desk form holds (blank ones left out)."""
    details = {"gender": form.gender.data or None, "employer": (form.employer.data or "").strip(),
               "address": (form.address.data or "").strip(), "is_migrant": bool(
                   form.is_migrant.data)}
    return {key: value for key, value in details.items() if value}


def case_values(form) -> dict:
    """Return the case's own values the desk form holds."""
    return {"channel": form.channel.data, "hotline": bool(form.hotline.data),
            "head_count": form.head_count.data or 1, "case_type": form.case_type.data,
            "summary": (form.summary.data or "").strip()}
