"""Open and close a file's episodes; files written in bulk get theirs from their status.

Only ``models.worker_rules`` (approval, exit, withdrawal, re-filing) and the review
rules call these: an episode is never made or changed by hand. A file is closed (脱困,
撤档) only by approving a review's conclusion: ``closing_refusal`` says so to every other
way in (the worker form, through the views' save guard, and the Excel import), and a
closed episode is history the database keeps as it is (``models.worker_episode``).
"""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, inspect, select

from models.base import DomainError, db, today
from models.guards import Guards
from models.worker import Worker
from models.worker_episode import WorkerEpisode

CLOSED = ("exited", "removed")

# The words of each reason for leaving hardship, to read a free-text exit reason by.
CAUSE_WORDS = (("children_work", "子女就业"), ("employment", "就业增收"),
               ("business", "创业"), ("safety_net", "政策兜底"))


def exit_cause_of(reason: str | None) -> str:
    """Return the reason code a free-text exit reason names, else ``other``."""
    for code, words in CAUSE_WORDS:
        if words in (reason or ""):
            return code
    return "other"


def open_episode_of(worker) -> WorkerEpisode | None:
    """Return the file's open episode, or None."""
    if worker.id is None:
        return None
    return db.session.scalar(select(WorkerEpisode).where(
        WorkerEpisode.worker_id == worker.id, WorkerEpisode.closed_on.is_(None)))


def open_episode(worker, user, on=None) -> WorkerEpisode:
    """Open the file's next episode; it is a return (返困) when an earlier one was an exit."""
    if open_episode_of(worker) is not None:
        raise DomainError(_("This file is already on record."))
    returned = worker.id is not None and bool(db.session.scalar(select(exists().where(
        WorkerEpisode.worker_id == worker.id, WorkerEpisode.close_kind == "exited"))))
    episode = WorkerEpisode(worker=worker, opened_on=on or today(), returned=returned,
                            opened_by_id=getattr(user, "id", None))
    db.session.add(episode)
    return episode


def close_episode(worker, user, kind: str, on, reason: str,
                  cause: str | None = None) -> WorkerEpisode:
    """Close the file's open episode as ``kind`` (exited or removed) on ``on``.

    A file on record from before episodes were kept and somehow without one gets the
    episode it had (from its filing date) before it is closed.
    """
    episode = open_episode_of(worker)
    if episode is None:
        episode = open_episode(worker, None, min(worker.filed_on or on, on))
    if on < episode.opened_on:
        raise DomainError(_("The exit date cannot be before the file went on record "
                            "(%(date)s).", date=episode.opened_on.isoformat()))
    episode.closed_on, episode.close_kind = on, kind
    episode.close_reason = (reason or "").strip()[:200]
    episode.exit_cause = (cause or exit_cause_of(reason)) if kind == "exited" else None
    episode.closed_by_id = getattr(user, "id", None)
    return episode


def closing_refusal(old_status: str | None, new_status: str | None, exit_before: tuple,
                    exit_after: tuple) -> str | None:
    """Return why a change that is no review's approval may not close a file, or None.

    ``exit_*`` are the file's (exit date, exit reason) before and after: they belong to
    the review that closed the file (and its episode), so no form or sheet sets them.
    """
    if new_status in CLOSED and new_status != old_status:
        return _("A file leaves the record (脱困 or 撤档) only when a review's conclusion "
                 "is approved: start a review of it from the file list.")
    if _exit(*exit_before) != _exit(*exit_after):
        return _("The exit date and reason come from the approved review that closed the "
                 "file; they cannot be changed here.")
    return None


def _exit(on, reason) -> tuple:
    return on, (reason or "").strip()


def save_refusal(worker) -> str | None:
    """Return why the changes a form made to ``worker`` may not be saved, or None."""
    old = (None, None, "")  # a new file starts pending, open
    if inspect(worker).persistent:
        with db.session.no_autoflush:  # as stored, before this form's changes
            old = db.session.execute(select(Worker.status, Worker.exit_date, Worker.exit_reason)
                                     .where(Worker.id == worker.id)).one()
    return closing_refusal(old[0], worker.status, (old[1], old[2]),
                           (worker.exit_date, worker.exit_reason))


HISTORY_KEPT = _l("This file has history (closed episodes) and is never deleted.")
# The database's own refusal (models.worker_episode.closed_guard), should a delete get there.
CONSTRAINT_MESSAGES = {"worker_episode is closed history": lambda: str(HISTORY_KEPT)}


def delete_refusal(worker) -> object | None:
    """Return why ``worker`` may not be deleted: a closed episode is history, kept whole."""
    return HISTORY_KEPT if (
        worker.id is not None and db.session.scalar(select(exists().where(
            WorkerEpisode.worker_id == worker.id, WorkerEpisode.closed_on.is_not(None))))
    ) else None


def with_history(workers) -> set:
    """Return the ids of ``workers`` that have a closed episode (one query a list page)."""
    ids = [w.id for w in workers]
    return set(db.session.scalars(select(WorkerEpisode.worker_id).where(
        WorkerEpisode.worker_id.in_(ids), WorkerEpisode.closed_on.is_not(None))
        .distinct())) if ids else set()


# What the worker views may save and delete (asked by views.base).
GUARDS = Guards(save=save_refusal, delete=delete_refusal, deletes_refused=with_history)


# Files written in bulk (the demo seed): each file on record, or closed, without any
# episode gets the one its status tells: from its filing date to its exit date.
MISSING_EPISODES = """
INSERT INTO worker_episode (worker_id, opened_on, returned, closed_on, close_kind,
                            exit_cause, close_reason)
SELECT w.id,
       CASE WHEN w.exit_date IS NOT NULL AND w.exit_date < w.filed_on
            THEN w.exit_date ELSE w.filed_on END,
       {false},
       CASE WHEN w.status = 'active' THEN NULL ELSE COALESCE(w.exit_date, w.filed_on) END,
       CASE WHEN w.status = 'active' THEN NULL ELSE w.status END,
       CASE WHEN w.status <> 'exited' THEN NULL
            WHEN w.exit_reason LIKE '%子女就业%' THEN 'children_work'
            WHEN w.exit_reason LIKE '%就业增收%' THEN 'employment'
            WHEN w.exit_reason LIKE '%创业%' THEN 'business'
            WHEN w.exit_reason LIKE '%政策兜底%' THEN 'safety_net' ELSE 'other' END,
       CASE WHEN w.status = 'active' THEN '' ELSE COALESCE(w.exit_reason, '') END
FROM worker w
WHERE w.status IN ('active', 'exited', 'removed')
  AND NOT EXISTS (SELECT 1 FROM worker_episode e WHERE e.worker_id = w.id)
"""


def add_missing_episodes(conn) -> None:
    """Give every file written without its episode (bulk) the one its status tells."""
    false = "false" if conn.dialect.name == "postgresql" else "0"
    conn.exec_driver_sql(MISSING_EPISODES.replace("{false}", false).replace("%", "%%")
                         if conn.dialect.paramstyle in ("format", "pyformat")
                         else MISSING_EPISODES.replace("{false}", false))
