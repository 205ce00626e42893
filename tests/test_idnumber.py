"""Resident ID numbers: validation, derived birth date and gender, masking."""
from __future__ import annotations

import datetime as dt

import pytest

from models.base import freeze_today
from models.idnumber import (
    InvalidIdNumber,
    birth_date_of,
    gender_of,
    make_id_number,
    mask_id_number,
    normalize_id_number,
)

VALID = "11010519491231002X"  # GB 11643 example number


def test_valid_number_passes_and_tells_birth_and_gender(ctx):
    """A valid number is kept; birth date and gender come from it."""
    assert normalize_id_number(VALID) == VALID
    assert birth_date_of(VALID) == dt.date(1949, 12, 31)
    assert gender_of(VALID) == "F"
    assert gender_of(make_id_number("370102", dt.date(1980, 1, 2), 11)) == "M"


def test_lowercase_x_is_stored_upper_case(ctx):
    """A lowercase check character x is accepted and stored as X."""
    assert normalize_id_number(" 11010519491231002x ") == VALID


@pytest.mark.parametrize("bad,fragment", [
    ("110105194912310021", "校验位"),     # bad check digit
    ("110105194902300029", "出生日期"),   # 30 February
    ("11010519491231002", "18"),          # 17 digits
    ("1101051949123100XX", "17"),          # letter inside
])
def test_bad_numbers_are_refused_in_chinese(ctx, bad, fragment):
    """Each kind of bad number is refused with a Chinese message naming the problem."""
    with pytest.raises(InvalidIdNumber) as err:
        normalize_id_number(bad)
    assert fragment in str(err.value)


def test_future_birth_date_is_refused(ctx):
    """A number whose birth date is after today is refused."""
    freeze_today(dt.date(2026, 11, 29))
    future = make_id_number("370102", dt.date(2027, 1, 1), 123)
    with pytest.raises(InvalidIdNumber) as err:
        normalize_id_number(future)
    assert "晚于今天" in str(err.value)


def test_mask_keeps_first_three_and_last_four():
    """Masking shows at most the first 3 and last 4 characters."""
    assert mask_id_number(VALID) == "110***********002X"
    assert mask_id_number(None) == ""
