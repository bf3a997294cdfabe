from __future__ import annotations

from chalicelib.core.models import Severity
from chalicelib.evaluate.rules.context import GroupView, RuleContext
from chalicelib.evaluate.rules.registry import Source, Violation, rule


@rule(
    "oversized",
    title="超规模",
    severity=Severity.MEDIUM,
    clause="管理办法 第五条(四)",
    remedy="请移出与本群工作无关的成员,或按工作需要拆分群组,将人数控制在上限以内;确需超限的,请申请豁免并写明上限。",
    waiver_sets_limit=True,
    judged_on={Source.ROSTER},
)
def oversized(group: GroupView, ctx: RuleContext) -> Violation | None:
    assert group.snapshot is not None
    limit = ctx.waiver_limit(group, "oversized")
    if limit is None:
        limit = ctx.settings.max_members
    count = group.snapshot.member_count
    if count > limit:
        return Violation(
            f"群成员 {count} 人,超过上限 {limit} 人。",
            {"member_count": count, "limit": limit},
        )
    return None
