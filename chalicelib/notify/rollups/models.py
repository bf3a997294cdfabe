"""What a rollup says, before it is rendered (HTML email, chart, workbook)."""

from __future__ import annotations

from datetime import date

from chalicelib.core.models import (
    AccountStatus,
    Category,
    DataError,
    Entity,
    FilingStatus,
    FindingFacts,
    Frozen,
    Platform,
    RollupKind,
)
from chalicelib.ledger.models import PARTY_WEEKS, HeldFinding, LedgerState
from chalicelib.notify.digests.models import Unroutable


class InventoryRow(Frozen):
    """One row of the inventory (登记表): every known group, filed or not."""

    unit_id: str | None
    unit_name: str  # "" when the unit is unknown
    group_name: str
    platform: Platform
    group_id: str
    category: Category | None
    purpose: str
    owner: str  # the filing's owner name, else the masked owner account
    members: int | None  # distinct members of the newest roster
    responsible: str
    filed_on: date | None
    filing_status: FilingStatus | None  # None: not filed


class AccountRow(Frozen):
    """One new-media account of the inventory, as the notice's 登记表 annex lists it."""

    unit_id: str | None
    unit_name: str
    platform: Platform
    account_id: str
    name: str
    entity: Entity | None
    operator: str  # masked like a person
    approved: bool
    filed_on: date | None
    status: AccountStatus | None  # None: not in the register (seen only in posts/)
    purpose: str
    last_post_on: date | None


class PlatformCount(Frozen):
    """New-media accounts of one platform: how many, how many filed, open findings."""

    platform: Platform
    accounts: int
    filed: int
    open_findings: int


class RollupItem(FindingFacts):
    """An open or waived finding as the offices see it."""

    unit_name: str
    state: LedgerState
    weeks_open: int
    first_seen: date


class FeedbackRow(Frozen):
    """What a unit answered in the portal on a finding in the office's scope (本周单位反馈)."""

    unit: str
    group: str
    platform: Platform
    group_id: str
    title: str
    kind: str  # in words: 已整改, 申请豁免, 有异议
    reason: str
    outcome: str  # in words: 待部门处理, 已批准(至 …)…


class TrendPoint(Frozen):
    period: str  # ISO week
    open_by_severity: dict[str, int]  # Severity label -> open findings that week

    @property
    def total(self) -> int:
        return sum(self.open_by_severity.values())


class Rollup(Frozen):
    kind: RollupKind
    period: str  # 2026-W47 or 2026-11
    today: date
    office: str
    scope: tuple[Category, ...] | None  # None: everything
    groups_known: int
    groups_filed: int
    open_by_severity: dict[str, int]  # Severity label -> count
    new_since_last: int
    fixed_since_last: int
    overdue: int
    unroutable: int
    failed_digests: int
    # (unit id, name) in units.csv order, then units gone from it (id, id), ("", "未归属") last
    units: tuple[tuple[str, str], ...]
    rules: tuple[tuple[str, str], ...]  # (rule id, title), in REGISTRY order
    matrix: dict[str, dict[str, int]]  # unit id -> rule id -> open findings
    items: tuple[RollupItem, ...]  # all open and waived findings
    inventory: tuple[InventoryRow, ...]
    trend: tuple[TrendPoint, ...]  # the last 12 weeks, oldest first
    unroutable_items: tuple[Unroutable, ...] = ()  # listed for the office that sees all
    problems: tuple[str, ...] = ()  # failed runs and sends: for the office that sees all
    data_problems: tuple[DataError, ...] = ()  # of files no unit owns: for the same office
    data_problems_total: int = 0  # data_problems lists the first of them
    held: tuple[HeldFinding, ...] = ()  # 待确认: new findings held this week, in scope
    held_total: int = 0
    feedback: tuple[FeedbackRow, ...] = ()  # the units' answers of the period, in scope
    portal_link: str = ""  # the office's own link to its portal page; "" without a portal
    regulations: tuple[tuple[str, str], ...] = ()  # (short name, title); () the seeds
    accounts: tuple[AccountRow, ...] = ()  # new-media accounts: for the office that sees all
    platforms: tuple[PlatformCount, ...] = ()  # the same, counted by platform

    @property
    def overdue_items(self) -> tuple[RollupItem, ...]:
        return tuple(
            i
            for i in self.items
            if i.state is not LedgerState.WAIVED and i.weeks_open >= PARTY_WEEKS
        )

    @property
    def share_filed(self) -> float:
        return self.groups_filed / self.groups_known if self.groups_known else 1.0
