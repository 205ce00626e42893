"""Who may do what: the one role matrix that views, routes and domain rules all read.

Verbs: C create, R read, U update, D delete, A approve (also publish, pay, reverse, write
off, void: every step that needs a second person's authority), X export (DESIGN.md).
To change who approves loans, edit the ``"loan"`` line below: the loan rules, the loan
views, the workflow page's buttons and the access tests all follow it.
"""
from __future__ import annotations

import re

from flask_babel import gettext as _

from models.base import DomainError

ROLES = ("admin", "staff", "clerk", "manager")
VERBS = "CRUDAX"

PERMISSIONS: dict[str, dict[str, str]] = {
    "worker": {"admin": "CRUDX", "staff": "CRU", "clerk": "R", "manager": "RX"},
    "familymember": {"admin": "CRUDX", "staff": "CRU", "clerk": "R", "manager": "RX"},
    # Reviews: started (C) by staff and managers, submitted (U) by the staff member they
    # are assigned to, approved (A) by a second person with a manager's authority.
    "workerreview": {"admin": "CRUAX", "staff": "CRU", "manager": "CRAX"},
    # Episodes are written by the rules alone: read-only for everyone.
    "workerepisode": {"admin": "RX", "staff": "R", "manager": "RX"},
    # Hardship certificates (特困职工证) are written by the rules alone: read-only here.
    # Printing and re-issuing a card are the file's U (the "worker" line).
    "workercertificate": {"admin": "RX", "staff": "R", "manager": "RX"},
    "assistance": {"admin": "CRUDAX", "staff": "CRU", "manager": "RAX"},
    # A moves money between funds and reverses such a transfer (issue 18: a manager's step).
    "fund": {"admin": "CRUDAX", "staff": "R", "clerk": "R", "manager": "RAX"},
    # Ledger rows are only ever added: nobody edits or deletes them.
    "fundentry": {"admin": "CRX", "staff": "R", "clerk": "R", "manager": "RX"},
    # Stock movements, card entries and redemptions are never edited or deleted: mistakes
    # are reversed or voided (C), so nobody has U or D on them.
    "donation": {"admin": "CRUDX", "staff": "R", "clerk": "CRU", "manager": "RX"},
    "item": {"admin": "CRUDX", "staff": "R", "clerk": "CRU", "manager": "RX"},
    "stocklot": {"admin": "RX", "staff": "R", "clerk": "R", "manager": "RX"},
    "stockmovement": {"admin": "CRX", "staff": "R", "clerk": "CR", "manager": "RX"},
    "stocktake": {"admin": "CRUDX", "staff": "R", "clerk": "CRU", "manager": "RX"},
    "counter": {"admin": "CR", "clerk": "CR"},
    "lovecard": {"admin": "CRUDX", "staff": "R", "clerk": "CRU", "manager": "RX"},
    "cardentry": {"admin": "CRX", "staff": "R", "clerk": "CR", "manager": "RX"},
    "redemption": {"admin": "CRX", "staff": "R", "clerk": "CR", "manager": "RX"},
    # Goods handed out free to named people (issue 18): the clerk hands out and voids (C);
    # a hand-out is never edited once done (its U is the void's reason form only).
    "handout": {"admin": "CRUDX", "staff": "R", "clerk": "CRU", "manager": "RX"},
    "trainingclass": {"admin": "CRUDX", "staff": "CRU", "manager": "RX"},
    "enrolment": {"admin": "CRUDX", "staff": "CRU", "manager": "RX"},
    "loan": {"admin": "CRUDAX", "staff": "CRU", "manager": "RAX"},
    # Repayments are ledger rows: no U/D for anyone; A reverses a wrong one.
    "repayment": {"admin": "CRAX", "staff": "CR", "manager": "RAX"},
    # Staff draft, managers publish and withdraw (A); what was published never changes.
    "notice": {"admin": "CRUDA", "staff": "CRU", "manager": "RA"},
    # Answering an objection is U.
    "objection": {"admin": "RU", "staff": "RU", "manager": "R"},
    "user": {"admin": "CRUD"},
    "orgunit": {"admin": "CRUD", "manager": "R"},
    "auditlog": {"admin": "R", "manager": "R"},
    "setting": {"admin": "RU"},
    "report": {"admin": "RX", "manager": "RX"},
    # The service desk (issue 17): staff receive and handle; managers assign and supervise
    # (督办, A). Managers see phones and ID numbers masked (they only read people) and
    # export them masked as well (views.identity ``export_masks_identity``).
    "person": {"admin": "CRUDX", "staff": "CRU", "manager": "RX"},
    "servicecase": {"admin": "CRUDX", "staff": "CRU", "manager": "RAX"},
    # Legal cases: staff open, record sessions and close (U); a manager reopens (A) and
    # exports them with the applicant's numbers masked, as cases.
    "legalcase": {"admin": "CRUDX", "staff": "CRU", "manager": "RAX"},
    # Campaigns (issue 18): staff set them up and generate their applications (C/U);
    # managers read them and approve and pay their grants as a batch (A).
    "campaign": {"admin": "CRUDAX", "staff": "CRU", "manager": "RAX"},
    # Pairing and visits (issue 18). Managers read pairs with the cadre's phone masked.
    "pairing": {"admin": "CRUDX", "staff": "CRU", "manager": "RX"},
    "visit": {"admin": "CRUDX", "staff": "CRU", "manager": "RX"},
    # Love-card top-ups paid from a fund (issue 18): clerks ask (C) as they top cards up;
    # a manager approves one above the setting, rejects it, or reverses a posted one (A).
    "cardtopup": {"admin": "CRAX", "staff": "R", "clerk": "CR", "manager": "RAX"},
    # Employment services (issue 19): staff run the desk, managers read and export.
    "jobseeker": {"admin": "CRUDX", "staff": "CRU", "manager": "RX"},
    "employer": {"admin": "CRUDX", "staff": "CRU", "manager": "RX"},
    "vacancy": {"admin": "CRUDX", "staff": "CRU", "manager": "RX"},
    "referral": {"admin": "CRUDX", "staff": "CRU", "manager": "RX"},
}

