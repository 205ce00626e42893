"""Notices: draft → published → ended | withdrawn, what the public reads, "passed notice"."""
from __future__ import annotations

import datetime as dt

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, exists, func, inspect, select, update

from models.assistance import Assistance
from models.audit import AuditLog
from models.base import DomainError, db, today, utcnow
from models.guards import Guards, unless
from models.masking import identity_numbers
from models.notice import Notice, NoticeLine, Objection
from models.notice_lines import check_lines, line_values, require_draft
from models.permissions import require
from models.richtext import plain_text, sanitize_html
from models.settings import get_setting

# Ended notices stay readable this long, then leave the public site (data minimisation).
RECENT_DAYS = 90
# Fields that say what was published: fixed once a notice leaves the draft state.
PUBLISHED_FIELDS = ("kind", "source", "title", "body", "starts_on", "ends_on")

# What publishing calls a number the public must not see (models.masking finds them).
NUMBER_KINDS = {"id": _l("ID number"), "card": _l("bank card number"),
                "mobile": _l("mobile phone number"), "long": _l("long run of digits")}
NUMBERS_SHOWN = 3

CONSTRAINT_MESSAGES = {
    "uq_notice_line_assistance": lambda: _("This record is already on the notice."),
    "uq_notice_line_loan": lambda: _("This loan is already on the notice."),
    "uq_notice_line_worker": lambda: _("This worker is already on the notice."),
    "notice_line is frozen": lambda: _("The lines of a published notice cannot be changed."),
}


GUARDS = Guards(
    edit=lambda notice: None if notice.state == "draft" else _l(
        "Only a draft notice can be changed; notice #%(id)d is not a draft.", id=notice.id),
    delete=unless(lambda notice: notice.state == "draft",
                  _l("Only a draft notice can be deleted; withdraw a published one.")))


def _require_approver(user) -> None:
    require(user, "notice", "A", _("Only a centre manager can publish or withdraw a notice."))


def prepare_draft(notice: Notice, user, is_created: bool) -> None:
    """Check a drafted notice and keep its text clean; a new one is stamped with its author."""
    if not is_created and _committed(notice, "state") not in (None, "draft"):
        raise DomainError(_("Only a draft notice can be changed; notice #%(id)d is not a "
                            "draft.", id=notice.id))
    notice.title = (notice.title or "").strip()
    if not notice.title:
        raise DomainError(_("Give the notice a title."))
    notice.body = sanitize_html(notice.body)
    if notice.kind == "batch" and notice.source is None:
        raise DomainError(_("Choose what the list of names lists."))
    if notice.kind == "free":
        notice.source = None
    if is_created:
        notice.state, notice.created_by_id = "draft", user.id


