"""The legal case workflow: opened (from a desk case or directly) → sessions → closed.

``open_case`` checks what was typed (the credit code with python-stdnum, amounts in
yuan, the head count) and stamps who opened it; the steps, declared once below, record a
session, close the case with its outcome (required) and what was recovered, and let a
manager reopen a closed one with a reason. Nothing here moves a fund: the amounts are
what the workers claimed and got back.
"""
from __future__ import annotations

from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from stdnum.cn import uscc
from stdnum.exceptions import ValidationError as BadNumber

from models.base import DomainError, db, utcnow
from models.guards import Guards, ids_used_by, unless
from models.legal_case import (
    DISPUTE_TYPES,
    LEGAL_STATES,
    OUTCOMES,
    RECOVERING,
    ROUTES,
    LegalCase,
    LegalSession,
)
from models.loan_rules import parse_day
from models.loan_schedule import BadAmount, to_amount
from models.workflow import Field, Step, Workflow

CONSTRAINT_MESSAGES = {
    "ck_legal_case_amount_claimed": lambda: _("The amount claimed cannot be negative."),
    "ck_legal_case_amount_recovered": lambda: _("The amount recovered cannot be negative."),
    "ck_legal_case_head_count": lambda: _("A legal case has at least one applicant."),
    "ck_legal_case_workers_benefited": lambda: _(
        "Workers benefited: from 0 to the number of applicants."),
    "ck_legal_case_recovered_when_won": lambda: _(
        "Money recovered is recorded only for a successful or partly successful case."),
}
# What a desk case's type suggests the dispute is about.
DISPUTE_OF_CASE_TYPE = {"wages": "wages", "mediation": "contract", "legal_aid": "other"}


# --- checking what was typed -------------------------------------------------------------
def clean_credit_code(raw) -> str | None:
    """Return a valid unified social credit code (compact, upper case), None when blank."""
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        return uscc.validate(raw)
    except BadNumber:
        raise DomainError(_("The unified social credit code is not valid (18 characters, "
                            "check character included)."), field="credit_code") from None


def yuan(value, message) -> Decimal:
    """Return ``value`` as yuan (two decimals, zero when blank), refusing negatives."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return Decimal("0.00")
    try:
        amount = to_amount(value)
    except BadAmount:
        raise DomainError(_("Enter an amount in yuan with at most two decimals.")) from None
    if amount < 0:
        raise DomainError(message)
    return amount


def check_legal_case(case: LegalCase) -> None:
    """Refuse a legal case whose choices, amounts, head count or credit code are wrong."""
    if case.person is None and case.person_id is None:
        raise DomainError(_("Choose the applicant."), field="person")
    if case.dispute_type not in DISPUTE_TYPES:
        raise DomainError(_("Choose the dispute type."), field="dispute_type")
    if case.route not in ROUTES:
        raise DomainError(_("Choose the route."), field="route")
    if case.head_count is None:
        case.head_count = 1
    if case.head_count < 1:
        raise DomainError(_("A legal case has at least one applicant."), field="head_count")
    case.amount_claimed = yuan(case.amount_claimed,
                               _("The amount claimed cannot be negative."))
    case.credit_code = clean_credit_code(case.credit_code)
    case.employer_name = (case.employer_name or "").strip()
    case.summary = (case.summary or "").strip()


def open_case(case: LegalCase, user, service_case=None) -> LegalCase:
    """Record ``case`` as opened now by ``user`` (from ``service_case`` when given)."""
    with db.session.no_autoflush:
        if service_case is not None:
            case.service_case = service_case
            case.person = case.person or service_case.person
        check_legal_case(case)
        db.session.add(case)
        case.state, case.opened_by_id, case.opened_at = "open", user.id, utcnow()
    return case


def prefill_from(service_case) -> dict:
    """Return a new legal case's values taken from a desk case and its person."""
    person = service_case.person
    return {"person": person, "head_count": service_case.head_count,
            "employer_name": person.employer or "",
            "dispute_type": DISPUTE_OF_CASE_TYPE.get(service_case.case_type, "other"),
            "summary": service_case.summary or ""}


