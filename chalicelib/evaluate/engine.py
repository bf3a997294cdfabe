"""Evaluate every rule on every group and turn what they saw into findings."""

from __future__ import annotations

from collections.abc import Iterable

from chalicelib.core.models import Finding, FindingStatus
from chalicelib.evaluate.rules import REGISTRY, GroupView, Rule, RuleContext, Violation


def evaluate(groups: Iterable[GroupView], ctx: RuleContext) -> list[Finding]:
    findings = []
    for group in groups:
        for rule in REGISTRY.values():
            if rule.meta.needs_snapshot and group.snapshot is None:
                continue
            violation = rule.check(group, ctx)
            if violation is not None:
                findings.append(_finding(rule, group, violation, _status(rule, group, ctx), ctx))
    return findings


def _status(rule: Rule, group: GroupView, ctx: RuleContext) -> FindingStatus:
    """Waived when a valid waiver matches, except a limit waiver, which set the threshold."""
    waiver = ctx.waivers.applicable(group.platform, group.group_id, rule.meta.id, ctx.today)
    if waiver is None or (rule.meta.waiver_sets_limit and waiver.limit is not None):
        return FindingStatus.OPEN
    return FindingStatus.WAIVED


def _finding(
    rule: Rule, group: GroupView, violation: Violation, status: FindingStatus, ctx: RuleContext
) -> Finding:
    meta = rule.meta
    return Finding(
        rule=meta.id,
        title=meta.title,
        severity=meta.severity,
        platform=group.platform,
        group_id=group.group_id,
        group_name=group.name,
        unit_id=group.unit.unit_id if group.unit is not None else None,
        category=group.category,
        message=violation.message,
        evidence=violation.evidence,
        clause=ctx.policy.clause(meta.id, meta.clause),
        remedy=meta.remedy,
        status=status,
        filed=group.filing is not None,
        rostered=group.snapshot is not None,
    )
