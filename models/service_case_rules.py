"""The service desk workflow: received → assigned → in progress → resolved → closed.

A case is received at the desk (``receive``), with the person found again by phone or ID
or made new (``models.person_rules``) and a deadline from the settings for its type. A
manager assigns it (A) and may supervise it (督办, A); staff may take a received case on
themselves (自办). Whoever it is assigned to starts and resolves it with the 办结报告; a
return visit (回访) closes it, or reopens it when the person is not satisfied.
"""
from __future__ import annotations

import datetime as dt

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, select

from models.base import DomainError, db, today, utcnow
from models.desk_choices import (
    CASE_STATES,
    CASE_TYPES,
    CHANNELS,
    HANDLING_MODES,
    PARTNERED,
    SATISFACTION,
    parse_deadlines,
)
from models.guards import Guards, unless
from models.permissions import allows
from models.person import Person
from models.service_case import OPEN_STATES, ServiceCase
from models.settings import get_setting
from models.unit_scope import ALL, scope, visible_units
from models.user import User
from models.workflow import Field, Step, Workflow

DUE_SOON_DAYS = 3
CONSTRAINT_MESSAGES = {
    "head_count": lambda: _("A collective visit needs a head count of 2 or more."),
    "partner_named": lambda: _("Name the partner unit."),
}


# --- receiving ---------------------------------------------------------------------------
def deadline_days(case_type: str) -> int:
    """Return the days a case of ``case_type`` has (per type setting, else the default)."""
    by_type = parse_deadlines(get_setting("case_deadline_by_type"))
    return by_type.get(case_type, int(get_setting("case_deadline_days")))


def check_case(case: ServiceCase) -> None:
    """Refuse a case whose channel, type or head count is not one the desk records."""
    if case.channel not in CHANNELS:
        raise DomainError(_("Choose the channel."), field="channel")
    if case.case_type not in CASE_TYPES:
        raise DomainError(_("Choose the case type."), field="case_type")
    if case.channel == "collective":
        if not case.head_count or case.head_count < 2:
            raise DomainError(_("A collective visit needs a head count of 2 or more."),
                              field="head_count")
    else:
        case.head_count = 1
    if case.channel != "call":
        case.hotline = False
    case.summary = (case.summary or "").strip()


def receive(case: ServiceCase, person: Person, user) -> ServiceCase:
    """Record ``case`` as received now by ``user`` from ``person``, with its deadline."""
    check_case(case)
    with db.session.no_autoflush:
        db.session.add(case)
        case.person = person
        case.state, case.received_by_id = "received", user.id
        case.received_at = case.received_at or utcnow()
        case.deadline = today() + dt.timedelta(days=deadline_days(case.case_type))
    return case


# --- the steps ---------------------------------------------------------------------------
def handlers() -> list[User]:
    """Return the active users of the acting user's units who may handle cases."""
    units = visible_units()
    users = select(User).where(User.active.is_(True)).order_by(User.id)
    if units is not ALL:
        users = users.where(User.unit_id.in_(sorted(units)))
    return [u for u in db.session.scalars(users) if allows(u, "servicecase", "U")]


def _handler(user_id) -> User:
    try:
        user = db.session.get(User, int(user_id))
    except (TypeError, ValueError):
        user = None
    if user is None or user not in handlers():
        raise DomainError(_("Choose a staff member who may handle cases."))
    return user


def _mode(case: ServiceCase, mode: str, partner: str) -> None:
    mode, partner = (mode or "self").strip(), (partner or "").strip()[:100]
    if mode not in HANDLING_MODES or mode == "supervised":
        raise DomainError(_("Choose how the case is handled."))
    if mode in PARTNERED and not partner:
        raise DomainError(_("Name the partner unit."))
    if case.handling_mode != "supervised":  # supervision, once ordered, stays
        case.handling_mode = mode
    case.partner_unit = partner


def _due(value) -> dt.date | None:
    value = (value or "").strip() if isinstance(value, str) else value
    if not value:
        return None
    try:
        day = dt.date.fromisoformat(value) if isinstance(value, str) else value
    except ValueError:
        raise DomainError(_("Give the deadline as a date.")) from None
    if day < today():
        raise DomainError(_("The deadline cannot be in the past."))
    return day


def _assign(case: ServiceCase, user, assignee_id, mode="self", partner="", deadline=""):
    """Assign the case to a staff member, saying how it is handled (a manager's step)."""
    assignee = _handler(assignee_id)
    _mode(case, mode, partner)
    case.deadline = _due(deadline) or case.deadline
    case.assignee_id, case.assigned_by_id, case.assigned_at = assignee.id, user.id, utcnow()
    if case.state == "received":
        case.state = "assigned"


def _take(case: ServiceCase, user) -> None:
    """Take a received case on oneself (自办) and start on it."""
    now = utcnow()
    case.assignee_id, case.assigned_by_id, case.assigned_at = user.id, user.id, now
    case.handling_mode = case.handling_mode or "self"
    case.state, case.started_by_id, case.started_at = "in_progress", user.id, now


def _handles(case: ServiceCase, user) -> None:
    """Refuse anyone but the assignee, or someone with the authority to assign."""
    if case.assignee_id != user.id and not allows(user, "servicecase", "A"):
        raise DomainError(_("Only the staff member the case is assigned to can do this."))


def _start(case: ServiceCase, user) -> None:
    """Start handling an assigned case."""
    _handles(case, user)
    case.state, case.started_by_id, case.started_at = "in_progress", user.id, utcnow()


