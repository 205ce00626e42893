"""One batch notice (公示) for a campaign's grants: a draft list of names, one line per
approved grant not yet on a notice, for the existing notice machinery (masking at
publishing, objections, "passed notice" before paying where the setting asks)."""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import and_, exists, func, insert, literal, select

from models.assistance import Assistance
from models.base import DomainError, db
from models.campaign import Campaign
from models.notice import Notice, NoticeLine
from models.permissions import require

LISTED_STATES = ("approved", "paid")


def unlisted(campaign: Campaign):
    """Return the clause: the campaign's granted records on no notice still standing."""
    on_notice = exists().where(NoticeLine.assistance_id == Assistance.id,
                               NoticeLine.notice_id == Notice.id,
                               Notice.state != "withdrawn")
    return and_(Assistance.campaign_id == campaign.id,
                Assistance.state.in_(LISTED_STATES), ~on_notice)


def unlisted_count(campaign: Campaign) -> int:
    """Return how many of the campaign's granted records a new notice would list."""
    return db.session.scalar(select(func.count()).where(unlisted(campaign)))


def draft_notice(campaign: Campaign, user, audit=None) -> tuple[Notice, int]:
    """Draft a list-of-names notice of the campaign's granted records not yet listed;
    return it and its number of lines. ``audit`` is ``portal.audit.log_created_since``
    (the lines are written by one INSERT … SELECT, which the flush hook never sees)."""
    require(user, "notice", "C", _("Your role may not draft notices."))
    if not unlisted_count(campaign):
        raise DomainError(_("No approved grant of this campaign is waiting for a notice."))
    notice = Notice(kind="batch", source="assistance", state="draft", body="",
                    title=_("%(name)s: list of grants for public notice",
                            name=campaign.name)[:120],
                    created_by_id=user.id, unit_id=campaign.unit_id)
    db.session.add(notice)
    db.session.flush()
    table = NoticeLine.__table__
    ids = db.session.scalars(insert(table).from_select(
        ("notice_id", "worker_id", "assistance_id", "masked_name", "employer"),
        select(literal(notice.id), Assistance.worker_id, Assistance.id, literal(""),
               literal("")).where(unlisted(campaign)).order_by(Assistance.id))
        .returning(table.c.id)).all()
    if audit is not None:
        audit(NoticeLine, ids, user)
    lines = db.session.scalar(select(func.count()).where(NoticeLine.notice_id == notice.id))
    return notice, lines
