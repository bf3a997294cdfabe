"""The inventory (登记表) the weekly job keeps for the rollups: every known group, filed or
not, with the units and the unroutable findings of that week. Stored as JSON in the data
bucket under `inventory/<week>.json`, so the rollups never re-scan."""

from __future__ import annotations

from collections.abc import Sequence

from chalicelib.core.layout import inventory_key
from chalicelib.core.masking import mask_id, mask_name
from chalicelib.core.models import DataError, Frozen
from chalicelib.evaluate.rules import AccountView, GroupView
from chalicelib.evaluate.scan import ScanResult
from chalicelib.ledger.models import HeldFinding
from chalicelib.notify.digests.models import Unroutable
from chalicelib.notify.rollups.models import AccountRow, InventoryRow

ORPHAN_PROBLEMS_KEPT = 200
HELD_KEPT = 500


class GroupInventory(Frozen):
    period: str
    units: tuple[tuple[str, str], ...]  # (unit id, name) in units.csv order
    rows: tuple[InventoryRow, ...]
    unroutable: tuple[Unroutable, ...]
    orphan_problems: tuple[DataError, ...] = ()  # data problems of no unit (the first 200)
    orphan_problems_total: int = 0  # all of them
    held: tuple[HeldFinding, ...] = ()  # new findings held this week (the first 500): 待确认
    held_total: int = 0
    regulations: tuple[tuple[str, str], ...] = ()  # (short name, title) the week cited
    accounts: tuple[AccountRow, ...] = ()  # every known new-media account

    @property
    def key(self) -> str:
        return inventory_key(self.period)


def week_inventory(
    result: ScanResult,
    period: str,
    unroutable: Sequence[Unroutable],
    orphan_problems: Sequence[DataError] = (),
    held: Sequence[HeldFinding] = (),
) -> GroupInventory:
    return GroupInventory(
        period=period,
        units=tuple((u.unit_id, u.name) for u in result.units),
        rows=tuple(_row(group) for group in result.groups),
        unroutable=tuple(unroutable),
        orphan_problems=tuple(orphan_problems[:ORPHAN_PROBLEMS_KEPT]),
        orphan_problems_total=len(orphan_problems),
        held=tuple(held[:HELD_KEPT]),
        held_total=len(held),
        regulations=result.policy.cited,
        accounts=tuple(_account_row(view) for view in result.accounts),
    )


def _row(group: GroupView) -> InventoryRow:
    filing, snapshot, unit = group.filing, group.snapshot, group.unit
    owner = filing.owner_name if filing is not None and filing.owner_name else None
    if owner is None and group.owner_id:
        owner = mask_id(group.owner_id)
    responsible = None
    if filing is not None:
        responsible = filing.responsible_name or filing.responsible_email
    return InventoryRow(
        unit_id=unit.unit_id if unit is not None else None,
        unit_name=unit.name if unit is not None else "",
        group_name=group.name or "",
        platform=group.platform,
        group_id=group.group_id,
        category=group.category,
        purpose=(filing.purpose or "") if filing is not None else "",
        owner=owner or "",
        members=snapshot.member_count if snapshot is not None else None,
        responsible=responsible or "",
        filed_on=filing.filed_on if filing is not None else None,
        filing_status=filing.status if filing is not None else None,
    )


def _account_row(view: AccountView) -> AccountRow:
    account, unit = view.account, view.unit
    operator = account.operator if account is not None else None
    return AccountRow(
        unit_id=unit.unit_id if unit is not None else None,
        unit_name=unit.name if unit is not None else "",
        platform=view.platform,
        account_id=view.account_id,
        name=view.name,
        entity=account.entity if account is not None else None,
        operator=_masked_operator(operator) if operator else "",
        approved=account.approved if account is not None else False,
        filed_on=account.filed_on if account is not None else None,
        status=account.status if account is not None else None,
        purpose=(account.purpose or "") if account is not None else "",
        last_post_on=view.last_post_on,
    )


def _masked_operator(operator: str) -> str:
    """A person id as an account is masked (`20****01`), a name as a person's (`张*`)."""
    return mask_id(operator) if operator.isascii() else mask_name(operator)
