"""Masking: account ids, names, addresses, and what a member's name in a group may hold."""

from __future__ import annotations

import pytest

from chalicelib.core.masking import mask_address, mask_id, mask_name, mask_shown_name


def test_ids_names_and_addresses() -> None:
    assert mask_id("1234567889") == "12****89"
    assert mask_id("123") == "1**"
    assert mask_name("张三") == "张*"
    assert mask_name("欧阳娜娜") == "欧**娜"
    assert mask_address("zhang.san@example.edu.cn") == "z***@example.edu.cn"


@pytest.mark.parametrize(
    ("shown", "person", "expected"),
    [
        ("黄宇彤老师", "黄宇彤", "黄*彤老师"),
        ("25级-许天岚", "许天岚", "25级-许*岚"),
        ("张三13812345678", None, "张三13****78"),
        ("李四 li.si@example.edu.cn", None, "李四 l***@example.edu.cn"),
        ("学号202210000989王五", "王五", "学号20****89王*"),
        ("小太阳☀", None, "小太阳☀"),  # a nickname is how the member is found: kept
        ("2024级会计2班", None, "2024级会计2班"),  # short numbers are not ids
        ("工号123456", None, "工号12****56"),  # six digits are an id already
        ("班长12345", None, "班长12345"),  # five are not
    ],
)
def test_a_name_shown_in_a_group_masks_the_persons_name_and_any_number_or_address(
    shown: str, person: str | None, expected: str
) -> None:
    assert mask_shown_name(shown, person) == expected
