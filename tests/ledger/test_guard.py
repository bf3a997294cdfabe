"""The mass-change guard on new findings (DESIGN.md, Guards): a run that would open more
new findings of one rule than max(guard_new_min, guard_new_share x groups) holds them."""

from __future__ import annotations

import pytest

from chalicelib.ledger.guard import guard
from chalicelib.ledger.reconcile import reconcile
from tests.factories import TODAY, make_settings
from tests.ledger.test_reconcile import make_finding, seen


@pytest.mark.parametrize(
    ("share", "groups", "opened", "held"),
    [
        (0.1, 205, 20, False),  # 20 is not more than 20.5
        (0.1, 205, 21, True),  # 21 is more than 20.5 (the limit is not rounded up to 21)
        (0.1, 200, 20, False),  # exactly at the limit
        (0.1, 200, 21, True),
        (0.1, 100, 20, False),  # below 200 groups the minimum of 20 decides
        (0.1, 100, 21, True),
        (0.57, 100, 57, False),  # 0.57 x 100 is 56.99999999999999 in floating point
        (0.57, 100, 58, True),
    ],
)
def test_more_new_findings_of_one_rule_than_the_limit_are_held(
    share: float, groups: int, opened: int, held: bool
) -> None:
    # GIVEN a run over `groups` groups that would open `opened` new findings of one rule
    ids = [str(100001 + n) for n in range(opened)]
    findings = [make_finding(group_id=group_id) for group_id in ids]
    changes = reconcile({}, findings, TODAY, seen(*ids))
    settings = make_settings(guard_new_min=20, guard_new_share=share)
    # WHEN the guard looks at them
    guarded = guard(changes, {}, [], groups, settings)
    # THEN they are all held exactly when they are more than max(20, 0.1 x groups)
    assert (len(guarded.held), len(guarded.changes)) == ((opened, 0) if held else (0, opened))
