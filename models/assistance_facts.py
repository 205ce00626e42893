"""The facts a manager decides an assistance record on, gathered for its workflow page."""
from __future__ import annotations

from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import select

from models.assistance import Assistance
from models.assistance_rules import GRANTED_STATES
from models.base import db
from models.choices import ASSISTANCE_KINDS, ASSISTANCE_STATES, WORKER_CATEGORIES
from models.grant_limits import limit_text
from models.previews import yuan

EMPTY = "—"


def aid_this_year(record: Assistance) -> list[Assistance]:
    """Return the worker's other approved or paid records of the record's year, oldest first."""
    return list(db.session.scalars(select(Assistance).where(
        Assistance.worker_id == record.worker_id, Assistance.year == record.year,
        Assistance.id != record.id, Assistance.state.in_(GRANTED_STATES))
        .order_by(Assistance.id)))


def earlier_aid_text(records: list[Assistance]) -> str:
    """Return the earlier aid of the year in one line: count, total and each record."""
    if not records:
        return _("None this year")
    total = sum((r.total_value for r in records), Decimal("0"))
    each = "；".join(f"#{r.id} {ASSISTANCE_KINDS.get(r.kind, r.kind)} {yuan(r.total_value)}"
                    f"（{ASSISTANCE_STATES.get(r.state, r.state)}）" for r in records)
    return _("%(n)d time(s), %(total)s in all: %(each)s", n=len(records), total=yuan(total),
             each=each)


def decision_facts(record: Assistance) -> list[tuple[str, str]]:
    """Return ``(label, value)`` rows: the application, the household and the money."""
    worker, fund = record.worker, record.fund
    income = worker.per_capita_income
    rows = [
        (_("Reason for aid"), record.reason or EMPTY),
        (_("Cash requested"), yuan(record.cash_amount)),
        (_("Grant limit for this kind"), limit_text(record)),
        (_("Goods"), f"{record.goods}（{yuan(record.goods_value)}）" if record.goods else EMPTY),
        (_("Out-of-pocket cost"), yuan(record.out_of_pocket) if record.out_of_pocket else EMPTY),
        (_("Household category"), str(WORKER_CATEGORIES.get(worker.category, EMPTY))),
        (_("Per-capita monthly income"), _("%(amount)s (household of %(n)d)", amount=yuan(
            income), n=worker.household_size or 1) if income is not None else EMPTY),
        (_("Aid earlier this year"), earlier_aid_text(aid_this_year(record))),
    ]
    if fund is not None and record.state not in ("applied", "verified", "approved"):
        # Paid, reversed or rejected: nothing more will be drawn, so no "after paying this".
        rows.append((_("Fund balance"), _("%(fund)s: %(balance)s now", fund=fund.name,
                                          balance=yuan(fund.balance))))
    elif fund is not None:
        after = Decimal(fund.balance) - Decimal(record.cash_amount or 0)
        rows.append((_("Fund balance"), _("%(fund)s: %(balance)s; %(after)s after paying this",
                                          fund=fund.name, balance=yuan(fund.balance),
                                          after=yuan(after))))
    else:
        rows.append((_("Fund balance"), _("No fund chosen yet")))
    return rows
