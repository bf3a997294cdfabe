from __future__ import annotations

from chalicelib.core.models import Severity
from chalicelib.evaluate.rules.context import GroupView, RuleContext
from chalicelib.evaluate.rules.registry import Source, Violation, rule


@rule(
    "roster_missing",
    title="未提交名单",
    severity=Severity.MEDIUM,
    clause="通知 四",
    remedy="请导出该群的成员名单(含群主、入群时间和最后发言时间)并上传;已解散的群请在登记表中注销。",
    needs_snapshot=False,
    judged_on={Source.ROSTER, Source.FILING},
    needs_filing=True,
    fixed_by_roster=True,
)
def roster_missing(group: GroupView, ctx: RuleContext) -> Violation | None:
    if group.filing is None or group.snapshot is not None:
        return None
    days = ctx.settings.roster_max_age_days
    evidence = {
        "roster_max_age_days": days,
        "filing_status": group.filing.status.value,
        "filed_on": group.filing.filed_on.isoformat(),
    }
    if group.stale_export is None:
        return Violation("该群已登记,但从未收到该群的成员名单。", evidence)
    exported = group.stale_export.date()
    return Violation(
        f"该群已登记,但最近一份成员名单导出于 {exported.isoformat()},"
        f"已超过 {days} 天,超过 {days} 天的名单不予采用。",
        {**evidence, "last_export_on": exported.isoformat()},
    )
