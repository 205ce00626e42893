"""Form fields and validators shared by views."""
from __future__ import annotations

from decimal import Decimal

from flask_babel import gettext as _
from wtforms import SelectMultipleField
from wtforms.validators import StopValidation, ValidationError

from models.idnumber import InvalidIdNumber, normalize_id_number


class IdNumber:
    """Validate an 18-digit resident ID number and store it compact and upper case."""

    def __init__(self, optional: bool = False):
        self.optional = optional

    def __call__(self, form, field):
        if self.optional and not (field.data or "").strip():
            field.data = None
            return
        try:
            field.data = normalize_id_number(field.data or "")
        except InvalidIdNumber as exc:
            raise ValidationError(str(exc)) from None


class FitsColumn:
    """Refuse a number its NUMERIC(precision, scale) column cannot hold: not finite, more
    decimals than ``scale`` or too many digits before the point.

    SQLite stores whatever it is given (1e30 in a NUMERIC(12, 2) column, which broke the
    list's export and the ledger's posting); PostgreSQL refused it with a database error.
    """

    def __init__(self, precision: int, scale: int):
        self.scale, self.digits = scale, precision - scale
        self.limit = Decimal(10) ** self.digits

    def __call__(self, form, field):
        value = field.data
        if value is None:
            return
        if not value.is_finite():
            raise StopValidation(_("Enter a number."))
        if abs(value) >= self.limit:
            raise StopValidation(_("The number is too large: at most %(n)d digits before "
                                   "the decimal point.", n=self.digits))
        if value != value.quantize(Decimal(1).scaleb(-self.scale)):
            raise StopValidation(_("At most %(n)d decimal places.", n=self.scale))


class MultiChoiceField(SelectMultipleField):
    """A multiple select kept as a JSON list, with at most ``limit`` choices."""

    def __init__(self, *args, limit: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.limit = limit

    def pre_validate(self, form):
        super().pre_validate(form)
        if self.limit is not None and len(self.data or []) > self.limit:
            from flask_babel import gettext as _
            raise ValidationError(_("Choose at most %(n)d.", n=self.limit))


class Chosen:
    """Require a choice in a select that starts blank."""

    field_flags = {"required": True}

    def __call__(self, form, field):
        if field.data is None:
            from flask_babel import gettext as _
            raise StopValidation(_("Choose one."))


def start_blank(form_class, *names) -> None:
    """Make the selects ``names`` of ``form_class`` start blank and require a choice.

    For choices where any preselected default would be a guess the user might not
    notice (the main hardship cause, a goods line's item).
    """
    for name in names:
        unbound = getattr(form_class, name)
        unbound.kwargs["allow_blank"] = True
        unbound.kwargs["validators"] = [*unbound.kwargs.get("validators", ()), Chosen()]
