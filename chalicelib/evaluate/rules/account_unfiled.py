from __future__ import annotations

from chalicelib.core.models import Severity
from chalicelib.evaluate.rules.context import AccountView, RuleContext
from chalicelib.evaluate.rules.registry import Source, Violation, account_rule


@account_rule(
    "account_unfiled",
    title="新媒体未登记",
    severity=Severity.HIGH,
    clause="通知 一.3, 四",
    remedy="请将该账号填入新媒体账号登记表并注明登记日期、所属单位和运营者;不再使用的账号请注销。",
    judged_on={Source.ACCOUNTS, Source.POSTS},
)
def account_unfiled(account: AccountView, ctx: RuleContext) -> Violation | None:
    if account.account is None:
        posted = account.last_post_on.isoformat() if account.last_post_on else "不详"
        return Violation(
            f"账号“{account.name}”在发布记录中出现(最近发布 {posted}),但不在新媒体账号登记表中,"
            "所有新媒体账号都须登记备案。",
            {"registered": False, "last_post_on": account.last_post_on},
        )
    if account.filed:
        return None
    return Violation(
        f"账号“{account.name}”在登记表中没有登记日期,视为未登记备案,所有新媒体账号都须登记备案。",
        {"registered": True, "filed_on": None},
    )
