from __future__ import annotations

import itertools
import json
import random
from collections.abc import Iterable

import pytest

from chalicelib.core.models import Platform, Unit
from chalicelib.evaluate.rules import duplicate as duplicate_module
from chalicelib.evaluate.rules.context import GroupView, RuleContext
from chalicelib.evaluate.rules.duplicate import Key, Partners, duplicate, find_partners
from tests.factories import (
    make_context,
    make_filing,
    make_group,
    make_settings,
    make_snapshot,
    make_unit,
)

UNIT = make_unit("U01")


def group(
    group_id: str,
    persons: Iterable[int],
    unit: Unit | None = UNIT,
    platform: Platform = Platform.QQ,
) -> GroupView:
    snapshot = make_snapshot(group_id, platform, persons=persons)
    return make_group(snapshot=snapshot, unit=unit)


def context(*groups: GroupView, **settings: float) -> RuleContext:
    return make_context(groups=groups, settings=make_settings(**settings))


def test_flags_both_groups_of_an_identical_pair() -> None:
    # GIVEN two groups of the same unit with the same 10 persons
    first, second = group("A", range(10)), group("B", range(10))
    ctx = context(first, second)
    # WHEN each is checked
    one, other = duplicate(first, ctx), duplicate(second, ctx)
    # THEN each names its partner and the ratio
    assert one is not None and other is not None
    assert one.message == "与同单位的群 B 成员重合度为 100%,达到重复建群标准 80%。"
    assert other.evidence["partners"] == [{"platform": "qq", "group_id": "A", "overlap": 1.0}]
    assert one.evidence == {
        "mapped_persons": 10,
        "duplicate_overlap": 0.8,
        "partner_count": 1,
        "partners": [{"platform": "qq", "group_id": "B", "overlap": 1.0}],
    }
    json.dumps(one.evidence)


def test_flags_pair_exactly_at_the_overlap_threshold() -> None:
    # GIVEN 16 shared persons out of 20 (Jaccard 0.8)
    first, second = group("A", range(18)), group("B", [*range(16), 100, 101])
    ctx = context(first, second)
    assert duplicate(first, ctx) is not None
    assert duplicate(second, ctx) is not None


def test_passes_pair_just_under_the_overlap_threshold() -> None:
    # GIVEN 15 shared persons out of 19 (Jaccard 0.789)
    first, second = group("A", range(17)), group("B", [*range(15), 100, 101])
    assert duplicate(first, context(first, second)) is None


def test_flags_subset_at_threshold_and_passes_just_under() -> None:
    at = group("A", range(15)), group("B", range(12))  # 12/15 = 0.8
    under = group("A", range(16)), group("B", range(12))  # 12/16 = 0.75
    assert duplicate(at[1], context(*at)) is not None
    assert duplicate(under[1], context(*under)) is None


def test_passes_identical_groups_below_min_persons() -> None:
    first, second = group("A", range(9)), group("B", range(9))
    assert duplicate(first, context(first, second)) is None


def test_passes_pair_when_only_one_group_reaches_min_persons() -> None:
    # GIVEN 9 of 10 persons shared (0.9) but the smaller group has only 9 persons
    first, second = group("A", range(10)), group("B", range(9))
    assert duplicate(first, context(first, second)) is None


def test_passes_identical_groups_of_different_units() -> None:
    first = group("A", range(10))
    second = group("B", range(10), unit=make_unit("U02", name="财务处", keywords=("财务处",)))
    assert duplicate(first, context(first, second)) is None


def test_flags_duplicates_across_platforms() -> None:
    first, second = group("A", range(10)), group("wx-1", range(10), platform=Platform.WECHAT)
    violation = duplicate(first, context(first, second))
    assert violation is not None
    assert violation.evidence["partners"][0]["platform"] == "wechat"


def test_lists_every_partner_best_first() -> None:
    trio = group("A", range(12)), group("B", range(12)), group("C", range(11))
    violation = duplicate(trio[0], context(*trio))
    assert violation is not None
    assert violation.message.startswith("与同单位的 2 个群成员高度重合(最高为群 B 的 100%)")
    assert [p["group_id"] for p in violation.evidence["partners"]] == ["B", "C"]
    assert violation.evidence["partners"][1]["overlap"] == round(11 / 12, 3)


def test_passes_group_without_unit() -> None:
    first, second = group("A", range(10), unit=None), group("B", range(10), unit=None)
    assert duplicate(first, context(first, second)) is None


def test_ignores_unit_groups_without_snapshot() -> None:
    filed_only = make_group(filing=make_filing(group_id="F"), unit=UNIT)
    first = group("A", range(10))
    assert duplicate(first, make_context(groups=[first, filed_only])) is None


def test_uses_configured_overlap_and_min_persons() -> None:
    first, second = group("A", range(4)), group("B", range(3))  # 0.75
    assert duplicate(first, context(first, second, duplicate_min_persons=3, duplicate_overlap=0.75))
    assert not duplicate(
        first, context(first, second, duplicate_min_persons=3, duplicate_overlap=0.76)
    )
    assert not duplicate(
        first, context(first, second, duplicate_min_persons=4, duplicate_overlap=0.5)
    )


def test_computes_pairs_once_per_unit_and_scan(monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN a scan context with three groups of one unit
    calls: list[int] = []

    def counting(sets: dict[Key, frozenset[int]], threshold: float) -> Partners:
        calls.append(len(sets))
        return find_partners(sets, threshold)

    monkeypatch.setattr(duplicate_module, "find_partners", counting)
    trio = group("A", range(10)), group("B", range(10)), group("C", range(20, 30))
    ctx = context(*trio)
    # WHEN every group is checked
    results = [duplicate(g, ctx) for g in trio]
    # THEN the unit's pairs were computed once
    assert calls == [3]
    assert [r is not None for r in results] == [True, True, False]


def brute_force(sets: dict[Key, frozenset[int]], threshold: float) -> set[tuple[Key, Key]]:
    return {
        (a, b)
        for a, b in itertools.combinations(sorted(sets), 2)
        if len(sets[a] & sets[b]) / len(sets[a] | sets[b]) >= threshold
    }


@pytest.mark.parametrize("threshold", [0.3, 0.5, 0.7, 0.8, 0.9, 1.0])
def test_find_partners_matches_brute_force(threshold: float) -> None:
    # GIVEN families of overlapping random groups, many near the threshold
    rng = random.Random(threshold)
    sets: dict[Key, frozenset[int]] = {}
    for family in range(12):
        base = rng.sample(range(300), rng.randint(10, 40))
        for variant in range(5):
            members = set(base[: len(base) - rng.randint(0, 6)]) | set(
                rng.sample(range(300), rng.randint(0, 5))
            )
            sets[(Platform.QQ, f"{family}-{variant}")] = frozenset(members)
    # WHEN pairs are found with the prefix and size filters
    found = find_partners(sets, threshold)
    # THEN they are exactly the brute-force pairs, listed under both groups
    pairs = {
        tuple(sorted((key, other))) for key, partners in found.items() for other, _ in partners
    }
    assert pairs == brute_force(sets, threshold)
    assert sum(len(p) for p in found.values()) == 2 * len(pairs)
