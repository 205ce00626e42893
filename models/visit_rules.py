"""The rules of visits (走访慰问), what a visit leads to, and the start page's clauses.

A visit is to a file pending (入户核实 verifies it), on record or out of hardship, never
to a withdrawn one; it is dated today or earlier; a pairing visit names a pair of the
same worker, live on the day of the visit; a linked aid record is the same worker's;
follow-up needed says what. From a visit needing follow-up, one click opens a desk case
for the worker (``open_case``, the person found again by ID number or phone, or made)
or the aid form pre-filled with the worker; the aid record saved from that form is
linked to the visit by ``link_new_aid`` (a flush hook).

Start page definitions (each both the count and the list filter):

- **files not visited this year** (``not_visited_clause``): files on record (在档) with no
  visit of any kind dated in the current calendar year.
- **三必访 due** (``must_visit_due_clause``): files on record that record a hospitalisation
  or a family change or major hardship — main hardship cause 患重特大疾病 (illness),
  遭受意外事故 (accident) or 遭受自然灾害 (disaster), or health 重病 (serious illness) —
  with no 三必访 visit (生病住院必访, 家庭变故必访 or 重大困难必访) dated within the last
  ``MUST_VISIT_DAYS`` days.
"""
from __future__ import annotations

import datetime as dt

from flask import has_request_context, request
from flask_babel import gettext as _
from sqlalchemy import and_, exists, or_, select

from models.assistance import Assistance
from models.base import DomainError, db, today
from models.pairing import Pairing
from models.permissions import allows
from models.person_rules import find_or_make
from models.service_case import ServiceCase
from models.service_case_rules import receive
from models.unit_scope import get_visible
from models.visit import MUST_VISITS, VISIT_KINDS, Visit
from models.worker import Worker

MUST_VISIT_DAYS = 180
# What a file records that calls for a 三必访.
MUST_VISIT_CAUSES = ("illness", "accident", "disaster")
CONSTRAINT_MESSAGES = {
    "pairing_named": lambda: _("A pairing visit names its pair; other visits name none."),
    "follow_up_said": lambda: _("Say what follow-up is needed."),
    "visitors_named": lambda: _("Name the visitors."),
}


def check_visit(visit: Visit) -> None:
    """Clean and check ``visit`` (see the module docstring); refuse with the field named."""
    worker = visit.worker
    if worker is None:
        raise DomainError(_("Choose the worker."), field="worker")
    if worker.status == "removed":
        raise DomainError(_("This file was withdrawn: it is not visited."), field="worker")
    if visit.kind not in VISIT_KINDS:
        raise DomainError(_("Choose the kind of visit."), field="kind")
    if visit.visited_on is None:
        raise DomainError(_("Give the day of the visit."), field="visited_on")
    if visit.visited_on > today():
        raise DomainError(_("A visit cannot be dated in the future."), field="visited_on")
    visit.visitors = (visit.visitors or "").strip()[:200]
    if not visit.visitors:
        raise DomainError(_("Name the visitors."), field="visitors")
    _check_pair(visit, worker)
    aid = visit.assistance
    if aid is not None and aid.worker is not worker and aid.worker_id != worker.id:
        raise DomainError(_("The aid record is another worker's."), field="assistance")
    visit.follow_up_note = (visit.follow_up_note or "").strip()[:200]
    if visit.follow_up and not visit.follow_up_note:
        raise DomainError(_("Say what follow-up is needed."), field="follow_up_note")
    if not visit.follow_up:
        visit.follow_up_note = ""


def _check_pair(visit: Visit, worker: Worker) -> None:
    pair = visit.pairing
    if visit.kind != "pairing":
        visit.pairing = None
        return
    if pair is None:
        raise DomainError(_("A pairing visit names its pair."), field="pairing")
    if pair.worker is not worker and pair.worker_id != worker.id:
        raise DomainError(_("The pair is another worker's."), field="pairing")
    if visit.visited_on < pair.starts_on or (pair.ended_on and visit.visited_on > pair.ended_on):
        raise DomainError(_("The pair was not live on the day of the visit."),
                          field="visited_on")


