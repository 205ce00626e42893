"""The lines of a list-of-names notice: which records may be listed, and what the public sees.

A list names approved or paid assistance, approved or disbursed micro-loans, or newly
filed workers (the notice's ``source``). ``line_values`` is the one place a line's public
values are computed: the draft's preview and the snapshot frozen at publishing.
"""
from __future__ import annotations

import datetime as dt

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm.attributes import flag_modified

from models.assistance import Assistance
from models.base import DomainError
from models.loans import Loan
from models.masking import mask_name, mask_text
from models.notice import Notice, NoticeLine
from models.worker import Worker

GRANTED = ("approved", "paid")
LOANS_LISTED = ("approved", "disbursed")
NEW_FILES = ("pending", "active")


def require_draft(notice: Notice) -> None:
    """Refuse any change to a notice that has left the draft state."""
    if notice.state != "draft":
        raise DomainError(_("Only a draft notice can be changed; notice #%(id)d is not a "
                            "draft.", id=notice.id))


def _touch(notice: Notice) -> None:
    """Make the notice's row part of this change, so its version check sees any race.

    A line added while a manager publishes would otherwise land unfrozen on a
    published notice; with the notice updated too, one of the two gets a stale version.
    """
    flag_modified(notice, "title")


def candidates(notice: Notice, kind: str = "", year: int | None = None, campaign: str = "",
               state: str = "", status: str = "", filed_since: dt.date | None = None):
    """Return the query of the records that could still be added to a list of names."""
    listed = select(NoticeLine.worker_id).where(NoticeLine.notice_id == notice.id)
    if notice.source == "worker":
        query = select(Worker).where(Worker.status.in_((status,) if status else NEW_FILES),
                                     Worker.id.not_in(listed))
        if filed_since:
            query = query.where(Worker.filed_on >= filed_since)
        return query.order_by(Worker.filed_on.desc(), Worker.id)
    if notice.source == "loan":
        listed = listed.with_only_columns(NoticeLine.loan_id).where(
            NoticeLine.loan_id.is_not(None))
        return select(Loan).where(Loan.state.in_((state,) if state in LOANS_LISTED
                                                 else LOANS_LISTED),
                                  Loan.id.not_in(listed)).order_by(Loan.id)
    listed = listed.with_only_columns(NoticeLine.assistance_id).where(
        NoticeLine.assistance_id.is_not(None))
    query = select(Assistance).where(Assistance.state.in_((state,) if state in GRANTED
                                                          else GRANTED),
                                     Assistance.id.not_in(listed))
    if kind:
        query = query.where(Assistance.kind == kind)
    if year:
        query = query.where(Assistance.year == year)
    if campaign:
        query = query.where(Assistance.campaign == campaign)
    return query.order_by(Assistance.id)


def _line_for(notice: Notice, record) -> NoticeLine:
    if notice.source == "worker":
        if not isinstance(record, Worker) or record.status not in NEW_FILES:
            raise DomainError(_("Only new worker files can be listed on this notice."))
        return NoticeLine(worker=record)
    if notice.source == "loan":
        if not isinstance(record, Loan) or record.state not in LOANS_LISTED:
            raise DomainError(_("Only approved or disbursed loans can be listed."))
        return NoticeLine(loan=record, worker=record.worker)
    if not isinstance(record, Assistance) or record.state not in GRANTED:
        raise DomainError(_("Only approved or paid assistance can be listed."))
    return NoticeLine(assistance=record, worker=record.worker)


def add_lines(notice: Notice, records) -> int:
    """Add records of the notice's source as lines of a draft list of names."""
    require_draft(notice)
    if notice.kind != "batch":
        raise DomainError(_("Only a list of names has lines."))
    _touch(notice)
    lines = [_line_for(notice, record) for record in records]
    notice.lines.extend(lines)
    return len(lines)


def remove_lines(notice: Notice, line_ids) -> int:
    """Take lines off a draft notice."""
    require_draft(notice)
    wanted = {int(i) for i in line_ids}
    gone = [line for line in notice.lines if line.id in wanted]
    _touch(notice)
    for line in gone:
        notice.lines.remove(line)
    return len(gone)


def line_values(line: NoticeLine) -> dict:
    """Return what the public sees of a line: the masked name and nothing else personal."""
    worker = line.worker
    values = {"masked_name": mask_name(worker.name), "employer": mask_text(worker.employer),
              "category": worker.category, "kind": None, "amount": None}
    if line.assistance is not None:
        values.update(kind=line.assistance.kind, amount=line.assistance.total_value)
    elif line.loan is not None:
        values.update(amount=line.loan.amount)
    return values


def check_lines(notice: Notice) -> None:
    """Refuse to publish an empty list, or one whose records are no longer listable."""
    if not notice.lines:
        raise DomainError(_("A list of names needs at least one line."))
    stale = [line for line in notice.lines if not (
        line.assistance.state in GRANTED if line.assistance is not None
        else line.loan.state in LOANS_LISTED if line.loan is not None
        else line.worker.status in NEW_FILES)]
    if stale:
        raise DomainError(_("These lines are no longer approved or on file; remove them "
                            "first: %(list)s", list="、".join(
                                mask_name(line.worker.name) for line in stale)))
