from __future__ import annotations

from datetime import timedelta

from chalicelib.core.models import Severity
from chalicelib.evaluate.rules.context import GroupView, RuleContext
from chalicelib.evaluate.rules.registry import Source, Violation, rule


@rule(
    "expired",
    title="临时群到期未解散",
    severity=Severity.HIGH,
    clause="通知 一.2; 管理办法 第七条(三)",
    remedy="临时任务已结束,请解散该群并在登记表中注销;确需延续的,请更新截止日期并重新审备。",
    needs_snapshot=False,
    judged_on={Source.FILING},
    needs_filing=True,
)
def expired(group: GroupView, ctx: RuleContext) -> Violation | None:
    if group.filing is None or group.filing.end_on is None:
        return None
    end_on = group.filing.end_on
    grace = ctx.settings.expired_grace_days
    if ctx.today <= end_on + timedelta(days=grace):
        return None
    overdue = (ctx.today - end_on).days
    return Violation(
        f"备案截止日期为 {end_on.isoformat()},已过期 {overdue} 天,超过宽限期 {grace} 天仍未解散。",
        {"end_on": end_on.isoformat(), "days_past_end": overdue, "expired_grace_days": grace},
    )
