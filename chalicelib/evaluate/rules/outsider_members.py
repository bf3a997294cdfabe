from __future__ import annotations

from chalicelib.core.models import Category, PersonStatus, Severity
from chalicelib.evaluate.rules.context import GroupView, RuleContext
from chalicelib.evaluate.rules.members import members_by_person
from chalicelib.evaluate.rules.registry import Source, Violation, rule

SAMPLE_SIZE = 5


@rule(
    "outsider_members",
    title="非本单位人员",
    severity=Severity.LOW,
    clause="通知 三",
    remedy="工作群成员应为本单位人员:请将其他单位人员移出;确需跨单位协作的,请改为跨单位群备案或申请豁免。",
    judged_on={Source.ROSTER, Source.FILING, Source.DIRECTORY},
)
def outsider_members(group: GroupView, ctx: RuleContext) -> Violation | None:
    if group.category is not Category.WORK or group.unit is None:
        return None
    outsiders = _outsiders(group, ctx, group.unit.unit_id)
    if not outsiders:
        return None
    directory = ctx.directory
    units = sorted({unit for i in outsiders if (unit := directory.unit_ids[i])})
    origin = "、".join(ctx.units[u].name if u in ctx.units else u for u in units[:SAMPLE_SIZE])
    return Violation(
        f"工作群内有 {len(outsiders)} 名其他单位的在职在校人员(来自 {origin}),应为 0 人。",
        {
            "outsider_count": len(outsiders),
            "units": units[:SAMPLE_SIZE],
            "members": members_by_person(group, ctx, outsiders),
        },
    )


def _outsiders(group: GroupView, ctx: RuleContext, unit_id: str) -> list[int]:
    """Directory indices of active members whose unit is set and is not the group's."""
    assert group.snapshot is not None
    directory = ctx.directory
    active = directory.with_status(PersonStatus.ACTIVE).intersection(group.snapshot.persons)
    return sorted(active - directory.in_unit(unit_id) - directory.in_unit(None))
