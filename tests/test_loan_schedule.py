"""Loan arithmetic without a database: schedules to the fen, allocation, overdue buckets."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest

from models.loan_schedule import (
    BadAmount,
    add_months,
    allocate,
    arrears,
    bucket,
    days_overdue,
    make_schedule,
    next_due_on,
    to_amount,
)

D = Decimal


def instalments(amounts, first_due=dt.date(2026, 2, 15)):
    """Return schedule lines as plain objects, one month apart."""
    return [SimpleNamespace(number=n, due_on=add_months(first_due, n - 1), amount_due=D(a),
                            amount_paid=D("0.00"), met_on=None)
            for n, a in enumerate(amounts, start=1)]


def test_ten_thousand_over_seven_months():
    """10000.00 over 7 months: 1428.57 six times and 1428.58 last."""
    lines = make_schedule(D("10000.00"), 7, dt.date(2026, 1, 15))
    assert [line["amount_due"] for line in lines] == [D("1428.57")] * 6 + [D("1428.58")]
    assert sum(line["amount_due"] for line in lines) == D("10000.00")
    assert [line["number"] for line in lines] == list(range(1, 8))
    assert lines[0]["due_on"] == dt.date(2026, 2, 15)
    assert lines[-1]["due_on"] == dt.date(2026, 8, 15)


@pytest.mark.parametrize("principal,months", [
    ("10000.00", 7), ("100.00", 3), ("200.00", 3), ("0.05", 6), ("99999.99", 36),
    ("1.00", 60), ("30000.00", 24), ("12345.67", 11), ("50000.01", 13)])
def test_schedules_sum_exactly_to_the_principal(principal, months):
    """Every line is in whole fen, all but the last are equal, and they add up exactly."""
    lines = make_schedule(D(principal), months, dt.date(2026, 1, 31))
    dues = [line["amount_due"] for line in lines]
    assert len(dues) == months and sum(dues) == D(principal)
    assert len(set(dues[:-1])) <= 1 and dues[-1] >= dues[0] >= 0
    assert all(d == d.quantize(D("0.01")) for d in dues)
    assert dues[-1] - dues[0] < D("0.01") * months


def test_interest_is_flat_and_split_the_same_way():
    """12000 at 3 % a year over 12 months: 360 interest, 1030 a month."""
    lines = make_schedule(D("12000.00"), 12, dt.date(2026, 1, 1), D("3"))
    assert sum(line["interest"] for line in lines) == D("360.00")
    assert {line["amount_due"] for line in lines} == {D("1030.00")}


@pytest.mark.parametrize("day,months,expected", [
    (dt.date(2026, 1, 31), 1, dt.date(2026, 2, 28)),
    (dt.date(2028, 1, 31), 1, dt.date(2028, 2, 29)),
    (dt.date(2026, 11, 30), 3, dt.date(2027, 2, 28)),
    (dt.date(2026, 12, 15), 1, dt.date(2027, 1, 15)),
    (dt.date(2026, 3, 31), 1, dt.date(2026, 4, 30))])
def test_due_dates_keep_the_day_or_take_the_month_end(day, months, expected):
    assert add_months(day, months) == expected


def test_allocation_fills_the_oldest_instalment_first():
    """A payment pays off the oldest line, then part of the next; dates met are kept."""
    lines = instalments(["1428.57"] * 6 + ["1428.58"])
    allocate(lines, [(dt.date(2026, 2, 10), D("2000.00")), (dt.date(2026, 3, 1), D("900.00"))])
    assert [line.amount_paid for line in lines[:4]] == [D("1428.57"), D("1428.57"), D("42.86"),
                                                        D("0.00")]
    assert [line.met_on for line in lines[:3]] == [dt.date(2026, 2, 10), dt.date(2026, 3, 1),
                                                   None]
    assert next_due_on(lines) == lines[2].due_on


def test_allocation_without_a_reversed_payment_restores_the_schedule():
    """Rebuilding from the payments that stand gives back the schedule before the mistake."""
    lines = instalments(["500.00"] * 4)
    allocate(lines, [(dt.date(2026, 2, 1), D("500.00"))])
    before = [(line.amount_paid, line.met_on) for line in lines]
    allocate(lines, [(dt.date(2026, 2, 1), D("500.00")), (dt.date(2026, 2, 2), D("750.00"))])
    assert lines[1].met_on == dt.date(2026, 2, 2)
    allocate(lines, [(dt.date(2026, 2, 1), D("500.00"))])
    assert [(line.amount_paid, line.met_on) for line in lines] == before


def test_allocation_refuses_more_than_the_schedule():
    with pytest.raises(ValueError):
        allocate(instalments(["100.00"]), [(dt.date(2026, 2, 1), D("100.01"))])


@pytest.mark.parametrize("as_of,days,code", [
    (dt.date(2026, 2, 15), 0, None), (dt.date(2026, 2, 16), 1, "1-30"),
    (dt.date(2026, 3, 17), 30, "1-30"), (dt.date(2026, 3, 18), 31, "31-60"),
    (dt.date(2026, 4, 16), 60, "31-60"), (dt.date(2026, 4, 17), 61, "61-90"),
    (dt.date(2026, 5, 16), 90, "61-90"), (dt.date(2026, 5, 17), 91, "90+"),
    (dt.date(2027, 5, 17), 456, "90+")])
def test_days_overdue_and_bucket_on_given_dates(as_of, days, code):
    """Counted from the oldest unpaid due date (2026-02-15); due that day is not late yet."""
    lines = instalments(["1000.00"] * 3)
    assert days_overdue(lines, as_of) == days
    assert bucket(days) == code


def test_arrears_count_only_what_fell_due():
    lines = instalments(["1000.00"] * 3)
    allocate(lines, [(dt.date(2026, 2, 1), D("400.00"))])
    assert arrears(lines, dt.date(2026, 2, 15)) == D("0.00")
    assert arrears(lines, dt.date(2026, 3, 20)) == D("1600.00")
    assert days_overdue(lines, dt.date(2026, 3, 20)) == 33


@pytest.mark.parametrize("text,expected", [
    ("1428.57", D("1428.57")), ("1,000", D("1000.00")), (" 12.5 ", D("12.50")),
    (D("3"), D("3.00"))])
def test_amounts_are_read_exactly(text, expected):
    assert to_amount(text) == expected


@pytest.mark.parametrize("text", ["12.345", "abc", "", "NaN", "Infinity", 12.5])
def test_bad_amounts_and_floats_are_refused(text):
    with pytest.raises(BadAmount):
        to_amount(text)
