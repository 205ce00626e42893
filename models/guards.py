"""Per-record guards: what the rules let be edited or deleted in which state.

Each rules module that needs them declares one ``Guards``; the base view asks it before
showing an edit form, before saving a form's changes and before deleting, so no view
repeats the state checks.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import exists, inspect, select

from models.base import db


def _never(record) -> None:
    return None


@dataclass(frozen=True)
class Guards:
    """``edit(record)`` and ``delete(record)`` give the refusal message, or None to allow.

    ``save(record)`` answers for the changes a form made to ``record`` (read from its
    attribute history), before the view's own ``on_model_change`` runs.

    A ``delete`` guard that queries the database may come with ``deletes_refused(records)``,
    answering for a whole list page at once (the ids whose delete it refuses), so the
    page's delete buttons cost one query, not one per row. Both must agree.
    """

    edit: Callable[[object], object | None] = _never
    delete: Callable[[object], object | None] = _never
    save: Callable[[object], object | None] = _never
    deletes_refused: Callable[[list], set] | None = None


def ids_used_by(column, records) -> set:
    """Return the ids of ``records`` that some row's ``column`` (a foreign key) names."""
    ids = [record.id for record in records]
    if not ids:
        return set()
    key = inspect(type(records[0])).primary_key[0]
    # EXISTS: one index probe per record, however long its ledger.
    return set(db.session.scalars(select(key).where(key.in_(ids),
                                                    exists().where(column == key))))


def unless(allowed: Callable[[object], bool], message) -> Callable[[object], object | None]:
    """Return a guard that refuses with ``message`` whenever ``allowed(record)`` is false."""
    return lambda record: None if allowed(record) else message
