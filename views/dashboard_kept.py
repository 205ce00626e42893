"""Start-page figures over the whole body of files, kept for a few minutes (issue 14).

At a million files, counting every file by status, category, unit and year, and the files
due for a review or a visit, made the start page take 2-3.5 s on PostgreSQL (measured:
83 statements, most of the time in seven exact counts over all the files). Those figures
change slowly and nobody acts on them within the minute, so each is counted at most once
per ``DASHBOARD_KEEP_SECONDS`` (default 300; 0 counts on every page) for each role, unit
scope, language and day in a server process, and its panel says when it was counted. The
figures of work waiting for someone (pending, to approve, mine) are never kept.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from time import monotonic

from flask import current_app
from flask_babel import get_locale

from models.base import today, utcnow
from models.unit_scope import visible_units

MOST_KEPT = 2_000  # scopes kept per process at most (a federation: stations x roles x figures)


def kept_rows(key: str, user, make: Callable[[], list]) -> list:
    """Return ``make()``'s rows for ``user``, counted now or up to the keep time ago; each
    row carries the time it was counted (``as_of``)."""
    seconds = current_app.config["DASHBOARD_KEEP_SECONDS"]
    if seconds <= 0:
        return make()
    kept = current_app.extensions.setdefault("dashboard_kept", {})
    scope = (key, user.role, visible_units(user), str(get_locale()), today())
    now = monotonic()
    found = kept.get(scope)
    if found is not None and now - found[0] < seconds:
        return found[1]
    counted = utcnow()
    rows = [replace(row, as_of=counted) for row in make()]
    if len(kept) >= MOST_KEPT:
        for stale in [s for s, (at, _rows) in list(kept.items()) if now - at >= seconds]:
            kept.pop(stale, None)
        if len(kept) >= MOST_KEPT:
            kept.clear()
    kept[scope] = (now, rows)
    return rows


def forget_kept(app) -> None:
    """Drop every kept figure of ``app`` (the next start page counts afresh)."""
    app.extensions.pop("dashboard_kept", None)
