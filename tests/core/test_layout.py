"""Keys derived from uploaded keys stay one per uploaded key, whatever the key holds: no
two uploads share a receipt or a quarantine place, and none escapes its prefix."""

from __future__ import annotations

from datetime import date
from itertools import combinations

import pytest

from chalicelib.core.layout import (
    QUARANTINE,
    RECEIPTS,
    quarantine_key,
    quarantined_from,
    receipt_key,
    report_prefix,
)
from chalicelib.core.models import RollupKind
from chalicelib.core.values import safe_filename

TRICKY = [
    "rosters/qq/a.csv",
    "rosters/qq/../qq/a.csv",  # `..` would fold onto the key above
    "rosters/qq/./a.csv",
    "rosters/qq//a.csv",
    "rosters/qq/a.csv/",
    "/rosters/qq/a.csv",
    "rosters/qq/../../config/units.csv",
    "config/units.csv",
    "rosters/qq/Ａ.csv",  # full-width A: a look-alike, another key
    "rosters/qq/A.csv",
    "rosters/qq/a%2E%2E.csv",  # already looks escaped
    "rosters/qq/%2E%2E/a.csv",
    "rosters/qq/%25.csv",
    "rosters/qq/%.csv",
]


@pytest.mark.parametrize("derive", [receipt_key, quarantine_key])
def test_no_two_uploaded_keys_share_a_derived_key(derive: object) -> None:
    assert callable(derive)
    derived = [derive(key) for key in TRICKY]

    assert len(set(derived)) == len(TRICKY)
    for first, second in combinations(derived, 2):
        assert first != second


@pytest.mark.parametrize("key", TRICKY)
def test_a_derived_key_has_no_segment_a_path_could_fold(key: str) -> None:
    for derived, prefix in ((receipt_key(key), RECEIPTS), (quarantine_key(key), QUARANTINE)):
        assert derived.startswith(prefix)
        segments = derived.removeprefix(prefix).split("/")
        assert not {"", ".", ".."} & set(segments), derived


@pytest.mark.parametrize("key", TRICKY)
def test_a_quarantined_key_names_the_key_it_was_uploaded_to(key: str) -> None:
    assert quarantined_from(quarantine_key(key)) == key


def test_an_ordinary_key_is_kept_as_it_is() -> None:
    key = "rosters/qq/信工学院/2024级 1班.csv"

    assert (receipt_key(key), quarantine_key(key)) == (
        f"receipts/{key}.json",
        f"quarantine/{key}",
    )


def test_reports_are_archived_by_iso_week_and_by_month() -> None:
    assert report_prefix(RollupKind.WEEK, date(2027, 1, 1)) == "reports/2026/W53/"
    assert report_prefix(RollupKind.MONTH, date(2027, 1, 4)) == "reports/2027/M01/"


def test_names_that_had_to_change_never_share_a_file() -> None:
    names = ["党委/工作部", "党委:工作部", "党委_工作部", "../党委工作部", "党委工作部"]

    files = [safe_filename(name) for name in names]

    assert len(set(files)) == len(names)
    assert files[-1] == "党委工作部" and files[2] == "党委_工作部"
    assert all("/" not in f and ":" not in f and not f.startswith(".") for f in files)
