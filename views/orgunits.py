"""Org units (三级网络): the city federation, county centres and their stations.

Admins keep the tree below their own unit; managers read it. Which units a user sees is
``models.unit_scope``'s one rule, as for every record.
"""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms.validators import DataRequired

from models.orgunit import check_unit, check_unit_unused
from models.unit_scope import visible_units
from views.base import SecuredModelView


class OrgUnitView(SecuredModelView):
    column_list = ("name", "kind", "parent", "created_at")
    column_searchable_list = ("name",)
    column_default_sort = ("id", False)
    column_details_list = ("name", "kind", "parent", "children", "created_at")
    column_labels = {"children": _l("Units below")}
    form_columns = ("name", "kind", "parent")
    form_args = {"name": {"validators": [DataRequired()]}}
    constraint_messages = {"uq_orgunit_parent_id_name": lambda: _(
        "A unit of this name already sits under that unit.")}

    def on_model_change(self, form, model, is_created):
        check_unit(model, visible_units())

    def on_model_delete(self, model):
        check_unit_unused(model)
