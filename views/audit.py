"""The audit log, read-only, worded as a manager reads it (see portal.audit_text)."""
from __future__ import annotations

import datetime as dt

from flask import g, has_request_context
from flask_admin.contrib.sqla.filters import DateBetweenFilter, FilterEqual
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from models import AuditLog, User, db
from models.base import CHINA
from models.choices import AUDIT_ACTIONS
from models.display import local_time
from portal.audit_text import OTHER_TYPES, AuditReader, note_text
from views.base import SecuredModelView


def _reader(view) -> AuditReader:
    """Return this request's reader (its cache of related names lives one request)."""
    if "audit_reader" not in g:
        g.audit_reader = AuditReader({v.endpoint: (v.name, v.column_labels or {})
                                      for v in view.admin._views if hasattr(v, "model")})
    return g.audit_reader


def _changes(view, context, model, name):
    if not model.changes:
        return ""
    rows = (f"<tr><td>{escape(label)}</td><td>{escape(before)}</td><td>{escape(after)}</td></tr>"
            for label, before, after in
            _reader(view).lines(model.record_type, model.record_id, model.changes))
    head = (f"<thead><tr><th>{escape(_('Field'))}</th><th>{escape(_('Before the change'))}</th>"
            f"<th>{escape(_('After the change'))}</th></tr></thead>")
    return Markup('<table class="table table-sm mb-0 audit-changes">' + head
                  + "<tbody>" + "".join(rows) + "</tbody></table>")


def _who(view, context, model, name):
    return _reader(view).user_name(model.username, model.user)


def _user_options():
    """Return ``(username, display name)`` of every user (none outside a request)."""
    if not has_request_context():
        return []
    return [(u.username, f"{u}") for u in db.session.scalars(select(User).order_by(User.id))]


class ChinaDateBetween(DateBetweenFilter):
    """Times stored in UTC, filtered by days of China time, both days included."""

    def apply(self, query, value, alias=None):
        start, end = value
        low = dt.datetime.combine(start, dt.time()) - CHINA
        high = dt.datetime.combine(end + dt.timedelta(days=1), dt.time()) - CHINA
        column = self.get_column(alias)
        return query.filter(column >= low, column < high)


class AuditLogView(SecuredModelView):
    column_list = ("at", "username", "ip", "action", "record_type", "record_id", "changes",
                   "note")
    column_searchable_list = ("username", "record_type", "record_id", "note")
    column_default_sort = ("id", True)
    column_formatters = {
        "at": lambda v, c, m, n: local_time(m.at, seconds=True) if m.at else "",
        "changes": _changes,
        "record_type": lambda v, c, m, n: _reader(v).type_name(m.record_type)
        if m.record_type else "",
        "record_id": lambda v, c, m, n: _reader(v).record_name(m.record_type, m.record_id),
        "username": _who,
        "note": lambda v, c, m, n: note_text(m.note),
    }
    column_formatters_detail = column_formatters
    column_labels = {"user": _l("User")}
    column_details_exclude_list = ("user",)

    def __init__(self, model, session, **kwargs):
        self.column_filters = (
            FilterEqual(AuditLog.record_type, _l("Record type"), options=self._type_options),
            FilterEqual(AuditLog.username, _l("User"), options=_user_options),
            FilterEqual(AuditLog.action, _l("Action"), options=list(AUDIT_ACTIONS.items())),
            ChinaDateBetween(AuditLog.at, _l("Date")),
        )
        super().__init__(model, session, **kwargs)

    list_options = (joinedload(AuditLog.user),)

    def get_list(self, *args, execute=True, **kwargs):
        count, rows = super().get_list(*args, execute=execute, **kwargs)
        if execute:  # the records the page names, one query per record type
            _reader(self).prefetch(rows)
        return count, rows

    def _type_options(self):
        """Return ``(record type, its name)`` of every audited type (none outside a request)."""
        if not has_request_context() or self.admin is None:
            return []
        listed = [(v.endpoint, str(v.name)) for v in self.admin._views
                  if getattr(v, "model", None) is not None and v.model is not AuditLog
                  and v.model.__name__.lower() == v.endpoint]
        return listed + [(key, str(name)) for key, name in OTHER_TYPES.items()]

    def _get_filter_groups(self):
        # The users and lists are read per request, not once when the app is built.
        self._refresh_filters_cache()
        return super()._get_filter_groups()
