"""Small builders for readable tests: every argument has a sensible default."""

from __future__ import annotations

from array import array
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from chalicelib.core.models import (
    Account,
    Category,
    Filing,
    FilingStatus,
    Person,
    PersonStatus,
    Platform,
    Unit,
    Waiver,
)
from chalicelib.core.settings import Settings
from chalicelib.evaluate.rules.context import AccountView, GroupView, RuleContext
from chalicelib.intake.directory import Directory
from chalicelib.intake.loaders.waivers import WaiverBook
from chalicelib.intake.rosters.snapshots import GroupSnapshot

TODAY = date(2026, 9, 7)
GROUP_ID = "100001"

# Every default passed explicitly, so that environment variables never leak into tests.
_SETTINGS_DEFAULTS: dict[str, Any] = {
    name: field.default for name, field in Settings.model_fields.items()
}

PersonEntry = tuple[Mapping[str, Any], Mapping[Platform, Sequence[str]]]


def days_before(days: int, today: date = TODAY) -> date:
    return today - timedelta(days=days)


FILED_ON = days_before(30)
WAIVER_EXPIRES_ON = TODAY + timedelta(days=30)


def make_settings(**overrides: Any) -> Settings:
    return Settings(**{**_SETTINGS_DEFAULTS, **overrides})


def make_unit(
    unit_id: str = "U01",
    name: str = "信息工程学院",
    keywords: Sequence[str] = ("信息工程学院", "信息学院"),
    **fields: Any,
) -> Unit:
    return Unit(unit_id=unit_id, name=name, keywords=tuple(keywords), **fields)


def make_filing(
    group_id: str = GROUP_ID,
    platform: Platform = Platform.QQ,
    unit_id: str = "U01",
    group_name: str | None = "信息工程学院教职工工作群",
    category: Category | None = Category.WORK,
    filed_on: date = FILED_ON,
    status: FilingStatus = FilingStatus.FILED,
    **fields: Any,
) -> Filing:
    return Filing(
        platform=platform,
        group_id=group_id,
        unit_id=unit_id,
        group_name=group_name,
        category=category,
        filed_on=filed_on,
        status=status,
        **fields,
    )


def make_snapshot(
    group_id: str = GROUP_ID,
    platform: Platform = Platform.QQ,
    *,
    persons: Iterable[int] = (),
    unmapped: Sequence[str] = (),
    member_count: int | None = None,
    owner_id: str | None = None,
    group_name: str | None = None,
    has_activity: bool = False,
    last_spoke_on: date | None = None,
    first_joined_on: date | None = None,
    exported_at: datetime | None = None,
    notable: Mapping[str, str] | None = None,
) -> GroupSnapshot:
    """A snapshot as the scan keeps it; member_count defaults to mapped + unmapped; the
    notable members (names in the group) default to the unmapped ones, nameless."""
    mapped = array("i", sorted(set(persons)))
    return GroupSnapshot(
        platform=platform,
        group_id=group_id,
        group_name=group_name,
        source=f"rosters/{platform.value}/{group_id}.csv",
        exported_at=exported_at or datetime.combine(days_before(1), datetime.min.time()),
        member_count=len(mapped) + len(unmapped) if member_count is None else member_count,
        owner_id=owner_id,
        has_activity=has_activity,
        last_spoke_on=last_spoke_on,
        first_joined_on=first_joined_on,
        persons=mapped,
        unmapped_count=len(unmapped),
        unmapped_ids=tuple(sorted(unmapped)),
        notable=dict.fromkeys(unmapped, "") if notable is None else dict(notable),
    )


def make_person(index: int, **fields: Any) -> Person:
    defaults: dict[str, Any] = {
        "person_id": f"P{index:05d}",
        "name": f"成员{index}",
        "unit_id": "U01",
        "status": PersonStatus.ACTIVE,
    }
    return Person(**{**defaults, **fields})


def make_directory(entries: Sequence[PersonEntry] = ()) -> Directory:
    """Entries are (person fields, {platform: [accounts]}); person i gets index i."""
    persons: list[Person] = []
    accounts: dict[Platform, dict[str, int]] = defaultdict(dict)
    for index, (fields, person_accounts) in enumerate(entries):
        persons.append(make_person(index, **fields))
        for platform, ids in person_accounts.items():
            accounts[platform].update(dict.fromkeys(ids, index))
    return Directory(persons, accounts)


def make_waiver(
    rule: str,
    group_id: str = GROUP_ID,
    platform: Platform = Platform.QQ,
    expires_on: date = WAIVER_EXPIRES_ON,
    limit: int | None = None,
) -> Waiver:
    return Waiver(
        platform=platform,
        group_id=group_id,
        rule=rule,
        reason="工作需要",
        approved_by="党委工作部",
        expires_on=expires_on,
        limit=limit,
    )


def make_group(
    filing: Filing | None = None,
    snapshot: GroupSnapshot | None = None,
    unit: Unit | None = None,
    stale_export: datetime | None = None,
) -> GroupView:
    """Platform and group id come from the snapshot, else the filing, else the defaults."""
    source = snapshot or filing
    return GroupView(
        platform=source.platform if source is not None else Platform.QQ,
        group_id=source.group_id if source is not None else GROUP_ID,
        unit=unit,
        filing=filing,
        snapshot=snapshot,
        stale_export=stale_export,
    )


def make_account(account_id: str = "gh_3a5b7c9d1e2f", **fields: Any) -> Account:
    """A register row: a filed, operating 公众号 of unit U01 registered in the unit's name."""
    defaults: dict[str, Any] = {
        "platform": Platform.WECHAT_MP,
        "name": "信息学院团委",
        "unit_id": "U01",
        "filed_on": FILED_ON,
        "file": "accounts/新媒体账号登记表.xlsx",
        "row": 3,
    }
    return Account(account_id=account_id, **{**defaults, **fields})


def make_account_view(
    account: Account | None = None,
    unit: Unit | None = None,
    last_post_on: date | None = None,
    *,
    name: str | None = None,
    key: tuple[Platform, str] = (Platform.WECHAT_MP, "gh_3a5b7c9d1e2f"),
) -> AccountView:
    """An account as the rules see it; without `account`, one seen only in posts/."""
    platform, account_id = account.key if account is not None else key
    shown = name or (account.name if account is not None else account_id)
    return AccountView(platform, account_id, unit, account, shown, last_post_on)


def make_context(
    today: date = TODAY,
    *,
    groups: Iterable[GroupView] = (),
    accounts: Iterable[AccountView] = (),
    directory: Directory | None = None,
    waivers: Iterable[Waiver] = (),
    units: Iterable[Unit] = (),
    settings: Settings | None = None,
) -> RuleContext:
    """A scan context; units and groups_by_unit are filled from the groups' units."""
    groups = list(groups)
    by_unit: dict[str, list[GroupView]] = defaultdict(list)
    all_units = {unit.unit_id: unit for unit in units}
    for group in groups:
        if group.unit is not None:
            by_unit[group.unit.unit_id].append(group)
            all_units.setdefault(group.unit.unit_id, group.unit)
    accounts_by_unit: dict[str, list[AccountView]] = defaultdict(list)
    for account in accounts:
        if account.unit is not None:
            accounts_by_unit[account.unit.unit_id].append(account)
    return RuleContext(
        today=today,
        settings=make_settings() if settings is None else settings,
        directory=make_directory() if directory is None else directory,
        units=all_units,
        waivers=WaiverBook(waivers),
        groups_by_unit=dict(by_unit),
        accounts_by_unit=dict(accounts_by_unit),
    )
