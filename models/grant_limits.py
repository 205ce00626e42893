"""Amount standards for single grants: the most cash one grant of a kind gives.

The limits are settings (``grant_limit_<kind>``, 0 = no limit). An application above its
kind's limit may be filed, but approving it needs a manager's written reason
(``limit_override_reason``), and paying checks again: no approved or paid record stands
above its limit without one. A CHECK cannot read settings, so this rule is the guard.
"""
from __future__ import annotations

from decimal import Decimal

from flask_babel import gettext as _

from models.base import DomainError
from models.choices import ASSISTANCE_KINDS
from models.settings import get_setting, grant_limit_key


def grant_limit(kind: str) -> Decimal | None:
    """Return the cash limit of one grant of ``kind``, or None when there is none."""
    if kind not in ASSISTANCE_KINDS:
        return None
    limit = Decimal(get_setting(grant_limit_key(kind)) or 0)
    return limit if limit > 0 else None


def over_limit(record) -> bool:
    """Tell whether ``record`` asks for more cash than one grant of its kind may give."""
    limit = grant_limit(record.kind)
    return limit is not None and Decimal(record.cash_amount or 0) > limit


def needs_limit_override(record) -> bool:
    """Tell whether approving ``record`` needs a manager's reason for exceeding the limit."""
    return record.state == "verified" and over_limit(record)


def check_limit(record, reason: str = "") -> str:
    """Return the reason that lets ``record`` exceed its limit; refuse when none is given."""
    reason = (reason or record.limit_override_reason or "").strip()
    if over_limit(record) and not reason:
        raise DomainError(_(
            "%(amount)s yuan is above the limit of %(limit)s yuan for one grant of %(kind)s. "
            "A manager's written reason is needed to approve it.",
            amount=f"{Decimal(record.cash_amount):,.2f}",
            limit=f"{grant_limit(record.kind):,.2f}",
            kind=ASSISTANCE_KINDS.get(record.kind, record.kind)))
    return reason if over_limit(record) else ""


def limit_text(record) -> str:
    """Return the limit of the record's kind and how the asked amount stands against it."""
    limit = grant_limit(record.kind)
    if limit is None:
        return _("No limit for this kind")
    if over_limit(record):
        return _("%(limit)s yuan; %(amount)s yuan asked is %(over)s yuan above it",
                 limit=f"{limit:,.2f}", amount=f"{Decimal(record.cash_amount):,.2f}",
                 over=f"{Decimal(record.cash_amount) - limit:,.2f}")
    return _("%(limit)s yuan; within it", limit=f"{limit:,.2f}")
