from __future__ import annotations

import json

from chalicelib.evaluate.rules.owner_mismatch import owner_mismatch
from tests.factories import make_context, make_filing, make_group, make_snapshot


def test_passes_roster_owner_equal_to_filed_owner() -> None:
    group = make_group(
        filing=make_filing(owner_id="1234567890"), snapshot=make_snapshot(owner_id="1234567890")
    )
    assert owner_mismatch(group, make_context()) is None


def test_flags_roster_owner_different_from_filed_owner() -> None:
    # GIVEN the filing names one owner account and the roster shows another
    filing = make_filing(owner_id="1234567890", owner_name="张三")
    group = make_group(filing=filing, snapshot=make_snapshot(owner_id="9876543210"))
    # WHEN checked
    violation = owner_mismatch(group, make_context())
    # THEN both accounts are named, masked
    assert violation is not None
    assert violation.message == "名单中的群主账号为 98****10,与备案的群主账号 12****90 不符。"
    assert violation.evidence == {
        "roster_owner": "98****10",
        "filed_owner": "12****90",
        "filed_owner_name": "张*",
        "members": [{"shown": "", "account": "98****10", "person": "", "status": "", "unit": ""}],
    }
    json.dumps(violation.evidence)


def test_passes_when_filing_names_no_owner() -> None:
    group = make_group(filing=make_filing(), snapshot=make_snapshot(owner_id="9876543210"))
    assert owner_mismatch(group, make_context()) is None


def test_passes_when_roster_shows_no_owner() -> None:
    group = make_group(filing=make_filing(owner_id="1234567890"), snapshot=make_snapshot())
    assert owner_mismatch(group, make_context()) is None


def test_passes_unfiled_group() -> None:
    assert owner_mismatch(make_group(snapshot=make_snapshot(owner_id="1")), make_context()) is None
