"""The members a finding is about, as a digest lists them: the name they show in the group,
the masked account and, for a person of the directory, the masked name, status and unit."""

from __future__ import annotations

from collections.abc import Iterable
from itertools import islice

from chalicelib.core.masking import mask_id, mask_name, mask_shown_name
from chalicelib.evaluate.rules.context import GroupView, RuleContext

MEMBER_LIST_LIMIT = 500  # per finding: the evidence stays far below DynamoDB's 400 KB item

Member = dict[str, str]


def members_by_account(group: GroupView, ctx: RuleContext, accounts: Iterable[str]) -> list[Member]:
    """Members by their account in the group (at most MEMBER_LIST_LIMIT)."""
    shown = group.snapshot.notable if group.snapshot is not None else {}
    return [
        _member(
            ctx, shown.get(account, ""), account, ctx.directory.index_of(group.platform, account)
        )
        for account in islice(accounts, MEMBER_LIST_LIMIT)
    ]


def members_by_person(group: GroupView, ctx: RuleContext, persons: Iterable[int]) -> list[Member]:
    """Members known as persons of the directory, by the account they are in the group
    with; the name they show is not kept for active persons."""
    account_of = ctx.directory.account_of(group.platform)
    in_group = group.snapshot.accounts_in_group if group.snapshot is not None else {}
    return [
        _member(ctx, "", in_group.get(index) or account_of.get(index, ""), index)
        for index in islice(persons, MEMBER_LIST_LIMIT)
    ]


def _member(ctx: RuleContext, shown: str, account: str, index: int | None) -> Member:
    directory = ctx.directory
    person = directory.names[index] if index is not None else None
    return {
        "shown": mask_shown_name(shown, person),
        "account": mask_id(account) if account else "",
        "person": mask_name(person) if person is not None else "",
        "status": directory.statuses[index].value if index is not None else "",
        "unit": (directory.unit_ids[index] or "") if index is not None else "",
    }
