"""Evaluate every rule on every group and account and turn what they saw into findings."""

from __future__ import annotations

from collections.abc import Iterable

from chalicelib.core.models import AccountStatus, Category, Finding, FindingStatus, Platform, Unit
from chalicelib.evaluate.rules import (
    AccountView,
    GroupView,
    Rule,
    RuleContext,
    Subject,
    Violation,
    rules_of,
)


def evaluate(groups: Iterable[GroupView], ctx: RuleContext) -> list[Finding]:
    findings = []
    rules = rules_of(Subject.GROUP)
    for group in groups:
        for rule in rules:
            if rule.meta.needs_snapshot and group.snapshot is None:
                continue
            violation = rule.check(group, ctx)
            if violation is not None:
                findings.append(_finding(rule, group, violation, ctx))
    return findings


def evaluate_accounts(accounts: Iterable[AccountView], ctx: RuleContext) -> list[Finding]:
    """Every account rule on every account; closed accounts (已注销) are judged by none."""
    findings = []
    rules = rules_of(Subject.ACCOUNT)
    for account in accounts:
        if account.status is AccountStatus.CLOSED:
            continue
        for rule in rules:
            violation = rule.check(account, ctx)
            if violation is not None:
                findings.append(_account_finding(rule, account, violation, ctx))
    return findings


def _status(rule: Rule, platform: Platform, object_id: str, ctx: RuleContext) -> FindingStatus:
    """Waived when a valid waiver matches, except a limit waiver, which set the threshold."""
    waiver = ctx.waivers.applicable(platform, object_id, rule.meta.id, ctx.today)
    if waiver is None or (rule.meta.waiver_sets_limit and waiver.limit is not None):
        return FindingStatus.OPEN
    return FindingStatus.WAIVED


def _finding(rule: Rule, group: GroupView, violation: Violation, ctx: RuleContext) -> Finding:
    return _found(
        rule, violation, ctx, group.platform, group.group_id, group.name, group.unit,
        category=group.category, filed=group.filing is not None,
        rostered=group.snapshot is not None,
    )  # fmt: skip


def _account_finding(
    rule: Rule, account: AccountView, violation: Violation, ctx: RuleContext
) -> Finding:
    """An account's finding, named as a group's is: its id and name in group_id and
    group_name; `filed` says it is registered with a filing date."""
    return _found(
        rule, violation, ctx, account.platform, account.account_id, account.name,
        account.unit, category=None, filed=account.filed, rostered=False,
    )  # fmt: skip


def _found(
    rule: Rule,
    violation: Violation,
    ctx: RuleContext,
    platform: Platform,
    object_id: str,
    name: str | None,
    unit: Unit | None,
    *,
    category: Category | None,
    filed: bool,
    rostered: bool,
) -> Finding:
    meta = rule.meta
    return Finding(
        rule=meta.id,
        title=meta.title,
        severity=meta.severity,
        platform=platform,
        group_id=object_id,
        group_name=name,
        unit_id=unit.unit_id if unit is not None else None,
        category=category,
        message=violation.message,
        evidence=violation.evidence,
        clause=ctx.policy.clause(meta.id, meta.clause),
        remedy=meta.remedy,
        status=_status(rule, platform, object_id, ctx),
        filed=filed,
        rostered=rostered,
    )
