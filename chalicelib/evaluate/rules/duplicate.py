from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Mapping
from itertools import chain
from typing import Any

from chalicelib.core.models import Platform, Severity
from chalicelib.evaluate.rules.context import GroupView, RuleContext
from chalicelib.evaluate.rules.registry import Source, Violation, rule

Key = tuple[Platform, str]
Partners = dict[Key, list[tuple[Key, float]]]

CACHE_KEY = "duplicate"
SAMPLE_SIZE = 5
EPSILON = 1e-9  # float slack that only ever widens the candidate filters


@rule(
    "duplicate",
    title="重复建群",
    severity=Severity.LOW,
    clause="通知 一.3",
    remedy="这些群的成员高度重合,请合并为一个群并解散其余的群,同时在登记表中注销;确需分设的,请写明用途并申请豁免。",
    judged_on={Source.ROSTER, Source.FILING, Source.DIRECTORY},  # FILING: a filed group's unit
    partners_in_evidence=True,
)
def duplicate(group: GroupView, ctx: RuleContext) -> Violation | None:
    assert group.snapshot is not None
    if group.unit is None:
        return None
    partners = _unit_partners(ctx, group.unit.unit_id).get(group.key)
    if not partners:
        return None
    ranked = sorted(partners, key=lambda item: (-item[1], item[0]))
    return Violation(
        _message(ranked, ctx.settings.duplicate_overlap),
        _evidence(group, ranked, ctx.settings.duplicate_overlap),
    )


def _message(ranked: list[tuple[Key, float]], threshold: float) -> str:
    (_, best_id), best = ranked[0]
    limit = _percent(threshold)
    if len(ranked) == 1:
        return f"与同单位的群 {best_id} 成员重合度为 {_percent(best)},达到重复建群标准 {limit}。"
    return (
        f"与同单位的 {len(ranked)} 个群成员高度重合(最高为群 {best_id} 的 {_percent(best)}),"
        f"达到重复建群标准 {limit}。"
    )


def _evidence(
    group: GroupView, ranked: list[tuple[Key, float]], threshold: float
) -> dict[str, Any]:
    assert group.snapshot is not None
    return {
        "mapped_persons": len(group.snapshot.persons),
        "duplicate_overlap": threshold,
        "partner_count": len(ranked),
        "partners": [
            {"platform": platform.value, "group_id": group_id, "overlap": round(ratio, 3)}
            for (platform, group_id), ratio in ranked[:SAMPLE_SIZE]
        ],
    }


def _percent(ratio: float) -> str:
    return f"{ratio * 100:.1f}".removesuffix(".0") + "%"


def _unit_partners(ctx: RuleContext, unit_id: str) -> Partners:
    """Each group's duplicates within the unit, computed once per unit and scan."""
    memo: dict[str, Partners] = ctx.cache.setdefault(CACHE_KEY, {})
    if unit_id not in memo:
        settings = ctx.settings
        sets = {
            group.key: frozenset(group.snapshot.persons)
            for group in ctx.groups_by_unit.get(unit_id, ())
            if group.snapshot is not None
            and len(group.snapshot.persons) >= settings.duplicate_min_persons
        }
        memo[unit_id] = find_partners(sets, settings.duplicate_overlap)
    return memo[unit_id]


def find_partners(sets: Mapping[Key, frozenset[int]], threshold: float) -> Partners:
    """All pairs with Jaccard >= threshold, listed under both groups of the pair."""
    partners: Partners = defaultdict(list)
    for left, right in _candidates(sets, threshold):
        ratio = _jaccard(sets[left], sets[right])
        if ratio >= threshold:
            partners[left].append((right, ratio))
            partners[right].append((left, ratio))
    return dict(partners)


def _candidates(sets: Mapping[Key, frozenset[int]], threshold: float) -> set[tuple[Key, Key]]:
    """Pairs that could reach the threshold (PPJoin's prefix, size and positional filters;
    Xiao et al., "Efficient similarity joins for near duplicate detection", 2008).

    Persons are ordered the same way everywhere (rarest first); sets are taken smallest
    first. A pair with Jaccard >= threshold shares a person within the prefixes of both
    sets, its smaller set has at least threshold x the larger one's size, and, met at
    positions i and j of the two prefixes, it can share at most what it shared before plus
    1 plus the shorter of the two rests: below the overlap the threshold needs, it is out."""
    frequency = Counter(chain.from_iterable(sets.values()))
    # Any fixed order is correct; rarest first makes prefixes share fewest groups.
    rarest_first = sorted(frequency, key=frequency.__getitem__)
    rank = dict(zip(rarest_first, range(len(rarest_first)), strict=True))
    keys = sorted(sets, key=lambda k: (len(sets[k]), k))
    sizes = [len(sets[key]) for key in keys]  # groups by their number in `keys` from here
    index: dict[int, list[tuple[int, int]]] = defaultdict(list)  # person -> (group, position)
    found: set[tuple[Key, Key]] = set()
    share = threshold / (1 + threshold)  # overlap >= share x (|x| + |y|) <=> Jaccard >= t
    for number, key in enumerate(keys):
        size = sizes[number]
        smallest = threshold * size - EPSILON
        shared: dict[int, int] = {}  # candidate -> persons shared so far; -1: ruled out
        for i, person in enumerate(_prefix(sets[key], rank, threshold)):
            for other, j in index[person]:
                other_size = sizes[other]
                so_far = shared.get(other, 0)
                if other_size < smallest or so_far < 0:
                    continue
                needed = math.ceil(share * (size + other_size) - EPSILON)
                rest = size - i - 1 if size - i < other_size - j else other_size - j - 1
                shared[other] = so_far + 1 if so_far + 1 + rest >= needed else -1
            index[person].append((number, i))
        found.update((keys[other], key) for other, count in shared.items() if count > 0)
    return found


def _prefix(persons: frozenset[int], rank: dict[int, int], threshold: float) -> list[int]:
    """The ranks of the rarest persons, as many as a pair at the threshold must share."""
    ranks = sorted(map(rank.__getitem__, persons))
    return ranks[: len(ranks) - math.ceil(threshold * len(ranks) - EPSILON) + 1]


def _jaccard(left: frozenset[int], right: frozenset[int]) -> float:
    shared = len(left & right)
    return shared / (len(left) + len(right) - shared)
