from __future__ import annotations

from typing import Any

from chalicelib.core.masking import mask_id
from chalicelib.core.models import Severity
from chalicelib.evaluate.rules.context import GroupView, RuleContext
from chalicelib.evaluate.rules.registry import Source, Violation, rule


@rule(
    "unfiled",
    title="未审备",
    severity=Severity.HIGH,
    clause="管理办法 第七条(二); 通知 四",
    remedy="请按归口填写群组审备登记表并报审备部门备案;不再需要的群请及时解散。",
    judged_on={Source.ROSTER, Source.FILING},
)
def unfiled(group: GroupView, ctx: RuleContext) -> Violation | None:
    assert group.snapshot is not None
    if group.filing is not None:
        return None
    count = group.snapshot.member_count
    return Violation(
        f"该群有 {count} 名成员,但审备登记表中没有它的已备案或待审登记,应先审备后使用。",
        _evidence(group, count),
    )


def _evidence(group: GroupView, count: int) -> dict[str, Any]:
    owner = group.owner_id
    return {
        "member_count": count,
        "group_name": group.name,
        "inferred_unit_id": group.unit.unit_id if group.unit is not None else None,
        "owner": mask_id(owner) if owner else None,
    }
