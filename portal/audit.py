"""Write the audit trail: every flushed change, and events such as logins and exports."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from flask import has_request_context, request
from flask_login import current_user
from sqlalchemy import event, insert, inspect
from sqlalchemy.orm import Session

from models import AuditLog, PersonInFile, db
from models.base import utcnow

SKIPPED = (AuditLog, PersonInFile)


def record_type(obj) -> str:
    """Return the name the audit log files ``obj`` under (its admin endpoint)."""
    return type(obj).__name__.lower()


def _plain(value):
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value:.2f}" if value.as_tuple().exponent >= -2 else str(value)
    return value


def _columns(obj):
    mapper = inspect(obj).mapper
    for attr in mapper.column_attrs:
        column = attr.columns[0]
        if column.info.get("audit", True) and not column.primary_key:
            yield attr.key


def diff(obj, kind: str) -> dict:
    """Return ``{field: [before, after]}`` for ``obj`` as this flush changes it."""
    state = inspect(obj)
    changes = {}
    for key in _columns(obj):
        if kind == "update":
            history = state.attrs[key].history
            if not history.has_changes():
                continue
            before = history.deleted[0] if history.deleted else None
            after = history.added[0] if history.added else None
            if _plain(before) == _plain(after):
                continue
            changes[key] = [_plain(before), _plain(after)]
        else:
            value = _plain(getattr(obj, key))
            if value not in (None, ""):
                changes[key] = [None, value] if kind == "create" else [value, None]
    return changes


def actor() -> dict:
    """Return who is acting and from where, for an audit row."""
    row = {"user_id": None, "username": "system", "ip": ""}
    if has_request_context():
        row["ip"] = request.remote_addr or ""
        if current_user and current_user.is_authenticated:
            row["user_id"] = current_user.id
            row["username"] = current_user.username
    return row


def init_app(app=None) -> None:
    """Write an audit row for every change flushed by any session (registered once)."""
    if not event.contains(Session, "after_flush", audit_flush):
        event.listen(Session, "after_flush", audit_flush)


def audit_flush(session, flush_context):
    """Add the audit rows of this flush's creates, updates and deletes."""
    if session.info.get("audit") is False:
        return
    who, now, rows = actor(), utcnow(), []
    for kind, objects in (("create", session.new), ("update", session.dirty),
                          ("delete", session.deleted)):
        for obj in objects:
            if isinstance(obj, SKIPPED) or not hasattr(obj, "__table__"):
                continue
            changes = diff(obj, kind)
            if kind == "update" and not changes:
                continue
            pk = inspect(obj).mapper.primary_key_from_instance(obj)
            rows.append({**who, "at": now, "action": kind, "record_type": record_type(obj),
                         "record_id": ",".join(str(v) for v in pk if v is not None),
                         "changes": changes, "note": ""})
    if rows:
        session.connection().execute(insert(AuditLog), rows)


def log_event(action: str, username: str = "", user_id: int | None = None,
              record_type: str = "", record_id: str = "", note: str = "",
              changes: dict | None = None) -> None:
    """Add an audit row for an event that is not a record change (login, export, ...)."""
    who = actor()
    db.session.add(AuditLog(
        user_id=user_id if user_id is not None else who["user_id"],
        username=username or who["username"], ip=who["ip"], action=action,
        record_type=record_type, record_id=record_id, note=note, changes=changes))
