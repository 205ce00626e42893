"""Worker files in a year, broken down further: 低保 households, files by base union.

*低保 households brought in* (纳入帮扶的低保户) = the files newly filed in the year (the
``new`` figure: filed in the year, whatever their status now) whose household receives
the minimum living allowance (``Worker.on_dibao``): the 低保 households the centre took
into its care that year. Persons = the sum of those files' household sizes (the worker
included). The file keeps whether the household receives 低保 as it stands now, not since
when, so the year a household was granted 低保 is not known and is not claimed; a later
change of the flag moves an earlier year's figure.
*On 低保 at the year's end* = the files on file at the reference day (``on_file_clause``)
with the flag, households and persons.

*By base union* (所属工会): files on file at the reference day, newly filed, out of
hardship and withdrawn in the year, per base union as written on the file (an empty one
is counted under "").
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import func, literal, or_, select, union_all

from models import Worker, db
from models.report_time import in_year
from models.unit_scope import ALL, unit_clause
from models.worker_episode import WorkerEpisode


def new_clause(year: int):
    """Return the clause: a file filed in ``year`` (whatever its status now)."""
    return in_year(Worker.filed_on, year)


def _episode(*conditions):
    """Return the clause: the file has an episode meeting ``conditions``.

    Written ``id IN (episodes' worker ids)``, not a correlated EXISTS: both databases then
    read the episodes that qualify once (PostgreSQL: a hashed semi-join; SQLite: the
    listed ids looked up), where an EXISTS inside an aggregate was asked once per file:
    7 s a year at 1,000,000 files on PostgreSQL.
    """
    return Worker.id.in_(select(WorkerEpisode.worker_id).where(*conditions))


def exited_clause(year: int):
    """Return the clause: a file that left hardship (脱困) in ``year``: an episode of it
    closed as exited then. A file re-filed since still counts: its episode stays closed."""
    return _episode(WorkerEpisode.close_kind == "exited", in_year(WorkerEpisode.closed_on, year))


def removed_clause(year: int):
    """Return the clause: a file withdrawn (撤档) in ``year``, by its episodes."""
    return _episode(WorkerEpisode.close_kind == "removed",
                    in_year(WorkerEpisode.closed_on, year))


def on_file_clause(as_of: dt.date):
    """Return the clause: a file on file at the end of ``as_of``: an episode of it open
    then (opened by that day, not closed by it; a file pending review has none yet)."""
    return _episode(WorkerEpisode.opened_on <= as_of,
                    or_(WorkerEpisode.closed_on.is_(None), WorkerEpisode.closed_on > as_of))


def dibao_figures(year: int, as_of: dt.date, units=ALL) -> dict:
    """Return the 低保 households (and persons) brought in in ``year`` and on file at ``as_of``."""
    persons = func.coalesce(func.sum(Worker.household_size), 0)
    where = (Worker.on_dibao.is_(True), unit_clause(Worker, units))
    new = db.session.execute(select(func.count(), persons)
                             .where(new_clause(year), *where)).one()
    held = db.session.execute(select(func.count(), persons)
                              .where(on_file_clause(as_of), *where)).one()
    return {"new_households": new[0], "new_persons": int(new[1]),
            "households": held[0], "persons": int(held[1])}


def union_figures(year: int, as_of: dt.date, units=ALL) -> dict:
    """Return per base union: files on file at ``as_of``, new, exited, withdrawn in ``year``.

    One statement: each figure's files selected by its own clause (a branch of a UNION
    ALL, so each is planned as a filter), then summed per union.
    """
    moves = {"on_file": on_file_clause(as_of), "new": new_clause(year),
             "exited": exited_clause(year), "removed": removed_clause(year)}
    union = func.coalesce(Worker.base_union, "")
    branches = union_all(*(
        select(union.label("base_union"),
               *(literal(int(key == other)).label(other) for other in moves))
        .where(unit_clause(Worker, units), clause) for key, clause in moves.items())).subquery()
    rows = db.session.execute(
        select(branches.c.base_union, *(func.sum(branches.c[key]) for key in moves))
        .group_by(branches.c.base_union).order_by(branches.c.base_union)).all()
    return {row[0]: {key: int(n) for key, n in zip(moves, row[1:], strict=True)}
            for row in rows}