def record_visit(visit: Visit, user) -> Visit:
    """Record ``visit`` as entered by ``user``."""
    check_visit(visit)
    visit.recorded_by_id = getattr(user, "id", None)
    db.session.add(visit)
    return visit


# --- what a visit leads to ----------------------------------------------------------------
FOLLOW_UPS = ("servicecase", "assistance")


def follow_up_refusal(visit: Visit, what: str, user) -> str | None:
    """Return why ``user`` may not open ``what`` from ``visit`` now, or None."""
    if what not in FOLLOW_UPS or not allows(user, what, "C") or not allows(user, "visit", "U"):
        return _("Your role may not do this.")
    if what == "servicecase" and visit.service_case_id is not None:
        return _("A desk case was already opened from this visit.")
    if what == "assistance":
        if visit.assistance_id is not None:
            return _("An aid record is already linked to this visit.")
        if visit.worker.status != "active":
            return _("Only a worker whose file is on record can receive aid "
                     "(先建档后帮扶). Approve the file first.")
    return None


def open_case(visit: Visit, user) -> ServiceCase:
    """Open a desk case for the visited worker, from the visit's follow-up, and link it."""
    problem = follow_up_refusal(visit, "servicecase", user)
    if problem:
        raise DomainError(problem)
    worker = visit.worker
    person = find_or_make(worker.phone, worker.name, worker.id_number)
    summary = _("Follow-up of visit %(visit)s on %(day)s: %(note)s", visit=str(visit),
                day=visit.visited_on.isoformat(),
                note=visit.follow_up_note or visit.found[:100])
    case = receive(ServiceCase(channel="visit", case_type="living", summary=summary),
                   person, user)
    visit.service_case = case
    return case


def requested_visit_id() -> int | None:
    """Return the visit an aid form being saved was opened from, or None."""
    if not (has_request_context() and request.method == "POST"
            and request.endpoint == "assistance.create_view"):
        return None
    visit_id = request.args.get("visit", type=int)
    return visit_id if visit_id is not None and 0 < visit_id < 2**63 else None


def link_new_aid(session, flush_context, instances) -> None:
    """Link the aid record an aid form opened from a visit makes to that visit (a hook)."""
    visit_id = requested_visit_id()
    made = [o for o in session.new if isinstance(o, Assistance)] if visit_id else []
    if not made:
        return
    with session.no_autoflush:
        visit = get_visible(Visit, visit_id, session)
        if visit is None or visit.assistance_id is not None:
            return
        for aid in made:
            if aid.worker_id == visit.worker_id or aid.worker is visit.worker:
                visit.assistance = aid
                return


# --- the start page's clauses --------------------------------------------------------------
def not_visited_clause(day: dt.date | None = None):
    """Return the clause: files on record with no visit dated this calendar year."""
    first = (day or today()).replace(month=1, day=1)
    return and_(Worker.status == "active",
                ~exists().where(Visit.worker_id == Worker.id, Visit.visited_on >= first))


def must_visit_due_clause(day: dt.date | None = None):
    """Return the clause: files on record calling for a 三必访 with none in 180 days."""
    since = (day or today()) - dt.timedelta(days=MUST_VISIT_DAYS)
    visited = exists().where(Visit.worker_id == Worker.id, Visit.kind.in_(MUST_VISITS),
                             Visit.visited_on > since)
    return and_(Worker.status == "active",
                or_(Worker.main_cause.in_(MUST_VISIT_CAUSES), Worker.health == "serious"),
                ~visited)


def pairs_of(worker_id) -> list[Pairing]:
    """Return the worker's pairs, live first (the visit form's choices)."""
    return list(db.session.scalars(select(Pairing).where(Pairing.worker_id == worker_id)
                                   .order_by(Pairing.ended_on.is_not(None), Pairing.id.desc())))
