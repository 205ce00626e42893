"""Login throttling: failed attempts counted per address and per user name in the database.

Every attempt is counted *before* its password is checked, by one guarded upsert that
refuses once the counter is full: however many requests arrive at once, and in however
many server processes, at most ``limit`` passwords are checked per counter and window.
A wrong password keeps its count and, when the counter is full, locks it; a right one
gives its count back.

Counters (``scope``, ``key``):

- ``address``, the client's address: every name tried from it. Its locks double for an
  address that keeps coming back (up to ``max_minutes``), to slow password spraying down.
- ``name``, a user name (case-folded) tried from an address its user never logged in from.
- ``pair``, a user and an address the user has logged in from before (a "known address").
  The owner at a known address thus never meets the lock others put on the name.
- ``password``, a signed-in user confirming their current password to change it.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import CheckConstraint, String, and_, case, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, mapped_column

from models.base import db

# How long after its last lock an address still counts as a repeat offender.
STRIKE_MEMORY = dt.timedelta(hours=24)


class LoginAttempt(db.Model):
    """The failed attempts of one counter in its current window, and its lock."""

    __tablename__ = "login_attempt"
    __table_args__ = (
        CheckConstraint("scope IN ('address', 'name', 'pair', 'password')", name="scope"),
        CheckConstraint("failures >= 0", name="failures"),
    )

    scope: Mapped[str] = mapped_column(String(16), primary_key=True)
    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    window_start: Mapped[dt.datetime]
    # When the current (or the last) lock ends; kept after it ends, for the strikes.
    locked_until: Mapped[dt.datetime | None]
    strikes: Mapped[int] = mapped_column(default=0)


@dataclass(frozen=True)
class Counter:
    """One counter and its rules: ``limit`` attempts per window of ``minutes``."""

    scope: str
    key: str
    limit: int
    minutes: float
    grows: bool = False
    max_minutes: float = 24 * 60

    @property
    def window(self) -> dt.timedelta:
        return dt.timedelta(minutes=self.minutes)

    def lock_length(self, strikes: int) -> dt.timedelta:
        """Return how long the ``strikes``-th lock lasts (never shorter than the window)."""
        minutes = self.minutes * 2 ** (strikes - 1) if self.grows else self.minutes
        return dt.timedelta(minutes=max(self.minutes, min(minutes, self.max_minutes)))


def _upsert(table):
    dialect = db.session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)


def reserve(counter: Counter, now: dt.datetime) -> dt.datetime | None:
    """Count one attempt on ``counter``; return until when it is refused, if it is.

    The caller commits before checking the password, so that the count holds for the
    other requests meanwhile (on PostgreSQL the counter's row stays locked until then).
    The window restarts once it is over; a lock always outlasts its window (see
    ``Counter.lock_length``), so a lock that ended leaves a window that is over too.
    """
    t = LoginAttempt.__table__
    fresh = t.c.window_start <= now - counter.window
    statement = _upsert(t).values(scope=counter.scope, key=counter.key, failures=1,
                                  window_start=now, strikes=0)
    statement = statement.on_conflict_do_update(
        index_elements=[t.c.scope, t.c.key],
        set_={"failures": case((fresh, 1), else_=t.c.failures + 1),
              "window_start": case((fresh, now), else_=t.c.window_start)},
        where=and_(or_(t.c.locked_until.is_(None), t.c.locked_until <= now),
                   or_(fresh, t.c.failures < counter.limit)),
    ).returning(t.c.failures)
    counted = db.session.execute(statement).scalar()
    refused_until = None
    if counted is None:
        row = db.session.execute(select(t.c.window_start, t.c.locked_until).where(
            t.c.scope == counter.scope, t.c.key == counter.key)).one()
        refused_until = row.window_start + counter.window
        if row.locked_until is not None and row.locked_until > now:
            refused_until = row.locked_until
    return refused_until


def fail(counter: Counter, now: dt.datetime) -> None:
    """Keep the attempt counted; lock the counter if that filled it (the caller commits)."""
    t = LoginAttempt.__table__
    mine = and_(t.c.scope == counter.scope, t.c.key == counter.key)
    row = db.session.execute(select(t.c.failures, t.c.locked_until, t.c.strikes)
                             .where(mine)).one_or_none()
    if row is None or row.failures < counter.limit:
        return
    repeat = row.locked_until is not None and row.locked_until > now - STRIKE_MEMORY
    strikes = row.strikes + 1 if repeat else 1
    # Of several attempts failing at once, the first to get here locks; the guard makes
    # the others' update a no-op, so one burst is one strike.
    db.session.execute(update(t).where(
        mine, t.c.failures >= counter.limit,
        or_(t.c.locked_until.is_(None), t.c.locked_until <= now),
    ).values(locked_until=now + counter.lock_length(strikes), strikes=strikes))


def succeed(counter: Counter) -> None:
    """Give the attempt's count back (the caller commits).

    On an address only this attempt's count is returned, so that a valid account of
    one's own does not reset the spraying count; on a name, pair or password counter
    the owner has proved themselves: the count starts over, and a lock that attempts
    failing alongside this one just set is lifted.
    """
    t = LoginAttempt.__table__
    mine = and_(t.c.scope == counter.scope, t.c.key == counter.key, t.c.failures > 0)
    if counter.scope == "address":
        db.session.execute(update(t).where(mine).values(failures=t.c.failures - 1))
    else:
        db.session.execute(update(t).where(mine).values(failures=0, locked_until=None))
