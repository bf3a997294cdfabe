from __future__ import annotations

from chalicelib.core.models import AccountStatus, Severity
from chalicelib.evaluate.rules.context import AccountView, RuleContext
from chalicelib.evaluate.rules.registry import Source, Violation, account_rule


@account_rule(
    "account_dormant",
    title="新媒体长期未更新",
    severity=Severity.MEDIUM,
    clause="通知 一.2",
    remedy="长期不更新的“僵尸”账号请注销,或恢复更新;确需保留但暂停更新的,请在登记表中把状态改为“停更”并说明理由。",
    judged_on={Source.ACCOUNTS, Source.POSTS},
    needs_post_date=True,
)
def account_dormant(account: AccountView, ctx: RuleContext) -> Violation | None:
    """No post date at all is a warning of the scan, never a finding (scan.py)."""
    last = account.last_post_on
    days = ctx.settings.account_dormant_days
    if account.status is not AccountStatus.ACTIVE or last is None or last >= ctx.days_ago(days):
        return None
    idle = (ctx.today - last).days
    return Violation(
        f"账号“{account.name}”最近一次发布是 {last.isoformat()},已 {idle} 天未更新,"
        f"超过 {days} 天即为长期未更新。",
        {"last_post_on": last, "days_idle": idle, "limit_days": days},
    )
