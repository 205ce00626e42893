"""From a desk case, one click to what it leads to, and back (有帮扶档案).

A case offers to start a legal case, a hardship file draft, or, for a person whose file
is on record (先建档后帮扶), an aid application, a loan application or a training
enrolment; each only to a role that may create it (``models.permissions``). The record is
made on its own create form, opened with the case's number in the URL (``service_case``)
and what the case knows pre-filled; when that form saves, ``link_new_outcomes`` (a flush
hook) writes the link row, so the case lists what came of it and the record finds its
case. A legal case names its desk case itself (``LegalCase.service_case_id``).
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import has_request_context, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import insert, select, update

from models.assistance import Assistance
from models.base import db
from models.legal_case import LegalCase
from models.loans import Loan
from models.permissions import allows
from models.person import Person
from models.service_case import ServiceCase
from models.service_case_outcome import ServiceCaseOutcome
from models.training import Enrolment
from models.unit_scope import acting_user, scope
from models.worker import Worker


@dataclass(frozen=True)
class Target:
    endpoint: str
    label: object        # the button
    noun: object         # what the record is called on the case page
    needs_file: bool     # only for a person whose file is on record
    model: type


TARGETS = {t.endpoint: t for t in (
    Target("legalcase", _l("Start a legal case"), _l("Legal case"), False, LegalCase),
    Target("worker", _l("Draft a hardship file"), _l("Hardship file"), False, Worker),
    Target("assistance", _l("Apply for assistance"), _l("Assistance"), True, Assistance),
    Target("loan", _l("Apply for a micro-loan"), _l("Micro-loan"), True, Loan),
    Target("enrolment", _l("Enrol in training"), _l("Enrolment"), True, Enrolment),
)}


def live_file(person: Person) -> Worker | None:
    """Return the person's hardship file when it is on record (active), else None."""
    worker = person.worker
    return worker if worker is not None and worker.status == "active" else None


def refusal(case: ServiceCase, endpoint: str, user) -> str | None:
    """Return why ``user`` may not start ``endpoint`` from ``case``, or None."""
    target = TARGETS.get(endpoint)
    if target is None or not allows(user, endpoint, "C"):
        return _("Your role may not do this.")
    if target.needs_file and live_file(case.person) is None:
        return _("Only a person whose hardship file is on record can receive aid, loans or "
                 "training (先建档后帮扶). Draft the file first.")
    if endpoint == "worker" and case.person.worker_id is not None:
        return _("This person already has a hardship file.")
    return None


def offers(case: ServiceCase, user) -> list[Target]:
    """Return what ``user`` may start from ``case`` now (the case page's buttons)."""
    return [t for t in TARGETS.values() if refusal(case, t.endpoint, user) is None]


def prefill(case: ServiceCase, endpoint: str) -> dict:
    """Return the create form's URL arguments that carry what the case knows."""
    args = {"service_case": case.id}
    person = case.person
    if endpoint == "worker":
        args.update({k: v for k, v in (("name", person.name), ("phone", person.phone),
                                       ("id_number", person.id_number),
                                       ("employer", person.employer)) if v})
    elif TARGETS[endpoint].needs_file:
        args["worker_id"] = person.worker_id
    return args


# --- recording what came of it ------------------------------------------------------------
def origin_requested() -> int | None:
    """Return the desk case a create form being saved was opened from, or None."""
    if not (has_request_context() and request.method == "POST"):
        return None
    endpoint = (request.endpoint or "").partition(".")
    if endpoint[0] not in TARGETS or endpoint[2] != "create_view":
        return None
    return request.args.get("service_case", type=int)


def link_new_outcomes(session, flush_context) -> None:
    """Link the records this flush made from a desk case's form to that case (a hook)."""
    case_id = origin_requested()
    made = [obj for obj in session.new if isinstance(obj, (Worker, Assistance, Loan,
                                                               Enrolment))] if case_id else []
    if not made:
        return
    conn = session.connection()
    found = conn.execute(scope(select(ServiceCase.id, Person.id.label("person_id"),
                                      Person.worker_id).join(Person)
                               .where(ServiceCase.id == case_id), ServiceCase)).first()
    if found is None:  # another unit's case, or none: nothing is linked
        return
    user = acting_user()
    for obj in made:
        kind = next(e for e, t in TARGETS.items() if isinstance(obj, t.model))
        if kind == "worker":
            if found.worker_id is not None:
                continue
            conn.execute(update(Person).where(Person.id == found.person_id,
                                              Person.worker_id.is_(None))
                         .values(worker_id=obj.id))
        elif obj.worker_id != found.worker_id:
            continue  # made for another household: not what came of this case
        conn.execute(insert(ServiceCaseOutcome).values(
            service_case_id=case_id, record_type=kind, record_id=obj.id,
            created_by_id=getattr(user, "id", None)))


def link(case: ServiceCase, record, user=None) -> ServiceCaseOutcome:
    """Record that ``record`` came of ``case`` (the seed and tests; forms use the hook)."""
    kind = next(e for e, t in TARGETS.items() if isinstance(record, t.model))
    row = ServiceCaseOutcome(service_case=case, record_type=kind, record_id=record.id,
                             created_by_id=getattr(user, "id", None))
    db.session.add(row)
    return row


@dataclass(frozen=True)
class Outcome:
    endpoint: str
    record_id: int
    title: str


def outcomes_of(case: ServiceCase) -> list[Outcome]:
    """Return what came of ``case``: its legal cases, then the linked records."""
    found = [Outcome("legalcase", lc.id, f"{TARGETS['legalcase'].noun} {lc}")
             for lc in db.session.scalars(scope(select(LegalCase), LegalCase).where(
                 LegalCase.service_case_id == case.id).order_by(LegalCase.id))]
    for row in db.session.scalars(select(ServiceCaseOutcome).where(
            ServiceCaseOutcome.service_case_id == case.id).order_by(ServiceCaseOutcome.id)):
        target = TARGETS[row.record_type]
        record = db.session.scalar(scope(select(target.model), target.model).where(
            target.model.id == row.record_id))
        if record is not None:
            found.append(Outcome(row.record_type, row.record_id, f"{target.noun}：{record}"))
    return found


def origin_of(endpoint: str, record_id: int) -> ServiceCase | None:
    """Return the desk case ``endpoint``'s record ``record_id`` came of, if the user sees it."""
    if endpoint == "legalcase":
        case_id = db.session.scalar(select(LegalCase.service_case_id).where(
            LegalCase.id == record_id))
    else:
        case_id = db.session.scalar(select(ServiceCaseOutcome.service_case_id).where(
            ServiceCaseOutcome.record_type == endpoint,
            ServiceCaseOutcome.record_id == record_id))
    if case_id is None:
        return None
    return db.session.scalar(scope(select(ServiceCase), ServiceCase).where(
        ServiceCase.id == case_id))
