"""Per-record guards: what the rules let be edited or deleted in which state.

Each rules module that needs them declares one ``Guards``; the base view asks it before
showing an edit form and before deleting, so no view repeats the state checks.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


def _never(record) -> None:
    return None


@dataclass(frozen=True)
class Guards:
    """``edit(record)`` and ``delete(record)`` give the refusal message, or None to allow."""

    edit: Callable[[object], object | None] = _never
    delete: Callable[[object], object | None] = _never


def unless(allowed: Callable[[object], bool], message) -> Callable[[object], object | None]:
    """Return a guard that refuses with ``message`` whenever ``allowed(record)`` is false."""
    return lambda record: None if allowed(record) else message
