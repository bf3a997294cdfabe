from __future__ import annotations

from chalicelib.core.masking import mask_id, mask_name
from chalicelib.core.models import PersonStatus, Severity
from chalicelib.evaluate.rules.context import GroupView, RuleContext
from chalicelib.evaluate.rules.members import members_by_account
from chalicelib.evaluate.rules.registry import Source, Violation, rule


@rule(
    "owner_departed",
    title="群主已离职离校",
    severity=Severity.HIGH,
    clause="管理办法 第五条(一)",
    remedy="请由本单位指定一名在职在校人员接任群主,转让群主后再提交新名单。",
    needs_snapshot=False,
    judged_on={Source.ROSTER, Source.FILING, Source.DIRECTORY},
)
def owner_departed(group: GroupView, ctx: RuleContext) -> Violation | None:
    owner = group.owner_id
    if not owner:
        return None
    index = ctx.directory.index_of(group.platform, owner)
    if index is None or ctx.directory.statuses[index] is not PersonStatus.DEPARTED:
        return None
    person = ctx.directory.person(index)
    left = f"(离开日期 {person.left_on.isoformat()})" if person.left_on else "(离开日期不详)"
    name = mask_name(person.name)
    return Violation(
        f"群主 {name} 在人员名册中已离职离校{left},群主应由本单位在职在校人员担任。",
        {
            "owner": mask_id(owner),
            "owner_name": name,
            "left_on": person.left_on.isoformat() if person.left_on else None,
            "owner_from": _owner_source(group, owner),
            "members": members_by_account(group, ctx, [owner]),
        },
    )


def _owner_source(group: GroupView, owner: str) -> str:
    snapshot = group.snapshot
    return "roster" if snapshot is not None and snapshot.owner_id == owner else "filing"
