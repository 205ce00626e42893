"""Word audit rows as a manager reads them: labels for fields, words for codes, names for ids.

The log keeps what changed as it was stored (``{field: [before, after]}`` with codes, ids
and UTC times), so that it stays exact; this module words it when it is read. Labels and
choices come from the models' column ``info`` (and the list views' labels, passed in by
the audit view), related records are named by their ``str``, times are China time.
"""
from __future__ import annotations

import datetime as dt
from functools import cache

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import DateTime, inspect, select
from sqlalchemy.orm import selectinload

from models import User, db
from models.display import local_time
from models.settings import Setting, setting_text

# Record types without a list of their own (lines of a document) and events' subjects.
OTHER_TYPES = {
    "donationline": _l("Donation goods line"), "redemptionline": _l("Redemption line"),
    "stocktakeline": _l("Stocktake line"), "noticeline": _l("Notice line"),
    "instalment": _l("Repayment instalment"), "doccounter": _l("Document number counter"),
    "loginattempt": _l("Login attempt"), "database": _l("Database"),
    "report": _l("Year-end statistics"),
}
# What exports, imports and backups note in their ``changes``.
EVENT_FIELDS = {"rows": _l("Rows"), "search": _l("Search"), "scope": _l("Scope"),
                "columns": _l("Columns"), "created": _l("Created"), "updated": _l("Updated"),
                "bytes": _l("Size (bytes)")}
EVENT_VALUES = {"scope": {"all": _l("All rows"), "selected": _l("Selected rows")}}
NOTES = {"password changed": _l("Password changed"),
         "address": _l("Too many failed logins from this address"),
         "locked": _l("User locked after failed logins")}
EMPTY = "—"


@cache
def _models() -> dict[str, type]:
    """Return every model by the name the log files it under (its class name, lower case)."""
    return {m.class_.__name__.lower(): m.class_ for m in db.Model.registry.mappers}


@cache
def _model_of_table(table) -> type | None:
    return next((m.class_ for m in db.Model.registry.mappers if m.local_table is table), None)


def note_text(note: str) -> str:
    """Return an event's note in words where the portal wrote a fixed one."""
    return str(NOTES.get(note, note))