# --- the workflow ---------------------------------------------------------------------
def default_period(starts_on: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """Return the default notice period: from ``starts_on`` (today) for the set days."""
    starts_on = starts_on or today()
    days = max(int(get_setting("notice_days")), 1)
    return starts_on, starts_on + dt.timedelta(days=days - 1)


def publish(notice: Notice, user, starts_on: dt.date | None = None,
            ends_on: dt.date | None = None) -> None:
    """Publish a draft for a period and freeze the public values of its lines."""
    require_draft(notice)
    _require_approver(user)
    starts_on, default_end = default_period(starts_on)
    ends_on = ends_on or default_end
    if starts_on < today():
        raise DomainError(_("A notice cannot start in the past."))
    if ends_on < starts_on:
        raise DomainError(_("The notice period must end on or after its first day."))
    notice.body = sanitize_html(notice.body)
    _refuse_personal_numbers(notice)
    if notice.kind == "batch":
        check_lines(notice)
        now = utcnow()
        for line in notice.lines:
            for key, value in line_values(line).items():
                setattr(line, key, value)
            line.frozen_at = now
    elif not plain_text(notice.body):
        raise DomainError(_("A free notice needs its text."))
    notice.starts_on, notice.ends_on = starts_on, ends_on
    notice.state, notice.published_by_id, notice.published_at = "published", user.id, utcnow()


def _refuse_personal_numbers(notice: Notice) -> None:
    """Refuse a title or text holding an ID, bank card or mobile number, saying where."""
    found = [_("%(kind)s in %(where)s: %(excerpt)s", kind=NUMBER_KINDS[number.kind],
               where=where, excerpt=number.excerpt)
             for where, text in ((_("the title"), notice.title), (_("the text"), notice.body))
             for number in identity_numbers(text)]
    if found:
        listed = _("; ").join(found[:NUMBERS_SHOWN])
        if len(found) > NUMBERS_SHOWN:
            listed += _(" (%(n)d in all)", n=len(found))
        raise DomainError(_("This notice cannot be published: a public notice must not show "
                            "ID, bank card or mobile phone numbers, and it holds %(found)s. "
                            "Remove them, or write them masked (like 138****8000), then "
                            "publish.", found=listed))


def withdraw(notice: Notice, user, reason: str) -> None:
    """Take a running notice down, with the reason; it then answers 404 publicly."""
    if notice.status_on(today()) != "published":
        raise DomainError(_("Only a published notice whose period has not ended can be "
                            "withdrawn."))
    _require_approver(user)
    if not (reason or "").strip():
        raise DomainError(_("Give the reason for the withdrawal."))
    notice.state, notice.withdrawn_by_id, notice.withdrawn_at = "withdrawn", user.id, utcnow()
    notice.withdraw_reason = reason.strip()


def close_ended(day: dt.date | None = None) -> int:
    """Mark published notices whose period is over as ended, each logged; return how many.

    A guarded UPDATE per notice, so that two requests closing the same notice at
    once write one state change and one audit row between them.
    """
    day = day or today()
    closed = 0
    due = db.session.scalars(select(Notice.id).where(Notice.state == "published",
                                                     Notice.ends_on < day)).all()
    for notice_id in due:
        result = db.session.execute(
            update(Notice).where(Notice.id == notice_id, Notice.state == "published")
            .values(state="ended", version=Notice.version + 1))
        if result.rowcount:
            db.session.add(AuditLog(username="system", action="update", record_type="notice",
                                    record_id=str(notice_id),
                                    changes={"state": ["published", "ended"]}))
            closed += 1
    return closed


# --- what the public sees -------------------------------------------------------------
def public_clause(day: dt.date | None = None):
    """Return the condition a notice meets to be shown publicly on ``day``."""
    day = day or today()
    return and_(Notice.state.in_(("published", "ended")), Notice.starts_on <= day,
                Notice.ends_on >= day - dt.timedelta(days=RECENT_DAYS))


def public_notices(day: dt.date | None = None) -> list[Notice]:
    """Return the notices the public may read, running ones first, each newest first.

    Newest is the day a notice went up (then the time it was published): a long-running
    notice put up before a short new one is listed after it.
    """
    day = day or today()
    rows = db.session.scalars(select(Notice).where(public_clause(day)).order_by(
        Notice.starts_on.desc(), Notice.published_at.desc(), Notice.id.desc())).all()
    return sorted(rows, key=lambda n: n.ends_on < day)


def public_notice(notice_id: int, day: dt.date | None = None) -> Notice | None:
    """Return notice ``notice_id`` if the public may read it, else None."""
    return db.session.scalar(select(Notice).where(Notice.id == notice_id, public_clause(day)))


def open_objection_counts(notice_ids=None) -> dict[int, int]:
    """Return the number of open objections per notice."""
    query = select(Objection.notice_id, func.count()).where(Objection.state == "open")
    if notice_ids is not None:
        query = query.where(Objection.notice_id.in_(list(notice_ids)))
    return dict(db.session.execute(query.group_by(Objection.notice_id)).all())


def passed_notice(record: Assistance, day: dt.date | None = None) -> bool:
    """Tell whether ``record`` was on a list whose period ended with no open objection.

    Any notice still listing it (not withdrawn) with an open objection holds it back.
    """
    day = day or today()
    listing = select(Notice.id).join(NoticeLine).where(
        NoticeLine.assistance_id == record.id, Notice.kind == "batch",
        Notice.state.in_(("published", "ended")))
    objected = exists().where(Objection.notice_id.in_(listing), Objection.state == "open")
    if db.session.scalar(select(objected)):
        return False
    return db.session.scalar(listing.where(Notice.ends_on < day).limit(1)) is not None


# --- guards ---------------------------------------------------------------------------
def _committed(obj, key):
    history = inspect(obj).attrs[key].history
    values = history.deleted or history.unchanged
    return values[0] if values else None


def refuse_changing_what_was_published(session, flush_context, instances):
    for obj in session.deleted:
        if isinstance(obj, NoticeLine) and obj.frozen_at is not None:
            raise DomainError(_("The lines of a published notice cannot be changed."))
        if isinstance(obj, Notice) and _committed(obj, "state") not in (None, "draft"):
            raise DomainError(_("Only a draft notice can be deleted; withdraw a published "
                                "one."))
    for obj in session.dirty:
        if isinstance(obj, NoticeLine) and _committed(obj, "frozen_at") is not None \
                and session.is_modified(obj):
            raise DomainError(_("The lines of a published notice cannot be changed."))
        if isinstance(obj, Notice) and _committed(obj, "state") not in (None, "draft") and any(
                inspect(obj).attrs[key].history.has_changes() for key in PUBLISHED_FIELDS):
            raise DomainError(_("A published notice cannot be changed; withdraw it and "
                                "draft a new one."))
