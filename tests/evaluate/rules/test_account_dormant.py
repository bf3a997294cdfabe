from __future__ import annotations

from chalicelib.core.models import AccountStatus
from chalicelib.evaluate.rules.account_dormant import account_dormant
from tests.factories import (
    days_before,
    make_account,
    make_account_view,
    make_context,
    make_settings,
)


def test_flags_an_operating_account_silent_for_more_than_180_days() -> None:
    view = make_account_view(make_account(name="信息学院"), last_post_on=days_before(181))
    violation = account_dormant(view, make_context())
    assert violation is not None
    assert violation.message == (
        "账号“信息学院”最近一次发布是 2026-03-10,已 181 天未更新,超过 180 天即为长期未更新。"
    )
    assert violation.evidence["days_idle"] == 181


def test_passes_at_exactly_the_limit() -> None:
    view = make_account_view(make_account(), last_post_on=days_before(180))
    assert account_dormant(view, make_context()) is None


def test_passes_a_paused_account_and_an_account_without_post_dates() -> None:
    paused = make_account_view(
        make_account(status=AccountStatus.PAUSED), last_post_on=days_before(400)
    )
    unknown = make_account_view(make_account(), last_post_on=None)
    assert account_dormant(paused, make_context()) is None
    assert account_dormant(unknown, make_context()) is None


def test_the_limit_is_a_setting() -> None:
    view = make_account_view(make_account(), last_post_on=days_before(31))
    context = make_context(settings=make_settings(account_dormant_days=30))
    assert account_dormant(view, context) is not None
