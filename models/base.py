"""The database handle, the declarative base and the domain error."""
from __future__ import annotations

import datetime as dt

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

# Named constraints make migrations reproducible and let views turn an
# IntegrityError into a message that says which rule was broken.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


db = SQLAlchemy(model_class=Base)


class DomainError(Exception):
    """A business rule refused the operation; the message is shown to the user.

    ``field`` names the model field the refusal is about, when there is one, so that a
    form or an import can show the message beside that field or column.
    """

    def __init__(self, message="", field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def utcnow() -> dt.datetime:
    """Return the current time in UTC, without tzinfo, as stored in the database.

    ``freeze_now`` can hold it at a moment (the demo data's history).
    """
    return _frozen_now or clock()


def clock() -> dt.datetime:
    """Return the real current time in UTC, without tzinfo (never frozen)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def freeze_now(moment: dt.datetime | None) -> None:
    """Make ``utcnow()`` answer ``moment`` (UTC, naive; None thaws it)."""
    global _frozen_now
    _frozen_now = moment


_frozen_now: dt.datetime | None = None


# The centre's clock: China Standard Time, no daylight saving. Times are stored in UTC.
CHINA = dt.timedelta(hours=8)


def to_local(value: dt.datetime) -> dt.datetime:
    """Return a stored (UTC, naive) time as the centre's local time, still naive."""
    return value + CHINA


_frozen_today: dt.date | None = None


def today() -> dt.date:
    """Return today's date in China (the centre's calendar, whatever the server's time
    zone), or the date frozen by ``freeze_today``.

    The server's own date was a day behind from midnight to 8 a.m. in China on a
    server kept in UTC: forms offered yesterday and records were filed under it.
    """
    return _frozen_today or to_local(clock()).date()


def freeze_today(day: dt.date | None) -> None:
    """Make ``today()`` answer ``day`` (None thaws it); for tests and reports as of a date."""
    global _frozen_today
    _frozen_today = day


def label(text, **extra) -> dict:
    """Return column ``info`` carrying a translatable label (and extras like help)."""
    return {"label": text, **extra}
