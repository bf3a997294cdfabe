from __future__ import annotations

from chalicelib.core.masking import mask_id, mask_name
from chalicelib.core.models import Severity
from chalicelib.evaluate.rules.context import GroupView, RuleContext
from chalicelib.evaluate.rules.members import members_by_account
from chalicelib.evaluate.rules.registry import Source, Violation, rule


@rule(
    "owner_mismatch",
    title="群主与备案不符",
    severity=Severity.MEDIUM,
    clause="管理办法 第七条(二)",
    remedy="请核实群主:如已更换群主,请更新审备登记表中的群主账号;否则请将群主转回备案人员。",
    judged_on={Source.ROSTER, Source.FILING},
    needs_filing=True,
)
def owner_mismatch(group: GroupView, ctx: RuleContext) -> Violation | None:
    assert group.snapshot is not None
    if group.filing is None:
        return None
    filed, actual = group.filing.owner_id, group.snapshot.owner_id
    if not filed or not actual or filed.strip() == actual.strip():
        return None
    return Violation(
        f"名单中的群主账号为 {mask_id(actual)},与备案的群主账号 {mask_id(filed)} 不符。",
        {
            "roster_owner": mask_id(actual),
            "filed_owner": mask_id(filed),
            "filed_owner_name": mask_name(group.filing.owner_name)
            if group.filing.owner_name
            else None,
            "members": members_by_account(group, ctx, [actual]),
        },
    )
