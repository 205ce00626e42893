"""The audit log, read-only."""
from __future__ import annotations

import json

from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape

from views.base import SecuredModelView


def _changes(view, context, model, name):
    if not model.changes:
        return ""
    rows = (f"<tr><td>{escape(field)}</td><td>{escape(_show(before))}</td>"
            f"<td>{escape(_show(after))}</td></tr>"
            for field, (before, after) in model.changes.items())
    return Markup('<table class="table table-sm mb-0">' + "".join(rows) + "</table>")


def _show(value):
    if value is None:
        return "—"
    return json.dumps(value, ensure_ascii=False) if isinstance(value, (list, dict)) else value


class AuditLogView(SecuredModelView):
    column_list = ("at", "username", "ip", "action", "record_type", "record_id", "changes",
                   "note")
    column_searchable_list = ("username", "record_type", "record_id", "note")
    column_filters = ("at", "username", "action", "record_type")
    column_default_sort = ("id", True)
    column_formatters = {"changes": _changes}
    column_formatters_detail = {"changes": _changes}
    column_labels = {"user": _l("User")}
    column_details_exclude_list = ("user",)
