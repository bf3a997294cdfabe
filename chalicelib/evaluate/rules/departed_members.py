from __future__ import annotations

from chalicelib.core.models import PersonStatus, Severity
from chalicelib.evaluate.rules.context import GroupView, RuleContext
from chalicelib.evaluate.rules.members import members_by_account
from chalicelib.evaluate.rules.registry import Source, Violation, rule


@rule(
    "departed_members",
    title="离开人员未移出",
    severity=Severity.MEDIUM,
    clause="通知 三",
    remedy="请将已离职、毕业或调出的人员移出本群,然后提交新的成员名单。",
    judged_on={Source.ROSTER, Source.FILING, Source.DIRECTORY},
)
def departed_members(group: GroupView, ctx: RuleContext) -> Violation | None:
    departed = _departed_members(group, ctx)
    if not departed:
        return None
    grace = ctx.settings.departed_grace_days
    return Violation(
        f"群内仍有 {len(departed)} 名已离职离校人员(离开满 {grace} 天或日期不详),应为 0 人。",
        {
            "departed_count": len(departed),
            "departed_grace_days": grace,
            "members": members_by_account(group, ctx, _accounts_of(group, ctx, departed)),
        },
    )


def _departed_members(group: GroupView, ctx: RuleContext) -> list[int]:
    """Directory indices of departed non-owner members whose grace period is over (or
    whose left_on is unknown)."""
    assert group.snapshot is not None
    owner = _owner_index(group, ctx)
    cutoff = ctx.days_ago(ctx.settings.departed_grace_days)
    left_on = ctx.directory.left_on
    departed = ctx.directory.with_status(PersonStatus.DEPARTED).intersection(group.snapshot.persons)
    return sorted(
        i for i in departed if i != owner and ((left := left_on[i]) is None or left <= cutoff)
    )


def _accounts_of(group: GroupView, ctx: RuleContext, persons: list[int]) -> list[str]:
    """The accounts in the group of these persons (all departed: their accounts are among
    the members whose names the snapshot keeps)."""
    assert group.snapshot is not None
    wanted, accounts = set(persons), ctx.directory.accounts[group.platform]
    return [account for account in group.snapshot.notable if accounts.get(account) in wanted]


def _owner_index(group: GroupView, ctx: RuleContext) -> int | None:
    owner = group.owner_id
    return ctx.directory.index_of(group.platform, owner) if owner else None
