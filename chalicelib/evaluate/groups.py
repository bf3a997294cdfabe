"""Every known group: its filing (if any), its newest snapshot (if any) and its unit."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from chalicelib.core.models import Filing, FilingStatus, GroupKey, Unit
from chalicelib.core.values import fold
from chalicelib.evaluate.rules.context import GroupView
from chalicelib.intake.directory import Directory
from chalicelib.intake.rosters.snapshots import GroupSnapshot


def latest_filings(filings: Iterable[Filing]) -> dict[GroupKey, Filing]:
    """Each group's filing row filed last (on a tie, the row read last), whatever its status."""
    latest: dict[GroupKey, Filing] = {}
    for filing in filings:
        key = (filing.platform, filing.group_id)
        held = latest.get(key)
        if held is None or filing.filed_on >= held.filed_on:
            latest[key] = filing
    return latest


def current_filings(latest: Mapping[GroupKey, Filing]) -> dict[GroupKey, Filing]:
    """The filing that counts for each group: its latest row when that row is filed or
    pending. A closed filing counts as no filing, so a group whose latest row is closed
    has none."""
    return {key: f for key, f in latest.items() if f.status is not FilingStatus.CLOSED}


def closed_groups(latest: Mapping[GroupKey, Filing]) -> frozenset[GroupKey]:
    """Groups whose latest filing row is closed (dissolved)."""
    return frozenset(key for key, f in latest.items() if f.status is FilingStatus.CLOSED)


def build_groups(
    filings: Mapping[GroupKey, Filing],
    snapshots: Mapping[GroupKey, GroupSnapshot],
    units: list[Unit],
    directory: Directory,
    stale: Mapping[GroupKey, datetime] | None = None,
) -> list[GroupView]:
    """Groups in the rosters or filed, sorted by platform and id."""
    by_id = {u.unit_id: u for u in units}
    groups = []
    for key in sorted(filings.keys() | snapshots.keys()):
        filing, snapshot = filings.get(key), snapshots.get(key)
        if filing is not None:
            unit = by_id.get(filing.unit_id)
        else:
            unit = infer_unit(snapshot, units, directory)
        old = (stale or {}).get(key)
        groups.append(GroupView(key[0], key[1], unit, filing, snapshot, old))
    return groups


def infer_unit(
    snapshot: GroupSnapshot | None, units: list[Unit], directory: Directory
) -> Unit | None:
    """Unit of an unfiled group: the longest keyword in its name (ties: the unit listed
    first), else the unit of its owner's directory entry, else none."""
    if snapshot is None:
        return None
    named = unit_named_in(snapshot.group_name or "", units)
    if named is not None:
        return named
    if snapshot.owner_id is not None:
        owner = directory.person_of(snapshot.platform, snapshot.owner_id)
        if owner is not None and owner.unit_id is not None:
            return next((u for u in units if u.unit_id == owner.unit_id), None)
    return None


def unit_named_in(name: str, units: list[Unit]) -> Unit | None:
    """The unit whose keyword is the longest one contained in `name` (ties: the unit
    listed first), else None."""
    folded = fold(name)
    best: tuple[int, Unit] | None = None
    for unit in units:
        longest = max((len(k) for k in map(fold, unit.keywords) if k and k in folded), default=0)
        if longest and (best is None or longest > best[0]):
            best = (longest, unit)
    return best[1] if best is not None else None
