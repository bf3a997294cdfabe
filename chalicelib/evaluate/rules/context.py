"""What a rule sees: one group (filing and/or roster snapshot) or one new-media account
(register row and/or posts), and the scan's context."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from chalicelib.core.models import Account, AccountStatus, Category, Filing, Platform, Policy, Unit
from chalicelib.core.settings import Settings
from chalicelib.intake.directory import Directory
from chalicelib.intake.loaders.waivers import WaiverBook
from chalicelib.intake.rosters.snapshots import GroupSnapshot


@dataclass(frozen=True, slots=True)
class GroupView:
    """A group as the rules see it. `unit` is the filing's unit, else the inferred one."""

    platform: Platform
    group_id: str
    unit: Unit | None
    filing: Filing | None
    snapshot: GroupSnapshot | None
    stale_export: datetime | None = None  # without a snapshot: its newest, too old, export

    @property
    def key(self) -> tuple[Platform, str]:
        return (self.platform, self.group_id)

    @property
    def name(self) -> str | None:
        if self.snapshot is not None and self.snapshot.group_name:
            return self.snapshot.group_name
        return self.filing.group_name if self.filing is not None else None

    @property
    def category(self) -> Category | None:
        return self.filing.category if self.filing is not None else None

    @property
    def owner_id(self) -> str | None:
        """The snapshot's member with role owner, else the filing's owner_id."""
        if self.snapshot is not None and self.snapshot.owner_id:
            return self.snapshot.owner_id
        return self.filing.owner_id if self.filing is not None else None


@dataclass(frozen=True, slots=True)
class AccountView:
    """A new-media account as the rules see it: its register row (None when it was seen
    only in posts/), its name, and its last post date from posts/ or the register."""

    platform: Platform
    account_id: str
    unit: Unit | None
    account: Account | None
    name: str
    last_post_on: date | None

    @property
    def key(self) -> tuple[Platform, str]:
        return (self.platform, self.account_id)

    @property
    def status(self) -> AccountStatus:
        """运营中 unless the register says otherwise (an account seen only posting is active)."""
        return self.account.status if self.account is not None else AccountStatus.ACTIVE

    @property
    def filed(self) -> bool:
        return self.account is not None and self.account.filed_on is not None


@dataclass
class RuleContext:
    today: date
    settings: Settings
    directory: Directory
    units: Mapping[str, Unit]
    waivers: WaiverBook
    groups_by_unit: Mapping[str, Sequence[GroupView]]
    policy: Policy = field(default_factory=Policy)  # the articles each rule cites
    accounts_by_unit: Mapping[str, Sequence[AccountView]] = field(default_factory=dict)
    cache: dict[str, Any] = field(default_factory=dict)
    """Per-scan memo for rules that look across groups (duplicate)."""

    def days_ago(self, days: int) -> date:
        return self.today - timedelta(days=days)

    def waiver_limit(self, group: GroupView, rule_id: str) -> int | None:
        waiver = self.waivers.applicable(group.platform, group.group_id, rule_id, self.today)
        return waiver.limit if waiver is not None else None
