from __future__ import annotations

from chalicelib.core.models import Severity
from chalicelib.core.values import fold
from chalicelib.evaluate.rules.context import AccountView, RuleContext
from chalicelib.evaluate.rules.registry import Source, Violation, account_rule


@account_rule(
    "account_borrowed_name",
    title="冒用上级名义",
    severity=Severity.HIGH,
    clause="通知 一.1",
    remedy="账号名称不得使用上级单位的名义;请立即更名或注销,并更新登记表。",
    judged_on={Source.ACCOUNTS, Source.POSTS},
)
def account_borrowed_name(account: AccountView, ctx: RuleContext) -> Violation | None:
    name = fold(account.name)
    words = [w for w in ctx.settings.borrowed_name_words if w.strip() and fold(w) in name]
    if not words:
        return None
    listed = "、".join(words)
    return Violation(
        f"账号名称“{account.name}”含有上级单位名称“{listed}”,不得以上级单位名义开设新媒体账号。",
        {"words": words},
    )
