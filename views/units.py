"""The unit part of every model view: the 所属单位 column, filter and create-form choice.

Which records a user sees is decided once, in ``SecuredModelView.get_query`` through
``models.unit_scope``; this only shows where a record belongs to users who see more than
one unit, and lets them file a new record at a unit below their own.
"""
from __future__ import annotations

from flask import has_request_context
from flask_admin.contrib.sqla.fields import QuerySelectField
from flask_admin.form import rules
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from models.base import db
from models.orgunit import OrgUnit
from models.unit_scope import ALL, UnitOwned, get_visible, scope, visible_units
from views.filters import IntEqualFilter

UNIT_LABEL = _l("Owning unit")


def sees_several_units() -> bool:
    """Tell whether the user sees more than their own unit (a county or the top)."""
    units = visible_units()
    return units is ALL or len(units) > 1


def _units_seen(*columns):
    """Return the query of ``columns`` of the units the user sees, in order of creation."""
    return scope(select(*columns), OrgUnit).order_by(OrgUnit.id)


def unit_list() -> list[OrgUnit]:
    """Return the units the user sees, in tree order of creation."""
    return list(db.session.scalars(_units_seen(OrgUnit)))


def unit_options() -> list[tuple[int, str]]:
    """Return (id, name) of the units the user sees, in ``unit_list``'s order."""
    return [tuple(row) for row in db.session.execute(_units_seen(OrgUnit.id, OrgUnit.name))]


def own_unit() -> OrgUnit | None:
    """Return the signed-in user's unit (a new record's unit unless they choose another)."""
    return get_visible(OrgUnit, getattr(current_user, "unit_id", None))


def takes_unit_choice(model) -> bool:
    """Tell whether a new ``model`` record may be placed at a unit (not given by a parent)."""
    return issubclass(model, UnitOwned) and not model.unit_parents


class UnitFilter(IntEqualFilter):
    """所属单位 equals: the options are the units the user sees."""

    def __init__(self, column):
        super().__init__(column, UNIT_LABEL)

    def get_options(self, view):
        return unit_options() if has_request_context() else None


class OptionalField(rules.Field):
    """A form rule that renders its field when the form has it (the unit, for some users)."""

    def __call__(self, form, form_opts=None, field_args=None):
        if getattr(form, self.field_name, None) is None:
            return ""
        return super().__call__(form, form_opts, field_args)


class UnitColumns:
    """Mixed into ``SecuredModelView``: 所属单位 in lists, filters and create forms."""

    _unit_field_added = False

    def __init__(self, model, session, **kwargs):
        if issubclass(model, UnitOwned):
            if self.column_list is not None and "org_unit" not in self.column_list:
                self.column_list = (*self.column_list, "org_unit")
            filters = list(self.column_filters or ())
            if not any(isinstance(f, UnitFilter) for f in filters):
                self.column_filters = (*filters, UnitFilter(model.unit_id))
            self.column_labels = {**(self.column_labels or {}), "org_unit": UNIT_LABEL}
            if takes_unit_choice(model):  # first on the form, when the user has a choice
                if self.form_create_rules is not None:
                    self.form_create_rules = (OptionalField("org_unit"), *self.form_create_rules)
                if self.form_edit_rules is not None:
                    self.form_edit_rules = (OptionalField("org_unit"), *self.form_edit_rules)
        super().__init__(model, session, **kwargs)

    # The column and filter are there for everyone (filters are numbered in URLs) and
    # shown only to who sees several units.
    @property
    def _list_columns(self):
        columns = self.__dict__.get("_all_list_columns", [])
        if issubclass(self.model, UnitOwned) and not sees_several_units():
            return [c for c in columns if c[0] != "org_unit"]
        return columns

    @_list_columns.setter
    def _list_columns(self, value):
        self.__dict__["_all_list_columns"] = value

    def _get_filter_groups(self):
        groups = super()._get_filter_groups()
        if groups and issubclass(self.model, UnitOwned):
            if not sees_several_units():
                groups.pop(str(UNIT_LABEL), None)
            else:  # the options are read per request: the units this user sees
                for item in groups.get(str(UNIT_LABEL), ()):
                    item["options"] = [(k, str(v)) for k, v in unit_options()]
        return groups

    def scaffold_form(self):
        form_class = super().scaffold_form()
        if takes_unit_choice(self.model) and not hasattr(form_class, "org_unit"):
            form_class.org_unit = QuerySelectField(
                UNIT_LABEL, query_factory=unit_list, allow_blank=False, default=own_unit,
                description=_l("The unit whose file this is: yours or one below it."))
            self._unit_field_added = True
        return form_class

    def create_form(self, obj=None):
        form = super().create_form(obj)
        if self._unit_field_added and hasattr(form, "org_unit") and not sees_several_units():
            del form.org_unit  # a station's records are its own: no choice to make
        return form

    def edit_form(self, obj=None):
        form = super().edit_form(obj)
        if self._unit_field_added and hasattr(form, "org_unit"):
            del form.org_unit  # where a record belongs is chosen when it is made
        return form
