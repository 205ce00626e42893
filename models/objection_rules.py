"""Objections (异议): filed by the public during a notice's period, answered by staff.

Rate limit: at most ``RATE_LIMIT`` objections per address in ``RATE_WINDOW``, counted
in the objection table itself. Being in the database, the count holds across worker
processes and restarts and needs no other store; it is a soft limit (two requests
racing at the very edge may both pass), which is enough against floods.
"""
from __future__ import annotations

import datetime as dt

from flask_babel import gettext as _
from sqlalchemy import func, select

from models.base import DomainError, db, today, utcnow
from models.notice import Notice, Objection
from models.notice_rules import open_objection_counts
from models.permissions import allows, require

RATE_LIMIT = 5
RATE_WINDOW = dt.timedelta(hours=1)
MAX_TEXT = 2000


class RateLimited(DomainError):
    """Too many objections came from one address lately."""


def accepts_objections(notice: Notice, day: dt.date | None = None) -> bool:
    """Tell whether ``notice`` takes objections on ``day`` (only within its period)."""
    day = day or today()
    return (notice.status_on(day) == "published" and notice.starts_on is not None
            and notice.starts_on <= day <= notice.ends_on)


def recent_from(ip: str) -> int:
    """Return how many objections ``ip`` filed within the rate window."""
    return db.session.scalar(select(func.count()).select_from(Objection).where(
        Objection.ip == ip, Objection.filed_at >= utcnow() - RATE_WINDOW))


def file_objection(notice: Notice, ip: str, contact: str, text: str,
                   name: str = "") -> Objection:
    """File an objection from the public against ``notice``."""
    if not accepts_objections(notice):
        raise DomainError(_("Objections can be filed only while the notice period runs."))
    name, contact, text = (name or "").strip(), (contact or "").strip(), (text or "").strip()
    if not contact:
        raise DomainError(_("Give a phone number or address where we can reach you."))
    if not text:
        raise DomainError(_("Say what your objection is."))
    if len(name) > 32 or len(contact) > 64 or len(text) > MAX_TEXT:
        raise DomainError(_("The objection is too long (at most %(n)d characters).",
                            n=MAX_TEXT))
    if recent_from(ip or "") >= RATE_LIMIT:
        raise RateLimited(_("Too many objections came from your network in the last hour; "
                            "please try again later or call the centre."))
    objection = Objection(notice=notice, name=name, contact=contact, text=text, ip=ip or "")
    db.session.add(objection)
    db.session.flush()
    return objection


def handle(objection: Objection, user, reply: str, resolve: bool) -> None:
    """Record staff's reply; resolving needs one and stamps who resolved it and when."""
    require(user, "objection", "U", _("Only assistance officers handle objections."))
    objection.reply = (reply or "").strip()
    if resolve and (objection.state or "open") == "open":
        if not objection.reply:
            raise DomainError(_("Write the reply before resolving the objection."))
        objection.state, objection.resolved_by_id = "resolved", user.id
        objection.resolved_at = utcnow()
    elif objection.state == "resolved" and not objection.reply:
        raise DomainError(_("A resolved objection keeps its reply."))


def open_objections_for(notice_id: int, user) -> int | None:
    """Return the open objections of a notice if ``user`` may read objections, else None."""
    if not (getattr(user, "is_authenticated", False) and allows(user, "objection", "R")):
        return None
    return open_objection_counts([notice_id]).get(notice_id, 0)
