"""The service desk's choices and their labels (接待登记), declared once."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from models.base import DomainError

CHANNELS = {
    "visit": _l("Visit"),
    "call": _l("Phone call"),
    "letter": _l("Letter"),
    "online": _l("Online"),
    "collective": _l("Collective visit"),
}

CASE_TYPES = {
    "living": _l("Living assistance"),
    "medical": _l("Medical mutual aid"),
    "job": _l("Job placement"),
    "training": _l("Skills training"),
    "loan": _l("Micro-loan"),
    "wages": _l("Migrant workers' rights and unpaid wages"),
    "legal_aid": _l("Legal aid"),
    "mediation": _l("Labour dispute mediation"),
    "counselling": _l("Psychological counselling"),
    "policy": _l("Policy enquiry"),
    "complaint": _l("Complaint or suggestion"),
    "other": _l("Other"),
}

HANDLING_MODES = {
    "self": _l("Handled by us"),
    "assist": _l("With a partner unit"),
    "transfer": _l("Handed to a unit"),
    "supervised": _l("Supervised by the manager"),
}
# Modes whose partner unit must be named.
PARTNERED = ("assist", "transfer")

CASE_STATES = {
    "received": _l("Received"),
    "assigned": _l("Assigned"),
    "in_progress": _l("In progress"),
    "resolved": _l("Resolved, awaiting return visit"),
    "closed": _l("Closed"),
}

SATISFACTION = {
    "satisfied": _l("Satisfied"),
    "basic": _l("Basically satisfied"),
    "unsatisfied": _l("Not satisfied"),
}


def parse_deadlines(raw) -> dict[str, int]:
    """Return the days per case type written as ``type=days`` pairs; refuse bad ones.

    A type is its name as people read it (劳动争议调解=30) or its code (mediation=30,
    as stored); pairs are separated by commas (either width) or 、.
    """
    by_name = {str(name): code for code, name in CASE_TYPES.items()}
    days = {}
    text = str(raw or "").replace("，", ",").replace("、", ",").replace("＝", "=")
    for part in text.split(","):
        if not part.strip():
            continue
        name, _sep, value = part.partition("=")
        code = by_name.get(name.strip(), name.strip())
        if code not in CASE_TYPES or not value.strip().isdigit() or int(value) < 1:
            raise DomainError(_("Write each case type's deadline as type=days, e.g. "
                                "%(example)s=30; not understood: %(part)s",
                                example=CASE_TYPES["mediation"], part=part.strip()))
        days[code] = int(value)
    return days


def deadlines_code_text(raw) -> str:
    """Return the deadlines ``raw`` as stored: ``code=days`` pairs in the types' order."""
    days = parse_deadlines(raw)
    return ",".join(f"{code}={days[code]}" for code in CASE_TYPES if code in days)


def deadlines_text(raw) -> str:
    """Return stored deadlines as people read and edit them: 劳动争议调解=30，…"""
    try:
        days = parse_deadlines(raw)
    except DomainError:
        return str(raw)
    return "，".join(f"{CASE_TYPES[code]}={days[code]}" for code in CASE_TYPES if code in days)
