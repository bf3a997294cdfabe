"""An account's finding is resolved only by data that could show it: a register read
whole (and posts, for the rules judged on them) that still holds the account without the
finding; an account gone from both is resolved once unseen for `gone_after_days`."""

from __future__ import annotations

from datetime import timedelta

import pytest

from chalicelib.core.models import Finding, FindingStatus, Platform, Severity
from chalicelib.ledger.models import ChangeKind, EntryKey, LedgerEntry, LedgerState
from chalicelib.ledger.reconcile import Coverage, reconcile
from tests.factories import TODAY

KEY = (Platform.WECHAT_MP, "gh_3a5b7c9d1e2f")
Ledger = dict[EntryKey, LedgerEntry]


def finding(rule: str = "account_unapproved") -> Finding:
    return Finding(
        rule=rule,
        title="新媒体未审批",
        severity=Severity.HIGH,
        platform=KEY[0],
        group_id=KEY[1],
        group_name="信息学院",
        unit_id="U01",
        category=None,
        message="账号“信息学院”以学校名义注册,登记表中的审批状态为“未审批”。",
        evidence={},
        clause="通知 一.2",
        remedy="请补办审批。",
        status=FindingStatus.OPEN,
        filed=True,
    )


def opened(rule: str = "account_unapproved") -> Ledger:
    [change] = reconcile({}, [finding(rule)], TODAY, Coverage(frozenset(), frozenset()))
    return {change.entry.key: change.entry}


def next_week(ledger: Ledger, coverage: Coverage, days: int = 7) -> ChangeKind | None:
    changes = reconcile(ledger, [], TODAY + timedelta(days=days), coverage)
    return changes[0].kind if changes else None


def coverage(
    accounts_complete: bool = True,
    posts_complete: bool = True,
    directory_complete: bool = True,
    dated: bool = True,
) -> Coverage:
    """A run whose register holds the account (with a post date unless said), each source
    read whole unless said."""
    return Coverage(
        frozenset(),
        frozenset(),
        accounts=frozenset({KEY}),
        dated=frozenset({KEY}) if dated else frozenset(),
        accounts_complete=accounts_complete,
        posts_complete=posts_complete,
        directory_complete=directory_complete,
    )


def test_a_complete_register_still_holding_the_account_resolves_it() -> None:
    assert next_week(opened(), coverage()) is ChangeKind.RESOLVED


@pytest.mark.parametrize(
    ("rule", "incomplete", "resolves"),
    [
        ("account_unapproved", {"accounts_complete": False}, False),
        ("account_unapproved", {"posts_complete": False}, True),  # not judged on posts
        ("account_dormant", {"posts_complete": False}, False),
        ("account_operator_departed", {"directory_complete": False}, False),
    ],
)
def test_a_source_read_incompletely_resolves_nothing_judged_on_it(
    rule: str, incomplete: dict[str, bool], resolves: bool
) -> None:
    kind = next_week(opened(rule), coverage(**incomplete))
    assert (kind is ChangeKind.RESOLVED) is resolves
    if not resolves:
        assert kind is ChangeKind.UNSEEN


def test_an_account_gone_from_register_and_posts_is_resolved_only_after_the_grace() -> None:
    ledger = opened()
    gone = Coverage(frozenset(), frozenset())
    [unseen] = reconcile(ledger, [], TODAY + timedelta(days=7), gone)
    assert unseen.kind is ChangeKind.UNSEEN
    ledger = {unseen.entry.key: unseen.entry}
    assert next_week(ledger, gone, days=14) is None  # 7 days unseen: not yet
    [resolved] = reconcile(ledger, [], TODAY + timedelta(days=22), gone)
    assert resolved.entry.state is LedgerState.RESOLVED


def test_dormant_is_not_resolved_by_an_account_that_has_no_post_date_any_more() -> None:
    assert next_week(opened("account_dormant"), coverage(dated=False)) is ChangeKind.UNSEEN
    assert next_week(opened("account_unapproved"), coverage(dated=False)) is ChangeKind.RESOLVED
