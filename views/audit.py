"""The audit log, read-only, with field names and codes shown as users know them."""
from __future__ import annotations

import json

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape

from views.base import SecuredModelView, labels_and_choices


def _describe(view, record_type: str) -> tuple[object, dict, dict]:
    """Return the display name, field labels and choices of an audited record type."""
    found = next((v for v in view.admin._views
                  if getattr(v, "endpoint", None) == record_type and hasattr(v, "model")), None)
    if found is None:
        return record_type, {}, {}
    labels, choices = labels_and_choices(found.model)
    return found.name, labels, {k: dict(v) for k, v in choices.items()}


def _show(value, choices: dict | None):
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if choices and not isinstance(value, list):
        return str(choices.get(value, value))
    return json.dumps(value, ensure_ascii=False) if isinstance(value, (list, dict)) else value


def _changes(view, context, model, name):
    if not model.changes:
        return ""
    _name, labels, choices = _describe(view, model.record_type)
    rows = (f"<tr><td>{escape(labels.get(field, field))}</td>"
            f"<td>{escape(_show(before, choices.get(field)))}</td>"
            f"<td>{escape(_show(after, choices.get(field)))}</td></tr>"
            for field, (before, after) in model.changes.items())
    return Markup('<table class="table table-sm mb-0">' + "".join(rows) + "</table>")


class AuditLogView(SecuredModelView):
    column_list = ("at", "username", "ip", "action", "record_type", "record_id", "changes",
                   "note")
    column_searchable_list = ("username", "record_type", "record_id", "note")
    column_filters = ("at", "username", "action", "record_type")
    column_default_sort = ("id", True)
    column_formatters = {
        "changes": _changes,
        "record_type": lambda v, c, m, n: _describe(v, m.record_type)[0] if m.record_type else "",
        "username": lambda v, c, m, n: _("system") if m.username == "system" else m.username,
    }
    column_formatters_detail = column_formatters
    column_labels = {"user": _l("User")}
    column_details_exclude_list = ("user",)
