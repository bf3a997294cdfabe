from __future__ import annotations

from chalicelib.core.models import Severity
from chalicelib.evaluate.rules.context import GroupView, RuleContext
from chalicelib.evaluate.rules.registry import Source, Violation, rule


@rule(
    "filing_stale",
    title="备案未复核",
    severity=Severity.LOW,
    clause="管理办法 第七条(二)",
    remedy="请向审备部门复核该群的登记信息(用途、群主、责任人),并在登记表中填写复核日期。",
    needs_snapshot=False,
    judged_on={Source.FILING},
    needs_filing=True,
)
def filing_stale(group: GroupView, ctx: RuleContext) -> Violation | None:
    filing = group.filing
    if filing is None:
        return None
    last = max(filing.filed_on, filing.reviewed_on or filing.filed_on)
    days = ctx.settings.filing_review_days
    if last >= ctx.days_ago(days):
        return None
    elapsed = (ctx.today - last).days
    return Violation(
        f"最近一次备案或复核在 {last.isoformat()},已 {elapsed} 天未复核,超过 {days} 天。",
        {
            "filed_on": filing.filed_on.isoformat(),
            "reviewed_on": filing.reviewed_on.isoformat() if filing.reviewed_on else None,
            "days_since_review": elapsed,
            "filing_review_days": days,
        },
    )
