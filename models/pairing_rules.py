"""The rules of pairings (结对帮扶): who may be paired, one live pair per worker, ending one.

A pair is made for a worker whose file is on record (在档); a cadre is named (with unit,
post and phone), a unit pair names the unit. A worker has one live pair at a time: the
form is refused with a message, and the partial unique index ``uq_pairing_one_live``
refuses a second one whatever writes it (two users at once included). A pair ends by
``end_pairing`` on a day with a reason; it is kept as the household's history.

**Pairs without a visit in 90 days** (``overdue_clause``, the start page's figure and the
pair list's filter): live pairs that began at least ``VISIT_EVERY_DAYS`` days ago and
have no pairing visit (结对走访, ``Visit.pairing_id``) dated within the last
``VISIT_EVERY_DAYS`` days up to today.
"""
from __future__ import annotations

import datetime as dt

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, exists, select

from models.base import DomainError, db, today
from models.guards import Guards, ids_used_by, unless
from models.pairing import PAIR_KINDS, Pairing
from models.person_rules import clean_phone
from models.visit import Visit

VISIT_EVERY_DAYS = 90
CONSTRAINT_MESSAGES = {
    "uq_pairing_one_live": lambda: _("This worker already has a live pair: end it first."),
    "partner_named": lambda: _("Name the cadre, or the paired unit."),
}


def _day(value, message) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise DomainError(message) from None


def check_pairing(pair: Pairing) -> None:
    """Clean and check ``pair``: a file on record, a named partner, a sensible term."""
    worker = pair.worker
    if worker is None:
        raise DomainError(_("Choose the worker."), field="worker")
    if pair.kind not in PAIR_KINDS:
        raise DomainError(_("Choose whether a cadre or a unit is paired."), field="kind")
    for name in ("cadre_name", "partner_unit", "cadre_post", "commitment"):
        setattr(pair, name, (getattr(pair, name) or "").strip())
    pair.cadre_phone = clean_phone(pair.cadre_phone)
    if pair.kind == "cadre" and not pair.cadre_name:
        raise DomainError(_("Name the cadre."), field="cadre_name")
    if pair.kind == "unit" and not pair.partner_unit:
        raise DomainError(_("Name the paired unit."), field="partner_unit")
    if pair.starts_on is None:
        raise DomainError(_("Give the day the pair starts."), field="starts_on")
    if pair.until is not None and pair.until < pair.starts_on:
        raise DomainError(_("The agreed end cannot be before the start."), field="until")
    if pair.ended_on is None:
        if worker.status != "active":
            raise DomainError(_("Only a worker whose file is on record can be paired."),
                              field="worker")
        with db.session.no_autoflush:
            other = db.session.scalar(select(Pairing.id).where(
                Pairing.worker_id == worker.id, Pairing.ended_on.is_(None),
                Pairing.id != (pair.id or 0)))
        if other is not None:
            raise DomainError(_("This worker already has a live pair: end it first."),
                              field="worker")


def make_pairing(pair: Pairing, user) -> Pairing:
    """Record ``pair`` as made by ``user``."""
    check_pairing(pair)
    pair.created_by_id = getattr(user, "id", None)
    db.session.add(pair)
    return pair


def end_pairing(pair: Pairing, user, on=None, reason: str = "") -> Pairing:
    """End the live ``pair`` on ``on`` (default today) for ``reason``; it stays as history."""
    if pair.ended_on is not None:
        raise DomainError(_("This pair has already ended."))
    day = _day(on, _("Give the end day as a date.")) or today()
    reason = (reason or "").strip()[:200]
    if not reason:
        raise DomainError(_("Say why the pair ends."))
    if day < pair.starts_on:
        raise DomainError(_("A pair cannot end before it starts."))
    if day > today():
        raise DomainError(_("The end day cannot be in the future."))
    pair.ended_on, pair.end_reason, pair.ended_by_id = day, reason, getattr(user, "id", None)
    return pair


def live_clause():
    """Return the clause: pairs not ended."""
    return Pairing.ended_on.is_(None)


def overdue_clause(day: dt.date | None = None):
    """Return the clause: live pairs without a pairing visit in the last 90 days."""
    since = (day or today()) - dt.timedelta(days=VISIT_EVERY_DAYS)
    visited = exists().where(Visit.pairing_id == Pairing.id, Visit.visited_on > since)
    return and_(live_clause(), Pairing.starts_on <= since, ~visited)


def live_pair_of(worker_id: int) -> Pairing | None:
    """Return the worker's live pair, if any."""
    return db.session.scalar(select(Pairing).where(Pairing.worker_id == worker_id,
                                                   live_clause()))


def _no_visits(pair: Pairing) -> bool:
    return not db.session.scalar(select(exists().where(Visit.pairing_id == pair.id)))


GUARDS = Guards(
    edit=unless(lambda pair: pair.ended_on is None, _l("An ended pair is history: it cannot "
                                                       "be edited.")),
    delete=unless(_no_visits, _l("A pair with visits cannot be deleted; end it instead.")),
    deletes_refused=lambda pairs: ids_used_by(Visit.pairing_id, pairs))