class AuditReader:
    """Word audit rows; make one per page, so each related record is looked up once."""

    def __init__(self, views: dict[str, tuple[object, dict]]):
        """``views`` maps an endpoint to its list's name and column labels."""
        self.views = views
        self._records: dict[tuple[type, str], object] = {}
        self._users: dict[str, str] | None = None

    def user_name(self, username: str, user=None) -> str:
        """Return who acted by display name: the row's user, else the user of that name."""
        if username == "system":
            return _("system")
        if user is not None:
            return str(user)
        if self._users is None:
            self._users = {u.username: str(u) for u in db.session.scalars(select(User))}
        return self._users.get(username, username)

    def type_name(self, record_type: str) -> str:
        """Return the record type as the menu names it."""
        if record_type in self.views:
            return str(self.views[record_type][0])
        return str(OTHER_TYPES.get(record_type, record_type))

    def record_name(self, record_type: str, record_id: str) -> str:
        """Return ``record_id`` and what the record is, while it exists (``12 张建国（0032）``).

        A record that names itself only by number (``#12``) is named by its worker.
        """
        model = _models().get(record_type)
        if model is None or not record_id:
            return record_id
        record = self._record(model, record_id)
        if record is None:
            return record_id
        name = _named(record)
        if name in (None, f"#{record_id}") and getattr(record, "worker", None) is not None:
            name = str(record.worker)
        if model is Setting:
            return name or record_id
        return f"{record_id} {name}" if name and name != f"#{record_id}" else record_id

    def name_of(self, model: type, pk) -> str:
        """Return the ``str`` of ``model``'s record ``pk``, or ``#pk`` if it is gone."""
        return _named(self._record(model, pk)) or f"#{pk}"

    def _record(self, model: type, pk):
        key = (model, str(pk))
        if key not in self._records:
            value = _key_value(model, pk)
            self._records[key] = None if value is None else db.session.get(model, value)
        return self._records[key]

    def prefetch(self, rows) -> None:
        """Look up every record ``rows`` name, one query per record type (a list page)."""
        wanted: dict[type, set[str]] = {}
        models = _models()
        for row in rows:
            model = models.get(row.record_type)
            if model is not None and row.record_id:
                wanted.setdefault(model, set()).add(str(row.record_id))
            for field, pair in (row.changes or {}).items():
                target = _target(_column(model, field))
                values = pair if isinstance(pair, list) and len(pair) == 2 else [pair]
                for value in values if target is not None else ():
                    if value is not None:
                        wanted.setdefault(target, set()).add(str(value))
        for model, keys in wanted.items():
            keys = {key for key in keys if (model, key) not in self._records}
            values = {key: _key_value(model, key) for key in keys}
            pk = inspect(model).primary_key[0]
            query = select(model).where(pk.in_({v for v in values.values() if v is not None}))
            if "worker" in inspect(model).relationships:  # records named by their worker
                query = query.options(selectinload(model.worker))
            found = {getattr(r, pk.key): r for r in db.session.scalars(query)} if values else {}
            self._records.update({(model, key): found.get(values[key]) for key in keys})

    def lines(self, record_type: str, record_id: str, changes: dict | None):
        """Yield ``(label, before, after)`` for each field of ``changes``, in words."""
        model = _models().get(record_type)
        for field, pair in (changes or {}).items():
            before, after = pair if isinstance(pair, list) and len(pair) == 2 else (None, pair)
            yield (self.label(model, record_type, field),
                   self.value(model, record_id, field, before),
                   self.value(model, record_id, field, after))

    def label(self, model, record_type: str, field: str) -> str:
        """Return the label of ``field``: the model's, the list's, or the related type's."""
        column = _column(model, field)
        if column is not None and "label" in column.info:
            return str(column.info["label"])
        labels = self.views.get(record_type, (None, {}))[1]
        relation = _relation_of(model, field)
        for key in (field, relation):
            if key and key in labels:
                return str(labels[key])
        target = _target(column)
        if target is not None:
            return self.type_name(target.__name__.lower())
        return str(EVENT_FIELDS.get(field, field))

    def value(self, model, record_id: str, field: str, value) -> str:
        """Return a stored value in words: a label, a name, China time, 是/否 or —."""
        if value is None or value == "" or value == []:
            return EMPTY
        if isinstance(value, bool):
            return _("Yes") if value else _("No")
        column = _column(model, field)
        if model is Setting and field == "value":
            return setting_text(record_id, value)
        if column is None:
            if field == "columns" and isinstance(value, list):
                return "、".join(self.label(_models().get(record_id), record_id, v)
                                for v in value)
            return _plain(EVENT_VALUES.get(field, {}).get(value, value))
        choices = column.info.get("choices")
        if choices:
            values = value if isinstance(value, list) else [value]
            return "、".join(str(choices.get(v, v)) for v in values)
        target = _target(column)
        if target is not None:
            return self.name_of(target, value)
        if isinstance(column.type, DateTime) and isinstance(value, str):
            try:
                return local_time(dt.datetime.fromisoformat(value), seconds=True)
            except ValueError:
                return value
        return _plain(value)


def _key_value(model: type, pk):
    """Return ``pk`` as ``model``'s key type, or None if it cannot be one of its keys."""
    try:
        value = inspect(model).primary_key[0].type.python_type(pk)
    except (TypeError, ValueError):
        return None  # not a key of this type (PostgreSQL would refuse the comparison)
    return None if isinstance(value, int) and not -(2**63) <= value < 2**63 else value


def _named(record) -> str | None:
    """Return ``str(record)`` if its model says how it is named, else None."""
    if record is None or type(record).__str__ is object.__str__:
        return None
    return str(record)


def _plain(value) -> str:
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    return str(value)


def _column(model, field: str):
    if model is None:
        return None
    attr = inspect(model).column_attrs.get(field)
    return attr.columns[0] if attr is not None else None


def _relation_of(model, field: str) -> str | None:
    """Return the relationship that ``field`` (a foreign key column) stands for."""
    if model is None:
        return None
    return next((r.key for r in inspect(model).relationships
                 if r.direction.name == "MANYTOONE"
                 and [c.key for c in r.local_columns] == [field]), None)


def _target(column) -> type | None:
    """Return the model a foreign key column points to."""
    if column is None or not column.foreign_keys:
        return None
    return _model_of_table(next(iter(column.foreign_keys)).column.table)
