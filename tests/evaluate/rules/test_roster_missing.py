from __future__ import annotations

import json
from datetime import datetime

from chalicelib.core.models import FilingStatus
from chalicelib.evaluate.rules.roster_missing import roster_missing
from tests.factories import (
    FILED_ON,
    make_context,
    make_filing,
    make_group,
    make_settings,
    make_snapshot,
)


def test_flags_filed_group_without_snapshot() -> None:
    # GIVEN a filed group with no current roster export
    group = make_group(filing=make_filing())
    # WHEN checked
    violation = roster_missing(group, make_context())
    # THEN the age limit of exports is named
    assert violation is not None
    assert violation.message == "该群已登记,但从未收到该群的成员名单。"
    assert violation.evidence == {
        "roster_max_age_days": 14,
        "filing_status": "filed",
        "filed_on": FILED_ON.isoformat(),
    }
    json.dumps(violation.evidence)


def test_flags_pending_group_without_snapshot() -> None:
    group = make_group(filing=make_filing(status=FilingStatus.PENDING))
    violation = roster_missing(group, make_context())
    assert violation is not None
    assert violation.evidence["filing_status"] == "pending"


def test_passes_filed_group_with_snapshot() -> None:
    group = make_group(filing=make_filing(), snapshot=make_snapshot())
    assert roster_missing(group, make_context()) is None


def test_passes_group_without_filing() -> None:
    assert roster_missing(make_group(snapshot=make_snapshot()), make_context()) is None


def test_names_the_configured_roster_age() -> None:
    ctx = make_context(settings=make_settings(roster_max_age_days=30))
    group = make_group(filing=make_filing(), stale_export=datetime(2026, 8, 1, 10, 0))
    violation = roster_missing(group, ctx)
    assert violation is not None
    assert "已超过 30 天" in violation.message and violation.evidence["roster_max_age_days"] == 30


def test_a_group_whose_only_export_is_too_old_is_told_when_it_was_exported() -> None:
    # GIVEN a filed group whose newest export is 20 days old
    group = make_group(filing=make_filing(), stale_export=datetime(2026, 8, 20, 9, 30))
    # WHEN checked
    violation = roster_missing(group, make_context())
    # THEN the message names the export's day and the age limit
    assert violation is not None
    assert violation.message == (
        "该群已登记,但最近一份成员名单导出于 2026-08-20,已超过 14 天,超过 14 天的名单不予采用。"
    )
    assert violation.evidence["last_export_on"] == "2026-08-20"
