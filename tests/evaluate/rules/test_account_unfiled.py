from __future__ import annotations

from chalicelib.core.models import Platform
from chalicelib.evaluate.rules.account_unfiled import account_unfiled
from tests.factories import days_before, make_account, make_account_view, make_context


def test_flags_an_account_seen_in_posts_but_not_registered() -> None:
    view = make_account_view(
        None, last_post_on=days_before(3), name="信息学院学生会", key=(Platform.WEIBO, "7712345678")
    )
    violation = account_unfiled(view, make_context())
    assert violation is not None
    assert violation.message == (
        "账号“信息学院学生会”在发布记录中出现(最近发布 2026-09-04),但不在新媒体账号登记表中,"
        "所有新媒体账号都须登记备案。"
    )
    assert violation.evidence["registered"] is False


def test_flags_a_register_row_without_filing_date() -> None:
    view = make_account_view(make_account(filed_on=None))
    violation = account_unfiled(view, make_context())
    assert violation is not None
    assert "没有登记日期" in violation.message
    assert violation.evidence == {"registered": True, "filed_on": None}


def test_passes_a_filed_account() -> None:
    assert account_unfiled(make_account_view(make_account()), make_context()) is None
