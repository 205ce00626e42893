"""脱困, 返困 and 脱困率 for a year, counted from the files' episodes.

Definitions (a year runs 1 January to 31 December; dates are the episodes'):

- **files on record in the year** (在档户数): files with an episode open at any time in
  the year — opened on or before 31 December and not closed before 1 January. A file
  counts once however many of its episodes touch the year.
- **脱困** (exited): files with an episode closed as ``exited`` in the year.
- **返困** (returned): files with an episode opened in the year that is a return, i.e.
  opened after an earlier episode of the same file closed as ``exited``.
- **脱困率** = 脱困 / files on record in the year, as a percentage to two decimals
  (None when no file was on record).

Closed episodes are never changed (a re-filed file opens a new one), so a year's
figures stay what they were whatever happens to its files later.
"""
from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import func, or_, select

from models.base import db
from models.unit_scope import ALL, unit_clause
from models.worker_episode import WorkerEpisode


def _files(*conditions, units=ALL):
    query = select(func.count(func.distinct(WorkerEpisode.worker_id))).where(*conditions)
    return db.session.scalar(query.where(unit_clause(WorkerEpisode, units))) or 0


def episode_figures(year: int, units=ALL) -> dict:
    """Return ``{exited, returned, on_record, exit_rate}`` of ``year`` (see the module)."""
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    on_record = _files(WorkerEpisode.opened_on <= last,
                       or_(WorkerEpisode.closed_on.is_(None), WorkerEpisode.closed_on >= first),
                       units=units)
    exited = _files(WorkerEpisode.close_kind == "exited",
                    WorkerEpisode.closed_on.between(first, last), units=units)
    returned = _files(WorkerEpisode.returned.is_(True),
                      WorkerEpisode.opened_on.between(first, last), units=units)
    rate = None if not on_record else (Decimal(100 * exited) / on_record).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP)
    return {"exited": exited, "returned": returned, "on_record": on_record,
            "exit_rate": rate}
