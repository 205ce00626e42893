"""Snapshots of a household's facts: taken at approval and with each review, applied on
approval of a review, and read back as the file's income history."""
from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _
from sqlalchemy import select

from models.base import DomainError, db, today
from models.worker_review import WorkerSnapshot

# The facts a review re-checks, beside the household members' incomes and health.
FACT_KEYS = ("household_size", "household_income", "essential_spending", "health",
             "employer", "employer_nature", "on_dibao", "housing_type", "housing_area")
MEMBER_KEYS = ("name", "relation", "health", "monthly_income", "school_or_work")
MONEY_KEYS = ("household_income", "essential_spending", "housing_area")


def _plain(value):
    """Return ``value`` as JSON keeps it (decimals as text, so no cent is lost)."""
    return str(value) if isinstance(value, Decimal) else value


def facts_of(worker) -> dict:
    """Return the checked facts of ``worker`` as they stand now."""
    facts = {key: _plain(getattr(worker, key)) for key in FACT_KEYS}
    facts["members"] = [{"id": m.id, **{k: _plain(getattr(m, k)) for k in MEMBER_KEYS}}
                        for m in worker.members]
    return facts


def money(value, label) -> Decimal:
    """Return ``value`` as a non-negative amount, or refuse naming ``label``."""
    try:
        amount = Decimal(str(value).strip() or "0")
    except (InvalidOperation, ValueError):
        amount = None
    if amount is None or not amount.is_finite() or amount < 0 or amount >= 10**10:
        raise DomainError(_("%(field)s must be an amount of zero or more.", field=label))
    return amount.quantize(Decimal("0.01"))


def take_snapshot(worker, user, source: str, facts: dict | None = None,
                  accepted: bool = False) -> WorkerSnapshot:
    """Record ``facts`` (default: the file's own) as the household's facts today."""
    from models.worker_rules import per_capita_monthly_income

    facts = facts if facts is not None else facts_of(worker)
    size = int(facts.get("household_size") or 1)
    income = Decimal(str(facts.get("household_income") or 0))
    spending = Decimal(str(facts.get("essential_spending") or 0))
    snapshot = WorkerSnapshot(
        worker=worker, taken_on=today(), taken_by_id=getattr(user, "id", None),
        source=source, accepted_on=today() if accepted else None, facts=facts,
        category=facts.get("category", worker.category), household_size=size,
        household_income=income, essential_spending=spending,
        per_capita_income=per_capita_monthly_income(income, spending, size),
        on_dibao=bool(facts.get("on_dibao")))
    db.session.add(snapshot)
    return snapshot


def apply_snapshot(worker, snapshot: WorkerSnapshot) -> None:
    """Update the file from an accepted snapshot: its facts, its members' incomes."""
    facts = snapshot.facts
    for key in FACT_KEYS:
        if key in facts:
            value = facts[key]
            setattr(worker, key, Decimal(value) if key in MONEY_KEYS and value is not None
                    else value)
    by_id = {m.get("id"): m for m in facts.get("members", [])}
    for member in worker.members:
        seen = by_id.get(member.id)
        if seen is not None:
            member.monthly_income = Decimal(str(seen.get("monthly_income") or 0))
            member.health = seen.get("health")
            member.school_or_work = seen.get("school_or_work") or ""
    if snapshot.category:
        worker.category = snapshot.category
    snapshot.accepted_on = today()


def history(worker_id: int) -> list[WorkerSnapshot]:
    """Return the file's accepted snapshots, oldest first."""
    return list(db.session.scalars(select(WorkerSnapshot).where(
        WorkerSnapshot.worker_id == worker_id, WorkerSnapshot.accepted_on.is_not(None))
        .order_by(WorkerSnapshot.accepted_on, WorkerSnapshot.id)))


def income_at_filing_and_now(worker_id: int) -> tuple[Decimal | None, Decimal | None]:
    """Return the monthly income per person at filing and as last checked."""
    rows = history(worker_id)
    if not rows:
        return None, None
    return rows[0].per_capita_income, rows[-1].per_capita_income
