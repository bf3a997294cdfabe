from __future__ import annotations

from datetime import date

from chalicelib.core.models import Severity
from chalicelib.evaluate.rules.context import GroupView, RuleContext
from chalicelib.evaluate.rules.registry import Source, Violation, rule


@rule(
    "inactive",
    title="僵尸群",
    severity=Severity.MEDIUM,
    clause="通知 一.2",
    remedy="长期不用的群请解散,并在登记表中注销;仍需保留的,请写明用途并申请豁免。",
    judged_on={Source.ROSTER, Source.FILING},
)
def inactive(group: GroupView, ctx: RuleContext) -> Violation | None:
    snapshot = group.snapshot
    assert snapshot is not None
    if not snapshot.has_activity:
        return None
    days = ctx.settings.inactive_days
    cutoff = ctx.days_ago(days)
    last = snapshot.last_spoke_on
    if last is not None and last >= cutoff:
        return None
    started = _age_start(group)
    if started is not None and started >= cutoff:
        return None
    evidence = {
        "last_spoke_on": last.isoformat() if last is not None else None,
        "age_start": started.isoformat() if started is not None else None,
        "inactive_days": days,
    }
    if last is None:
        return Violation(f"群内从未有人发言,{_age_text(ctx, started)},超过 {days} 天。", evidence)
    silent = (ctx.today - last).days
    message = f"最后一次发言在 {last.isoformat()},已 {silent} 天无人发言,超过 {days} 天。"
    return Violation(message, {**evidence, "days_silent": silent})


def _age_text(ctx: RuleContext, started: date | None) -> str:
    if started is None:
        return "建群时间不详(按已超期计)"
    return f"自 {started.isoformat()} 建群已 {(ctx.today - started).days} 天"


def _age_start(group: GroupView) -> date | None:
    """The earliest of the members' joined dates and the filing date; None when unknown."""
    assert group.snapshot is not None
    known = [group.snapshot.first_joined_on]
    if group.filing is not None:
        known.append(group.filing.filed_on)
    return min((day for day in known if day is not None), default=None)