def _resolve(case: ServiceCase, user, report: str, result: str) -> None:
    """Conclude the case with its closing report (办结报告) and result."""
    _handles(case, user)
    report, result = (report or "").strip(), (result or "").strip()[:200]
    if not report or not result:
        raise DomainError(_("Write the closing report and the result."))
    case.report, case.result = report, result
    case.state, case.resolved_by_id, case.resolved_at = "resolved", user.id, utcnow()


def _visit(case: ServiceCase, user, satisfaction: str, note: str = "") -> None:
    """Record the return visit: closed if satisfied, reopened if not."""
    satisfaction, note = (satisfaction or "").strip(), (note or "").strip()[:200]
    if satisfaction not in SATISFACTION:
        raise DomainError(_("Choose how satisfied the person is."))
    if satisfaction == "unsatisfied" and not note:
        raise DomainError(_("Say what the person is not satisfied with."))
    case.satisfaction, case.visit_note = satisfaction, note
    case.visited_by_id, case.visited_at = user.id, utcnow()
    if satisfaction == "unsatisfied":
        case.state, case.reopened = "in_progress", (case.reopened or 0) + 1
        case.resolved_by_id = case.resolved_at = None
    else:
        case.state = "closed"


def _supervise(case: ServiceCase, user, note: str, deadline="") -> None:
    """Put an open case under the manager's supervision (督办), with instructions."""
    note = (note or "").strip()[:200]
    if not note:
        raise DomainError(_("Write the supervision instructions."))
    case.deadline = _due(deadline) or case.deadline
    case.handling_mode, case.supervision_note = "supervised", note
    case.supervised_by_id, case.supervised_at = user.id, utcnow()


WORKFLOW = Workflow("servicecase", (
    Step("take", _l("Handle it myself"), ("received",), "U", _take,
         _l("Case taken; you are handling it."),
         _l("Only an assistance officer can handle a case.")),
    Step("assign", _l("Assign"), OPEN_STATES, "A", _assign, _l("Case assigned."),
         _l("Only a centre manager can assign a case."),
         (Field("assignee_id", _l("Assignee"), kind="handler", required=True),
          Field("handling_mode", _l("Handling mode"), kind="mode", required=True),
          Field("partner_unit", _l("Partner unit"), kind="text"),
          Field("deadline", _l("Deadline"), kind="due"))),
    Step("start", _l("Start handling"), ("assigned",), "U", _start,
         _l("Case in progress."), _l("Only an assistance officer can handle a case.")),
    Step("resolve", _l("Resolve"), ("in_progress",), "U", _resolve,
         _l("Case resolved; a return visit is due."),
         _l("Only an assistance officer can resolve a case."),
         (Field("report", _l("Closing report"), required=True),
          Field("result", _l("Result"), kind="text", required=True)), style="success"),
    Step("visit", _l("Record return visit"), ("resolved",), "U", _visit,
         _l("Return visit recorded."), _l("Only an assistance officer can record it."),
         (Field("satisfaction", _l("Satisfaction"), kind="satisfaction", required=True),
          Field("note", _l("Return visit note")))),
    Step("supervise", _l("Supervise"), OPEN_STATES, "A", _supervise,
         _l("Case put under supervision."), _l("Only a centre manager can supervise a case."),
         (Field("note", _l("Supervision instructions"), required=True),
          Field("deadline", _l("Deadline"), kind="due")), style="warning"),
), wrong_state=lambda case: _("Case #%(id)d is %(state)s; this step is not possible now.",
                              id=case.id, state=CASE_STATES.get(case.state, case.state)))

take, assign, start, resolve, visit, supervise = (
    WORKFLOW.runner(n) for n in ("take", "assign", "start", "resolve", "visit", "supervise"))

GUARDS = Guards(
    edit=unless(lambda case: case.state in OPEN_STATES,
                _l("A resolved or closed case cannot be edited.")),
    delete=unless(lambda case: case.state == "received",
                  _l("Only a case not yet assigned can be deleted.")))


# --- what is due -----------------------------------------------------------------------
def open_clause():
    return ServiceCase.state.in_(OPEN_STATES)


def overdue_clause():
    """Return the clause: open cases past their deadline."""
    return and_(open_clause(), ServiceCase.deadline < today())


def due_soon_clause():
    """Return the clause: open cases due today or within the next few days."""
    return and_(open_clause(), ServiceCase.deadline >= today(),
                ServiceCase.deadline <= today() + dt.timedelta(days=DUE_SOON_DAYS))


def visit_due_clause():
    """Return the clause: resolved cases awaiting their return visit."""
    return ServiceCase.state == "resolved"


def supervised_clause():
    """Return the clause: open cases under the manager's supervision (督办)."""
    return and_(open_clause(), ServiceCase.handling_mode == "supervised")


def mine_clause(user):
    return ServiceCase.assignee_id == user.id


def earlier_contacts(person: Person, but=None, limit: int = 20) -> list[ServiceCase]:
    """Return ``person``'s cases the user may see, newest first (leaving out ``but``)."""
    query = scope(select(ServiceCase), ServiceCase).where(
        ServiceCase.person_id == person.id).order_by(ServiceCase.received_at.desc(),
                                                     ServiceCase.id.desc())
    if but is not None and but.id is not None:
        query = query.where(ServiceCase.id != but.id)
    return list(db.session.scalars(query.limit(limit)))
