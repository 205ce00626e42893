"""A redemption's rows written in one statement that takes its number (PostgreSQL).

The counter's number row is the one lock every redemption shares. Flushed by the ORM,
the rows that carry the number (the redemption, its card entry and stock movements, and
their audit rows) follow the number taken, each a round trip under that lock. Here the
records are made as the ORM would make them (ids drawn beforehand, defaults filled in,
audit rows worded by the audit hook's own ``diff``) and written by the statement that
takes the number (``numbering.insert_numbered``); the caller commits next.
"""
from __future__ import annotations

import functools

from sqlalchemy import Integer, String, bindparam, exists, func, inspect, select
from sqlalchemy.orm import make_transient_to_detached

from models.audit import AuditLog
from models.base import db, utcnow
from models.inventory import StockMovement
from models.lovecard import CardEntry
from models.numbering import NUMBER, insert_numbered
from models.redemption import Redemption
from models.unit_scope import ALL, refuse_other_units, unit_of, visible_units


def one_statement(audit) -> bool:
    """Tell whether a redemption is written in one statement: on PostgreSQL, by a caller
    that gives the audit trail's wording (else the ORM writes it, the flush hook audits)."""
    return audit is not None and db.session.get_bind().dialect.name == "postgresql"


def take_ids(counts: dict, token: str | None = None) -> tuple[dict, bool]:
    """Return ``{model: [ids]}``, ``count`` new ids of each model's table from the
    tables' own sequences (before any row lock; an id never used is a gap in ids only,
    not in document numbers), and whether a redemption carries ``token`` already: one
    query."""
    models = tuple(m for m, n in counts.items() if n)
    row = db.session.execute(_ids_statement(models), {
        "token": token, **{f"n{k}": counts[m] for k, m in enumerate(models)}}).one()
    return {m: list(ids) for m, ids in zip(models, row[:-1], strict=True)}, row[-1]


@functools.cache
def _ids_statement(models: tuple):
    """Return the query ``take_ids`` sends for ``models``, built once."""
    return select(*[
        func.array(select(func.nextval(func.pg_get_serial_sequence(m.__tablename__, "id")))
                   .select_from(func.generate_series(1, bindparam(f"n{k}", type_=Integer)))
                   .scalar_subquery()) for k, m in enumerate(models)],
        exists().where(Redemption.token == bindparam("token", type_=String)))


def check_units(card, items) -> None:
    """Refuse what the flush hook would refuse: a card or goods of a unit the acting user
    does not serve (``unit_scope.assign_and_check_units``)."""
    units = visible_units()
    if units is not ALL:
        for record in (card, *items):
            refuse_other_units(unit_of(record), units)


@functools.cache
def _columns(model) -> tuple:
    """Return ``(attribute, column, default, has a server default)`` of each of ``model``'s
    columns, as a flush reads them."""
    return tuple((attr.key, attr.columns[0].key, attr.columns[0].default,
                  attr.columns[0].server_default is not None)
                 for attr in inspect(model).column_attrs)


def _values(obj) -> dict:
    """Return the column values a flush would insert for new ``obj``, setting on it the
    Python-side defaults it takes, as a flush does."""
    values, given = {}, obj.__dict__
    for key, column, default, server_default in _columns(type(obj)):
        value = given.get(key)
        if value is None and default is not None:
            value = default.arg(None) if default.is_callable else (
                default.arg if default.is_scalar else None)
            if value is not None:
                setattr(obj, key, value)
        if value is None and server_default:
            continue
        values[column] = value
    return values


def _audit_rows(objects, audit) -> list[dict]:
    """Return the audit rows the flush hook would add for ``objects`` (all new), worded
    by ``audit`` (``portal.audit``: the domain layer imports no portal module)."""
    if not audit.auditing():
        return []
    who, now = audit.actor(), utcnow()
    return [{**who, "at": now, "action": "create", "record_type": audit.record_type(obj),
             "record_id": str(obj.id), "changes": audit.diff(obj, "create"),
             "note": ""} for obj in objects]


def numbered_writes(objects, audit) -> list:
    """Return ``(table, values)`` of new ``objects`` and of their audit rows, for
    ``write_numbered``: work that needs no lock, done before the first one for the
    redemption and its lines (the number in them still ``NUMBER``)."""
    writes = [(type(obj).__table__, _values(obj)) for obj in objects]
    return writes + [(AuditLog.__table__, row) for row in _audit_rows(objects, audit)]


def write_numbered(redemption: Redemption, rows: list, prefix: str, year: int,
                   ids: dict, audit, ready: list) -> None:
    """Number ``redemption`` and write it, its lines and its ledger ``rows`` (transient,
    ``redemption_id`` set), in one statement; leave them in the session as loaded.

    ``ready`` are the redemption's and its lines' ``numbered_writes``, made before the
    first row lock. ``ids`` are the ids drawn for the entry and the movements; a
    redemption that took from more lots than drawn for draws the rest here.
    """
    entries = [r for r in rows if isinstance(r, CardEntry)]
    movements = [r for r in rows if isinstance(r, StockMovement)]
    wanted = {CardEntry: entries, StockMovement: movements}
    short = {m: len(objs) - len(ids.get(m, ())) for m, objs in wanted.items()}
    if any(n > 0 for n in short.values()):
        for model, more in take_ids({m: max(n, 0) for m, n in short.items()})[0].items():
            ids[model] = [*ids.get(model, ()), *more]
    for model, objs in wanted.items():
        for obj, pk in zip(objs, ids[model], strict=False):
            obj.id = pk
    for row in rows:
        row.document = NUMBER
    number = insert_numbered(prefix, year, ready + numbered_writes(rows, audit))
    redemption.number = number
    for row in rows:
        row.document = number
    for obj in (*redemption.lines, redemption, *rows):
        make_transient_to_detached(obj)
    db.session.add(redemption)  # its lines come with it
    db.session.add_all(rows)
