"""A realistic sample college as a complete data root, with known problems planted.

`generate_college(out, today=...)` writes config/, directory/, filings/, waivers/,
rosters/, accounts/ and posts/ under `out` and returns the plan: which groups and new-media
accounts must fire which rule. The output depends only on the seed, the day and the sizes:
nothing reads the clock, and every file gets a fixed modification time (some rosters rely
on it as their export time).

`formats="csv"` writes UTF-8 CSV only and scales to a province (~1M roster rows in
seconds); `formats="mixed"` writes what units really send: GB18030 TXT exports with
`群号:` lines, UTF-16 TSV, multi-sheet XLSX, mixed date forms, plus a few bad rows and one
unreadable file so that error reporting shows."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Literal

from jobs.sample.accounts import AccountPlan, write_accounts
from jobs.sample.files import DataRoot
from jobs.sample.groups import GroupFactory
from jobs.sample.people import build_population
from jobs.sample.plant import Planting, add_quiet_filings, plant_groups
from jobs.sample.rosters import RosterWriter
from jobs.sample.tables import write_config, write_directory, write_filings, write_waivers

MIN_PLANT_PEOPLE = 1500
"""Planting needs pools large enough for its exact group sizes (up to 185 members)."""
PEOPLE_PER_GROUP = 25

__all__ = ["SamplePlan", "generate_college"]


@dataclass(frozen=True)
class SamplePlan:
    planted: dict[str, list[tuple[str, str]]]
    """Rule id -> (platform, group_id) of groups planted to fire it (status open); for an
    account rule, (platform, account_id) of new-media accounts (also in `accounts`)."""
    waived: list[tuple[str, str, str]]
    """(platform, group_id, rule) planted with a valid waiver (status waived)."""
    groups: int
    """Groups with at least one roster export (fresh or stale)."""
    rows: int
    """Roster rows written, all exports included."""
    people: int
    files: int
    accounts: AccountPlan
    """The new-media accounts: planted, spared, warned of, and the planted bad rows."""


MEAN_MEMBERS = (20 + 140 + 55) / 3  # of the triangular distribution of group sizes


def generate_college(
    out: Path,
    *,
    today: date,
    seed: int = 7,
    groups: int = 120,
    people: int | None = None,
    formats: Literal["mixed", "csv"] = "mixed",
    plant: bool = True,
    members: float | None = None,
    robots: bool = False,
) -> SamplePlan:
    """Write a sample data root under `out` (which must be empty or missing); `members`:
    the mean members of a group (about 72 when not given); `robots`: two units name a
    group robot (with made-up keys)."""
    if out.exists() and any(out.iterdir()):
        raise FileExistsError(None, "the sample needs a fresh folder", str(out))
    if people is None:
        people = max(groups * PEOPLE_PER_GROUP, MIN_PLANT_PEOPLE if plant else 100)
    if plant and people < MIN_PLANT_PEOPLE:
        raise ValueError(f"planting needs at least {MIN_PLANT_PEOPLE} people, got {people}")
    mixed = formats == "mixed"
    rng = random.Random(seed)
    pop = build_population(rng, people, today, bad_row=mixed)
    factory = GroupFactory(rng, pop, today, (members or MEAN_MEMBERS) / MEAN_MEMBERS)
    planting = plant_groups(factory, today) if plant else Planting(today)
    add_quiet_filings(factory, bad_date=mixed)
    factory.fill(groups)

    root = DataRoot(out, stamp=datetime.combine(today - timedelta(days=1), time(7, 30)))
    write_config(root, rng, robots=robots)
    write_directory(root, pop, rng, mixed=mixed)
    write_filings(root, factory.groups, pop, rng, mixed=mixed)
    if planting.waivers:
        write_waivers(root, planting.waivers)
    rosters = RosterWriter(root, pop, today, rng, mixed=mixed)
    rosters.write(factory.groups)
    # a stream of its own, so that the groups' files are the same with or without accounts
    accounts = write_accounts(
        root, pop, today, random.Random(f"accounts-{seed}"), mixed=mixed, plant=plant
    )
    return SamplePlan(
        planted=planting.planted | accounts.planted,
        waived=planting.waived,
        groups=rosters.groups,
        rows=rosters.rows,
        people=len(pop.persons),
        files=len(root.files),
        accounts=accounts,
    )
