"""Write the audit trail: flushed changes, bulk-written records, events (logins, exports)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from functools import cache
from json import JSONEncoder
from json.encoder import encode_basestring as _quoted

from flask import has_request_context, request
from flask_login import current_user
from sqlalchemy import event, func, insert, inspect, select
from sqlalchemy.orm import Session

from models import AuditLog, PersonInFile, db
from models.base import utcnow
from portal.excel.bulk import insert_rows

SKIPPED = (AuditLog, PersonInFile)
# Bulk-written rows' JSON is compact, Chinese as it is: an import of 100,000 files writes
# 70 MB of it, and the database's time goes with the size. Read back, it is the same.
_compact = JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def record_type(obj) -> str:
    """Return the name the audit log files ``obj`` (a record or its model) under."""
    return (obj if isinstance(obj, type) else type(obj)).__name__.lower()


def _plain(value):
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value:.2f}" if value.as_tuple().exponent >= -2 else str(value)
    return value


@cache
def audited_keys(model) -> tuple[str, ...]:
    """Return the fields the log records for ``model``: all but the key and ``audit: False``."""
    return tuple(attr.key for attr in inspect(model).column_attrs
                 if attr.columns[0].info.get("audit", True) and not attr.columns[0].primary_key)


def changes(before: dict | None, after: dict | None) -> dict:
    """Return ``{field: [before, after]}`` for the fields that differ, as JSON values.

    Without ``before`` (a create) or ``after`` (a delete), list the fields that hold
    a value. The flush hook and the bulk imports both word their rows with this.
    """
    if before is None or after is None:
        values, created = (after, True) if before is None else (before, False)
        return {key: [None, _plain(value)] if created else [_plain(value), None]
                for key, value in values.items() if _holds(value)}
    out = {}
    for key, value in after.items():
        old = before.get(key)
        if old is value or old == value:  # most fields of a changed row stay
            continue
        old, value = _plain(old), _plain(value)
        if old != value:
            out[key] = [old, value]
    return out


def changed_text(before: dict, after: dict) -> str:
    """Return ``changes(before, after)`` as JSON text, or "" when nothing differs.

    An import holds its rows' changes until it writes them: as text, which the
    garbage collector never walks; 100,000 dicts of lists made its full passes cost
    more than the comparing.
    """
    found = changes(before, after)
    return _compact(found) if found else ""


def _holds(value) -> bool:
    """Tell whether a created or deleted record's field is worth listing."""
    return value is not None and value != ""


def created_changes(columns: dict[str, list]) -> list[str]:
    """Return, row by row, ``changes(None, row)`` as JSON text, the rows given by column.

    For imports of 100,000 rows: each column's distinct values are worded once (a
    column's values share a type, so equal ones word alike), neighbouring columns
    with one value for all rows are worded together, and each row's text is joined
    from its words: the same JSON as ``changes`` gives.
    """
    count = len(next(iter(columns.values()), ()))
    worded, same = [], []
    for key, values in columns.items():
        head = f"{_quoted(key)}:[null,"
        try:
            distinct = set(values)
        except TypeError:  # a JSON column's lists: as tuples, hashable and dumped alike
            values = [tuple(value) if type(value) is list else value for value in values]
            distinct = set(values)
        words = {value: _worded(head, value) for value in distinct}
        if len(words) == 1:
            same.extend(filter(None, words.values()))
            continue
        if same:
            worded.append([",".join(same)] * count)
            same = []
        worded.append(list(map(words.__getitem__, values)))
    if same:
        worded.append([",".join(same)] * count)
    return ["{" + ",".join(filter(None, words)) + "}" for words in zip(*worded, strict=True)]


def _worded(head: str, value) -> str:
    """Return ``value``'s entry in a created record's JSON text, or "" to leave it out."""
    if not _holds(value):
        return ""
    plain = _plain(value)
    # Text (dates and amounts too, as plain values) quoted as the encoder quotes it,
    # without its call's own cost, which was most of the wording of 100,000 names.
    return f"{head}{_quoted(plain) if type(plain) is str else _compact(plain)}]"


def diff(obj, kind: str) -> dict:
    """Return ``{field: [before, after]}`` for ``obj`` as this flush changes it."""
    keys = audited_keys(type(obj))
    if kind != "update":
        values = {key: getattr(obj, key) for key in keys}
        return changes(None, values) if kind == "create" else changes(values, None)
    before, after, attrs = {}, {}, inspect(obj).attrs
    for key in keys:
        history = attrs[key].history
        if history.has_changes():
            before[key] = history.deleted[0] if history.deleted else None
            after[key] = history.added[0] if history.added else None
    return changes(before, after)


def actor(user=None) -> dict:
    """Return who is acting (``user``, else the signed-in user) and from where."""
    row = {"user_id": None, "username": "system", "ip": ""}
    if has_request_context():
        row["ip"] = request.remote_addr or ""
        if user is None and current_user and current_user.is_authenticated:
            user = current_user
    if user is not None:
        row["user_id"], row["username"] = user.id, user.username
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


def auditing() -> bool:
    """Tell whether this session's changes are audited (the demo seed's are not)."""
    return db.session.info.get("audit") is not False


def log_bulk(action: str, model, entries, user=None) -> None:
    """Add one row per ``(record id, changes)`` of ``entries``, in bulk, as ``user`` did.

    For writes by bulk statements, which the flush hook never sees; the rows go in
    the session's transaction, so they stand or fall with the change they record.
    ``changes`` is a dict or its JSON text (from ``created_changes``).
    """
    if not auditing():
        return
    rows = [{"record_id": str(pk), "changes": change if type(change) is str else _compact(change)}
            for pk, change in entries]
    insert_rows(AuditLog.__table__, rows, {
        **actor(user), "at": utcnow(), "action": action, "record_type": record_type(model),
        "note": ""}, encoded=("changes",))


def log_created_since(model, after, user=None) -> None:
    """Log rows of ``model`` a bulk statement wrote as created by ``user``.

    ``after`` is the ids the statement returned (its RETURNING): only those rows are
    logged, whatever other transactions write to the table meanwhile. An int is the
    highest id before the statement, every row above it taken as its own: only for a
    table no one else writes meanwhile (a first import into an empty database).
    """
    if not auditing():
        return
    table, keys = model.__table__, audited_keys(model)
    query = select(table.c.id, *(table.c[k] for k in keys)).order_by(table.c.id)
    if isinstance(after, int):
        rows = db.session.execute(query.where(table.c.id > after)).all()
    else:
        wanted = set(after)
        if not wanted:
            return
        # One range read, not an IN list of 20,000 ids; rows of others in it are dropped.
        rows = [row for row in db.session.execute(
            query.where(table.c.id.between(min(wanted), max(wanted)))) if row[0] in wanted]
    if not rows:
        return
    ids, *columns = zip(*rows, strict=True)
    texts = created_changes(dict(zip(keys, map(list, columns), strict=True)))
    log_bulk("create", model, zip(ids, texts, strict=True), user)


def last_id(model) -> int:
    """Return the highest id of ``model``'s table (0 when empty)."""
    return db.session.scalar(select(func.coalesce(func.max(model.__table__.c.id), 0)))


def log_event(action: str, username: str = "", user_id: int | None = None,
              record_type: str = "", record_id: str = "", note: str = "",
              changes: dict | None = None) -> None:
    """Add an audit row for an event that is not a record change (login, export, ...)."""
    who = actor()
    db.session.add(AuditLog(
        user_id=user_id if user_id is not None else who["user_id"],
        username=username or who["username"], ip=who["ip"], action=action,
        record_type=record_type, record_id=record_id, note=note, changes=changes))
