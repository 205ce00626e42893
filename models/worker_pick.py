"""Picking a worker file for aid, a loan, a class or a love card: what is shown, what is allowed.

A picker that showed only name and the last four ID digits, and silently left out files
not yet approved, offered a just-filed worker's namesake instead (issue 13.1). Every
picker therefore finds every file, names it so that namesakes differ (ID number as the
role sees it, employer, file status), lists files on record first, and the save says
why a file that is not on record cannot receive anything yet.
"""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import case

from models.choices import WORKER_STATUSES
from models.idnumber import mask_id_number
from models.worker import Worker

# Files on record first, then those waiting for review, then closed ones.
STATUS_ORDER = ("active", "pending", "exited", "removed")


def picker_label(worker: Worker) -> str:
    """Return "name · masked ID number · employer · file status" for every role.

    Enough to tell namesakes apart (first 3 and last 4 digits, employer, status), and a
    picker is no place to read a whole number: the worker's page shows it to who may.
    """
    number = mask_id_number(worker.id_number) if worker.id_number else None
    status = WORKER_STATUSES.get(worker.status, worker.status)
    return " · ".join([worker.name, number or "—", worker.employer or "—", str(status)])


def status_rank():
    """Return a SQL expression ordering files on record first (``STATUS_ORDER``)."""
    return case({status: rank for rank, status in enumerate(STATUS_ORDER)},
                value=Worker.status, else_=len(STATUS_ORDER))


def not_on_file(worker: Worker | None) -> str | None:
    """Return why nothing can be granted to ``worker`` yet, or None when the file is on record.

    The rules of aid, loans, classes and cards refuse such a worker too; this is the
    sentence the form shows beside the picked worker.
    """
    if worker is None or worker.status == "active":
        return None
    status = WORKER_STATUSES.get(worker.status, worker.status)
    if worker.status == "pending":
        return _("The file of %(name)s is %(status)s: files must be on record (approved) to "
                 "receive aid, loans, training or a love card. Approve the file first.",
                 name=worker.name, status=status)
    return _("The file of %(name)s is %(status)s: files must be on record to receive aid, "
             "loans, training or a love card. Re-open the file (返困) and approve it first.",
             name=worker.name, status=status)