# --- the steps ---------------------------------------------------------------------------
def _session(case: LegalCase, user, held_on, handler: str, note: str = "") -> LegalSession:
    """Record a mediation session, hearing or consultation held on the case."""
    handler = (handler or "").strip()[:50]
    if not handler:
        raise DomainError(_("Say who handled the session."))
    # Not checked against the day the case was opened: a dispute is often recorded after
    # its first sessions. Only a future date is refused.
    session = LegalSession(held_on=parse_day(held_on), handler=handler, note=(note or "").strip(),
                           recorded_by_id=user.id)
    case.sessions.append(session)
    return session


def _close(case: LegalCase, user, outcome: str, recovered="", benefited="",
           closed_on="") -> None:
    """Close the case with its outcome, the money recovered and the workers it helped."""
    outcome = (outcome or "").strip()
    if outcome not in OUTCOMES:
        raise DomainError(_("Choose the outcome."))
    amount = yuan(recovered, _("The amount recovered cannot be negative."))
    if amount and outcome not in RECOVERING:
        raise DomainError(_("Money recovered is recorded only for a successful or partly "
                            "successful case."))
    count = _count(benefited, case.head_count if outcome in RECOVERING else 0)
    if count > case.head_count:
        raise DomainError(_("Workers benefited: from 0 to the number of applicants."))
    day = parse_day(closed_on)
    case.outcome, case.amount_recovered, case.workers_benefited = outcome, amount, count
    case.state, case.closed_on, case.closed_by_id = "closed", day, user.id


def _count(value, default: int) -> int:
    value = str(value if value is not None else "").strip()
    if not value:
        return default
    if not value.isdigit():
        raise DomainError(_("Workers benefited: from 0 to the number of applicants."))
    return int(value)


def _reopen(case: LegalCase, user, reason: str) -> None:
    """Reopen a closed case (a manager's step), saying why; its outcome is cleared."""
    reason = (reason or "").strip()[:200]
    if not reason:
        raise DomainError(_("Say why the case is reopened."))
    case.state, case.outcome, case.closed_on, case.closed_by_id = "open", None, None, None
    case.amount_recovered, case.workers_benefited = Decimal("0.00"), 0
    case.reopened, case.reopen_reason = (case.reopened or 0) + 1, reason


WORKFLOW = Workflow("legalcase", (
    Step("session", _l("Record a session"), ("open",), "U", _session,
         _l("Session recorded."), _l("Only an assistance officer can record a session."),
         (Field("held_on", _l("Session date"), kind="date", required=True),
          Field("handler", _l("Handled by"), kind="text", required=True),
          Field("note", _l("Note")))),
    Step("close", _l("Close the case"), ("open",), "U", _close, _l("Legal case closed."),
         _l("Only an assistance officer can close a legal case."),
         (Field("outcome", _l("Outcome"), kind="outcome", required=True),
          Field("amount_recovered", _l("Amount recovered (yuan)"), kind="amount"),
          Field("workers_benefited", _l("Workers benefited"), kind="text"),
          Field("closed_on", _l("Closed on"), kind="date", required=True)), style="success"),
    Step("reopen", _l("Reopen"), ("closed",), "A", _reopen, _l("Legal case reopened."),
         _l("Only a centre manager can reopen a legal case."),
         (Field("reason", _l("Reason for reopening"), required=True),), style="warning"),
), wrong_state=lambda case: _("Legal case %(no)s is %(state)s; this step is not possible now.",
                              no=str(case), state=LEGAL_STATES.get(case.state, case.state)))

record_session, close, reopen = (WORKFLOW.runner(n) for n in ("session", "close", "reopen"))

GUARDS = Guards(
    edit=unless(lambda case: case.state == "open", _l("A closed legal case cannot be edited.")),
    delete=unless(lambda case: case.state == "open" and not case.sessions,
                  _l("Only an open legal case without sessions can be deleted.")),
    # The list page asks for its rows at once: one query, not a sessions load per row.
    deletes_refused=lambda cases: {c.id for c in cases if c.state != "open"}
    | ids_used_by(LegalSession.legal_case_id, cases))