# Roles that read a record type only as a lookup, with ID and bank-card numbers masked
# (DESIGN.md: workers, clerk "R (lookup; ID number masked)"). They see no birth date
# either, and cannot search, filter, sort, look up or export by the hidden digits
# (views.identity, for every view that shows or searches these numbers).
MASKED_IDENTITY: dict[str, tuple[str, ...]] = {"worker": ("clerk",), "familymember": ("clerk",),
                                                "person": ("manager",), "pairing": ("manager",)}
# Such a role may search those numbers only by what the mask shows: the last 4 characters.
VISIBLE_TAIL = 4
NUMBER_TAIL = re.compile(r"[0-9]{3,18}[0-9Xx]")  # 4 to 19 characters: ID or bank-card tail


def role_of(who) -> str | None:
    """Return the role of a user (or pass a role name through)."""
    return who if isinstance(who, str) or who is None else getattr(who, "role", None)


def allows(who, endpoint: str, verb: str) -> bool:
    """Tell whether ``who`` (a user or a role) may do ``verb`` on ``endpoint``."""
    role = role_of(who)
    return bool(role) and verb in PERMISSIONS.get(endpoint, {}).get(role, "")


def require(user, endpoint: str, verb: str, message: str | None = None) -> None:
    """Refuse with ``message`` unless ``user`` may do ``verb`` on ``endpoint``."""
    if not allows(user, endpoint, verb):
        raise DomainError(message or _("Your role may not do this."))


def sees_masked_identity(who, endpoint: str) -> bool:
    """Tell whether ``who`` sees ``endpoint``'s ID numbers masked."""
    return role_of(who) in MASKED_IDENTITY.get(endpoint, ())


def masked_number_pattern(term: str) -> str | None:
    """Return the LIKE pattern by which a role that sees numbers masked may match ``term``.

    The term is a suffix, but only its last 4 characters are compared, the ones the mask
    shows (110***********1234); each one before them stands for a hidden digit and
    matches any. Comparing those would let the user test guesses of the hidden digits, one
    search at a time, and rebuild the number. None when ``term`` is no number tail.
    """
    if not NUMBER_TAIL.fullmatch(term or ""):
        return None
    return "%" + "_" * (len(term) - VISIBLE_TAIL) + term[-VISIBLE_TAIL:].upper()


def roles_allowed(endpoint: str, verb: str) -> tuple[str, ...]:
    """Return the roles that may do ``verb`` on ``endpoint``."""
    return tuple(role for role in ROLES if allows(role, endpoint, verb))
