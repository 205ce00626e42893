"""The text written into ledgers: Chinese, from the choice labels, whatever the UI speaks.

A ledger row is never edited, so its text is written once for every later reader: an
English interface (``PORTAL_LOCALE=en``) must not leave English, and a choice's code
(``medical``) is never written where its label (医疗救助) belongs.
"""
from __future__ import annotations

from flask_babel import force_locale
from flask_babel import gettext as _

from models.choices import ASSISTANCE_KINDS

LEDGER_LOCALE = "zh_CN"


def assistance_payment(name: str, kind: str) -> str:
    """Return the reason of an aid payment: the worker's name and the kind's label."""
    with force_locale(LEDGER_LOCALE):
        return f"{name} {ASSISTANCE_KINDS.get(kind, kind)}"


def donation_in(donor: str) -> str:
    """Return the reason of a cash donation's entry into its fund."""
    with force_locale(LEDGER_LOCALE):
        return _("Donation from %(donor)s", donor=donor)


def stocktake_note(number: str) -> str:
    """Return the note of a stocktake's adjusting movement."""
    with force_locale(LEDGER_LOCALE):
        return _("Stocktake %(no)s", no=number)


def transfer_note(other_fund: str, outgoing: bool, reason: str) -> str:
    """Return the reason of one side of a transfer: the other fund and the reason given."""
    with force_locale(LEDGER_LOCALE):
        text = (_("To %(fund)s: %(reason)s", fund=other_fund, reason=reason) if outgoing
                else _("From %(fund)s: %(reason)s", fund=other_fund, reason=reason))
    return text[:200]


def transfer_reversal_note(document: str, reason: str) -> str:
    """Return the reason of an entry that reverses one side of transfer ``document``."""
    with force_locale(LEDGER_LOCALE):
        return _("Reversal of transfer %(no)s: %(reason)s", no=document, reason=reason)[:200]
