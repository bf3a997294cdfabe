from __future__ import annotations

from chalicelib.core.models import Severity
from chalicelib.evaluate.rules.context import GroupView, RuleContext
from chalicelib.evaluate.rules.members import members_by_account
from chalicelib.evaluate.rules.registry import Source, Violation, rule


@rule(
    "unidentified_members",
    title="不明身份人员",
    severity=Severity.MEDIUM,
    clause="管理办法 第四条(三), 第五条(二)",
    remedy="请核实这些账号的实名身份:本单位人员请补充到人员名册,无关人员请移出本群。",
    judged_on={Source.ROSTER, Source.DIRECTORY},
)
def unidentified_members(group: GroupView, ctx: RuleContext) -> Violation | None:
    snapshot = group.snapshot
    assert snapshot is not None
    count = snapshot.unmapped_count
    if count < 1:
        return None
    return Violation(
        f"群内有 {count} 名成员的账号不在人员名册中,无法确认实名身份,应为 0 人。",
        {
            "unmapped_count": count,
            "member_count": snapshot.member_count,
            "members": members_by_account(group, ctx, snapshot.unmapped_ids),
        },
    )
