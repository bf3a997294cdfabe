"""What a form may carry, without AWS."""

from __future__ import annotations

from datetime import date

import pytest

from chalicelib.portal import forms

TODAY = date(2026, 11, 18)


def test_text_is_trimmed_bounded_and_free_of_invisible_characters() -> None:
    assert forms.text("  整改完成\r\n已解散  ", "理由", 500, required=True) == "整改完成\n已解散"
    assert forms.text("", "理由", 500, required=False) == ""
    for bad in ("\x00", "\x1b[31m", "\u200b", "\u202e", "\ufeff", "\ue000"):
        with pytest.raises(forms.FormRefused, match="控制字符"):
            forms.text(f"a{bad}b", "理由", 500, required=True)
    assert forms.text("字" * 500, "理由", 500, required=True)
    with pytest.raises(forms.FormRefused, match="不能超过 500 个字"):
        forms.text("字" * 501, "理由", 500, required=True)


def test_a_waiver_ends_after_today_and_within_the_limit() -> None:
    assert forms.until("2027-11-18", TODAY, 365) == date(2027, 11, 18)
    for value, why in (
        ("2027-11-19", "最长 365 天"),
        ("2026-11-18", "晚于今天"),
        ("明年", "年-月-日"),
    ):
        with pytest.raises(forms.FormRefused, match=why):
            forms.until(value, TODAY, 365)


def test_a_form_body_is_bounded_and_each_field_given_once() -> None:
    assert forms.fields(b"a=1&b=%E4%B8%AD") == {"a": "1", "b": "中"}
    with pytest.raises(forms.FormRefused, match="重复"):
        forms.fields(b"a=1&a=2")
    with pytest.raises(forms.FormRefused, match="过大"):
        forms.fields(b"a=" + b"x" * forms.MAX_FORM_BYTES)
    with pytest.raises(forms.FormRefused, match="无法识别"):
        forms.fields(b"a=\xff\xfe")
