"""The weekly scan of a data root: read every table, evaluate every rule."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from chalicelib.core.collector import paused_gc
from chalicelib.core.models import DataError, Finding, GroupKey, Office, Policy, Unit
from chalicelib.core.settings import Settings
from chalicelib.evaluate.accounts import build_accounts, unknown_activity
from chalicelib.evaluate.engine import evaluate, evaluate_accounts
from chalicelib.evaluate.groups import build_groups, closed_groups, current_filings, latest_filings
from chalicelib.evaluate.rules import AccountView, GroupView, RuleContext, waivable_rules
from chalicelib.intake.catalogue import (
    ACCOUNTS,
    DIRECTORY,
    FILINGS,
    POSTS,
    ROSTERS,
    WAIVERS,
    Reading,
    files_of,
    read_kind,
    strays,
)
from chalicelib.intake.config import load_offices, load_policy, load_units
from chalicelib.intake.directory import Directory
from chalicelib.intake.loaders.posts import PostsSeen
from chalicelib.intake.loaders.waivers import WaiverBook
from chalicelib.intake.rosters.snapshots import SnapshotBook
from chalicelib.intake.source import DataSource

# read whole every week: a file gone since is data missing
INPUTS = (DIRECTORY, FILINGS, ACCOUNTS, POSTS)


@dataclass(frozen=True)
class ScanResult:
    today: date
    units: list[Unit]
    directory: Directory
    groups: list[GroupView]
    findings: list[Finding]
    errors: list[DataError]
    roster_rows: int
    waivers: WaiverBook
    closed: frozenset[GroupKey] = frozenset()  # groups whose latest filing row is closed
    inputs: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """The files under directory/, filings/, accounts/ and posts/ (see RunRecord.inputs)."""
    offices: list[Office] = field(default_factory=list)  # config/offices.*
    filing_rows: int = 0  # filing rows read, whatever their status
    policy: Policy = field(default_factory=Policy)  # config/policy.*, else the seeds
    settings: Settings = field(default_factory=Settings)  # with the policy's thresholds
    accounts: list[AccountView] = field(default_factory=list)  # new-media accounts
    account_rows: int = 0  # register rows read, whatever their status

    @property
    def sizes(self) -> dict[str, int]:
        """How much of each source this scan read: what the mass-change guard compares
        with the last complete week (chalicelib/ledger/guard.py)."""
        return {
            "people": len(self.directory),
            "filing_rows": self.filing_rows,
            "rostered_groups": sum(1 for g in self.groups if g.snapshot is not None),
            "account_rows": self.account_rows,
        }

    def folder_complete(self, folder: str) -> bool:
        """Every file under the data-root folder was read (rows may still have errors)."""
        return not any(e.rejects_file and e.file.startswith(folder) for e in self.errors)


def scan(source: DataSource, today: date, settings: Settings) -> ScanResult:
    with paused_gc():
        return _scan(source, today, settings)


def _scan(source: DataSource, today: date, settings: Settings) -> ScanResult:
    errors: list[DataError] = strays(source)
    units = load_units(source, settings, errors)
    offices = load_offices(source, settings, errors)
    rules = waivable_rules()
    policy = load_policy(source, settings, errors, rules)
    settings = settings.model_copy(update=policy.thresholds)  # the institution's own
    reading = Reading(today, settings, units, rules)

    for _ in read_kind(source, DIRECTORY, reading, errors):
        pass  # the directory's loader fills reading.directory, file by file
    directory = reading.directory
    filing_rows = [f for table in read_kind(source, FILINGS, reading, errors) for f in table]
    latest = latest_filings(filing_rows)
    filings = current_filings(latest)
    waivers = WaiverBook(w for table in read_kind(source, WAIVERS, reading, errors) for w in table)
    book = SnapshotBook()
    for table in read_kind(source, ROSTERS, reading, errors):
        book.offer(table)

    register = reading.register
    for accounts_table in read_kind(source, ACCOUNTS, reading, errors):
        for account in accounts_table:
            register.add(account, errors)
    posts = PostsSeen()
    for seen in read_kind(source, POSTS, reading, errors):
        posts.merge(seen)

    groups = build_groups(filings, book.snapshots(), units.units, directory, book.stale_exports())
    accounts = build_accounts(register, posts, units.units)
    errors.extend(unknown_activity(accounts))
    ctx = RuleContext(
        today,
        settings,
        directory,
        units.by_id,
        waivers,
        _by_unit(groups),
        policy,
        accounts_by_unit=_by_unit(accounts),
    )
    findings = evaluate(groups, ctx) + evaluate_accounts(accounts, ctx)
    return ScanResult(
        today,
        units.units,
        directory,
        groups,
        findings,
        errors,
        book.rows_read,
        waivers,
        closed_groups(latest),
        {kind.prefix: tuple(f.path for f in files_of(source, kind)) for kind in INPUTS},
        offices,
        len(filing_rows),
        policy,
        settings,
        accounts,
        register.rows,
    )


def _by_unit(things: list[GroupView] | list[AccountView]) -> dict[str, list[Any]]:
    by_unit: dict[str, list[Any]] = defaultdict(list)
    for thing in things:
        if thing.unit is not None:
            by_unit[thing.unit.unit_id].append(thing)
    return by_unit
