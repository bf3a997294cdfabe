"""The scan of fixed roots gives exactly the output kept in tests/golden/ (see __init__)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.golden import HERE, ROOTS, dumps, scanned


@pytest.mark.parametrize("name", sorted(ROOTS))
def test_a_fixed_root_reads_exactly_as_before(name: str, tmp_path: Path) -> None:
    expected = json.loads((HERE / name).read_text(encoding="utf-8"))
    actual = json.loads(dumps(scanned(tmp_path, ROOTS[name])))
    assert actual["roster_rows"] == expected["roster_rows"]
    assert actual["errors"] == expected["errors"]
    assert len(actual["findings"]) == len(expected["findings"])
    for mine, kept in zip(actual["findings"], expected["findings"], strict=True):
        assert mine == kept
