"""Values checked where they are read: text, ids, email addresses, plausible dates."""

from __future__ import annotations

import random
import string
import unicodedata
from datetime import date

import pytest
from email_validator import EmailNotValidError, validate_email

from chalicelib.core.dates import DateFormatError, check_not_future, parse_date
from chalicelib.core.errors import ValueRefused
from chalicelib.core.values import check_email, clean_text, fold, normalize_id

TODAY = date(2026, 11, 16)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("计算机学院工作群", ("计算机学院工作群", False)),
        ("  计算机\u200b学院\x00群\x1b[31m ", ("计算机学院群[31m", False)),
        ("\u202e群作工院学", ("群作工院学", False)),  # a right-to-left override is dropped
        ("群" * 250, ("群" * 200, True)),
    ],
)
def test_clean_text_removes_invisible_characters_and_cuts_to_the_limit(
    value: str, expected: tuple[str, bool]
) -> None:
    assert clean_text(value, 200) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("795425564", "795425564"),
        (" 795425564 ", "795425564"),
        ("795425564.0", "795425564"),  # pandas, for an id column with blanks
        ("７９５４２５５６４", "795425564"),  # full-width digits
        ("7954\u200b25564", "795425564"),  # a zero-width space pasted in
        ("wxid_abc123", "wxid_abc123"),
        ("wrOgQhDgAAMYQiS5ol9G7gK9JVAAAA", "wrOgQhDgAAMYQiS5ol9G7gK9JVAAAA"),
        ("", ""),
    ],
)
def test_normalize_id_reads_the_id_whatever_tool_wrote_it(value: str, expected: str) -> None:
    assert normalize_id(value, 64) == expected


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("2.02605E+14", "科学计数法"),
        ("7.95425564e8", "科学计数法"),
        ("1" * 65, "账号过长"),
        ("x" * 100_000, "账号过长"),
    ],
)
def test_normalize_id_refuses_what_cannot_be_an_id(value: str, reason: str) -> None:
    with pytest.raises(ValueRefused, match=reason):
        normalize_id(value, 64)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("zhang.san@example.edu.cn", "zhang.san@example.edu.cn"),
        (" Zhang.San@Example.EDU.cn ", "Zhang.San@example.edu.cn"),
        ("teacher@例子.中国", "teacher@xn--fsqu00a.xn--fiqs8s"),  # punycode on the wire
    ],
)
def test_check_email_accepts_one_address(value: str, expected: str) -> None:
    assert check_email(value) == expected


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("a@example.edu.cn\nBcc: everyone@example.edu.cn", "换行"),
        ("a@example.edu.cn\r\nX-Injected: 1", "换行"),
        ("张三 <a@example.edu.cn>", "显示名"),
        ("a@example.edu.cn, b@example.edu.cn", "多个地址"),
        ("a@example.edu.cn;b@example.edu.cn", "多个地址"),
        ("a@b@example.edu.cn", "多个地址"),
        ("a@localhost", "格式不正确"),
        ("a@example.invalid", "格式不正确"),
        ("张三@example.edu.cn", "格式不正确"),  # SES cannot send to a non-ASCII mailbox
        ("not an address", "多个地址或空格"),
    ],
)
def test_check_email_refuses_anything_but_one_plain_address(value: str, reason: str) -> None:
    with pytest.raises(ValueRefused, match=reason):
        check_email(value)


def test_check_email_fast_path_agrees_with_email_validator() -> None:
    # GIVEN many random address-like strings (seeded: the test is repeatable)
    chooser = random.Random(20261116)
    alphabet = string.ascii_letters + string.digits + "._%+-@"
    for _ in range(20_000):
        text = "".join(chooser.choice(alphabet) for _ in range(chooser.randint(3, 24)))
        if "@" not in text:
            text = f"{text[:3]}@{text[3:]}{chooser.choice(['.cn', '.edu.cn', '.c', '.test'])}"
        # WHEN both check it THEN they accept and refuse the same ones
        try:
            ours: str | None = check_email(text).lower()
        except ValueRefused:
            ours = None
        try:
            checked = validate_email(text, check_deliverability=False, allow_smtputf8=False)
            theirs: str | None = str(checked.ascii_email).lower()
        except EmailNotValidError:
            theirs = None
        assert ours == theirs, text


def test_fold_matches_a_kangxi_radical_and_full_width_letters() -> None:
    assert fold("⼯作群") == fold("工作群")
    assert fold("ＣＳ学院") == fold("cs学院")


@pytest.mark.parametrize("text", ["9999-12-31", "2101-01-01", "2173-10-14 08:00"])
def test_a_date_after_2100_is_refused(text: str) -> None:
    with pytest.raises(DateFormatError, match="2100-12-31"):
        parse_date(text)


def test_a_date_that_has_happened_may_be_at_most_one_day_after_today() -> None:
    assert check_not_future(date(2026, 11, 17), TODAY, "2026-11-17") == date(2026, 11, 17)
    with pytest.raises(DateFormatError, match="晚于检查日 2026-11-16"):
        check_not_future(date(2026, 11, 18), TODAY, "2026-11-18")


@pytest.mark.parametrize(
    "account", ["wxid_doue5hbgkk5m", "ZhangSan", "zhang san", "a1e5", "wx-1+2", "U01_张"]
)
def test_the_fast_path_for_letter_ids_gives_what_the_full_check_gives(account: str) -> None:
    full = unicodedata.normalize("NFKC", account).strip()
    assert normalize_id(account, 64) == full
    assert normalize_id(f" {account}\u200b", 64) == full  # the full check, by the slow path
