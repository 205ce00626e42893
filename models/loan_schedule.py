"""Loan arithmetic, exact to the fen: schedules, allocation, days overdue, arrears buckets.

Pure functions over plain values or instalment-like objects (``due_on``, ``amount_due``,
``amount_paid``, ``met_on``), so they are tested without a database.
"""
from __future__ import annotations

import calendar
import datetime as dt
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
# (code, first day, last day) of each arrears bucket; the last is open-ended.
BUCKETS = (("1-30", 1, 30), ("31-60", 31, 60), ("61-90", 61, 90), ("90+", 91, None))


class BadAmount(ValueError):
    """The text is not an amount of yuan with at most two decimals."""


def to_amount(value) -> Decimal:
    """Return ``value`` (text or number, never float) as yuan; refuse more than two decimals."""
    if isinstance(value, float):
        raise BadAmount(value)
    try:
        amount = Decimal(str(value).strip().replace(",", "").replace("，", ""))
    except InvalidOperation:
        raise BadAmount(value) from None
    if not amount.is_finite() or amount != amount.quantize(CENT):
        raise BadAmount(value)
    return amount.quantize(CENT)


def add_months(day: dt.date, months: int) -> dt.date:
    """Return the same day ``months`` later, or the month's last day when it is shorter."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def split(total: Decimal, parts: int) -> list[Decimal]:
    """Split ``total`` into ``parts`` equal amounts in fen; the last absorbs the rounding."""
    each = (total / parts).quantize(CENT, rounding=ROUND_DOWN)
    return [each] * (parts - 1) + [total - each * (parts - 1)]


def flat_interest(principal: Decimal, annual_rate: Decimal, months: int) -> Decimal:
    """Return simple interest on the principal for the term (rate in % a year)."""
    return (principal * annual_rate * months / Decimal(1200)).quantize(CENT, ROUND_HALF_UP)


def make_schedule(principal: Decimal, months: int, issued_on: dt.date,
                  annual_rate: Decimal = ZERO) -> list[dict]:
    """Return the instalments: number, due date (monthly from issue), principal, interest."""
    principal = to_amount(principal)
    principals = split(principal, months)
    interests = split(flat_interest(principal, Decimal(annual_rate or 0), months), months)
    return [{"number": n, "due_on": add_months(issued_on, n), "principal": p, "interest": i,
             "amount_due": p + i}
            for n, (p, i) in enumerate(zip(principals, interests, strict=True), start=1)]


def allocate(instalments, payments) -> None:
    """Set each instalment's paid amount and date met by applying ``payments`` in order,
    each to the oldest unpaid instalment first.

    ``payments`` are ``(paid_on, amount)``; the schedule is rebuilt from nothing, so a
    reversed repayment left out of ``payments`` restores the schedule exactly.
    """
    ordered = sorted(instalments, key=lambda i: i.due_on)
    for instalment in ordered:
        instalment.amount_paid, instalment.met_on = ZERO, None
    queue = iter(ordered)
    current = next(queue, None)
    for paid_on, amount in payments:
        left = amount
        while left > 0:
            if current is None:
                raise ValueError("payments exceed the schedule")
            take = min(left, current.amount_due - current.amount_paid)
            current.amount_paid += take
            left -= take
            if current.amount_paid == current.amount_due:
                current.met_on = paid_on
                current = next(queue, None)


def unpaid(instalments) -> list:
    """Return the instalments not yet paid in full, oldest first."""
    return sorted((i for i in instalments if i.amount_paid < i.amount_due),
                  key=lambda i: i.due_on)


def next_due_on(instalments) -> dt.date | None:
    """Return the due date of the oldest instalment not paid in full."""
    left = unpaid(instalments)
    return left[0].due_on if left else None


def days_overdue(instalments, as_of: dt.date) -> int:
    """Return the days since the oldest unpaid instalment fell due (0 when none has)."""
    due = next_due_on(instalments)
    return max(0, (as_of - due).days) if due else 0


def arrears(instalments, as_of: dt.date) -> Decimal:
    """Return the amount fallen due before ``as_of`` and not paid."""
    return sum((i.amount_due - i.amount_paid for i in unpaid(instalments) if i.due_on < as_of),
               ZERO)


def bucket(days: int) -> str | None:
    """Return the arrears bucket of ``days`` overdue: 1-30, 31-60, 61-90, 90+ (or None)."""
    for code, first, last in BUCKETS:
        if days >= first and (last is None or days <= last):
            return code
    return None
