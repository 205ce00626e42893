"""Masking: what the public may see of a name, an ID number or a phone number."""
from __future__ import annotations

import re

import pytest

from models.masking import mask_id_number, mask_name, mask_phone, mask_text
from tests.factories import id_number


@pytest.mark.parametrize("name,masked", [
    ("", ""),
    ("张", "*"),                 # one character: the whole name is hidden
    ("张明", "张*"),
    ("张晓明", "张*明"),
    ("王小二明", "王**明"),
    ("欧阳娜娜", "欧**娜"),       # compound surname: first and last character only (documented)
    ("司马相如", "司**如"),
    ("欧阳明", "欧*明"),
    ("诸葛", "诸*"),
    (" 张 晓明 ", "张*明"),       # spaces typed into the file do not shift the mask
    ("阿依古丽·买买提", "阿******提"),
])
def test_mask_name(name, masked):
    assert mask_name(name) == masked
    if len(name.strip()) >= 2:
        assert name.strip() not in mask_name(name)


def test_mask_name_keeps_only_the_ends_whatever_the_length():
    """No masked name reveals more than its first and last character."""
    for n in range(3, 12):
        name = "".join(chr(0x4E00 + i * 7) for i in range(n))
        masked = mask_name(name)
        assert masked[0] == name[0] and masked[-1] == name[-1]
        assert set(masked[1:-1]) == {"*"} and len(masked) == n


def test_id_numbers_show_at_most_first_three_and_last_four():
    number = id_number()
    masked = mask_id_number(number)
    assert masked == number[:3] + "*" * 11 + number[-4:]
    assert number[6:14] not in masked  # the birth date is always hidden


def test_mask_phone():
    assert mask_phone("139-1234-5678") == "139****5678"
    assert mask_phone("1234") == "****"


def test_mask_text_hides_id_card_and_mobile_numbers():
    number = id_number()
    text = (f"身份证{number}，旧证370102800517123，卡号6222020200112233445，"
            f"手机13912345678、+86 139 1234 5678、139-1234-5678；"
            f"中心电话0531-86001234，金额2000.00元，日期2026-11-29。")
    masked = mask_text(text)
    assert number not in masked and mask_id_number(number) in masked
    assert "370102800517123" not in masked and "6222020200112233445" not in masked
    assert not re.search(r"1[3-9]\d[- ]?\d{4}[- ]?\d{4}", masked)
    assert masked.count("139****5678") == 3
    # A landline, an amount and a date are not personal: they stay.
    for kept in ("0531-86001234", "2000.00", "2026-11-29"):
        assert kept in masked


def test_mask_text_leaves_lower_case_x_id_numbers_masked_too():
    number = next(n for n in (id_number() for _ in range(300)) if n.endswith("X"))
    assert number.lower() not in mask_text(f"证号{number.lower()}")
