from __future__ import annotations

from chalicelib.core.models import Severity, Unit
from chalicelib.core.values import fold
from chalicelib.evaluate.rules.context import GroupView, RuleContext
from chalicelib.evaluate.rules.registry import Source, Violation, rule


@rule(
    "naming",
    title="群名不规范",
    severity=Severity.LOW,
    clause="管理办法 第四条(一)",
    remedy="请修改群名,使其包含所在单位或组织的核心词(如单位简称),并同步更新审备登记表。",
    needs_snapshot=False,
    # DIRECTORY: an unfiled group's unit may be its owner's
    judged_on={Source.ROSTER, Source.FILING, Source.DIRECTORY},
)
def naming(group: GroupView, ctx: RuleContext) -> Violation | None:
    if group.unit is None:
        return None
    name = group.name or ""
    keywords = unit_keywords(group.unit)
    folded = fold(name)
    if any(fold(keyword) in folded for keyword in keywords):
        return None
    listed = "、".join(keywords)
    observed = f"群名“{name}”" if name else "群名为空,"
    return Violation(
        f"{observed}不含本单位核心词({listed}),群名须包含其中至少一个。",
        {"group_name": name, "unit_id": group.unit.unit_id, "keywords": list(keywords)},
    )


def unit_keywords(unit: Unit) -> tuple[str, ...]:
    """The unit's non-blank keywords; its name when none are listed."""
    keywords = tuple(k.strip() for k in unit.keywords if k.strip())
    return keywords or (unit.name,)
