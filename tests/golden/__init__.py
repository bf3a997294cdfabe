"""Fixed outputs of the scan, kept to show that a change of the engine (a faster loop, a
new cache) reads every root exactly as before: every finding, row error and warning.

Regenerate only when the output is meant to change (a new rule, a reworded message),
and read the diff: `python -m tests.golden`."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from chalicelib.core.settings import Settings
from chalicelib.evaluate.scan import scan
from chalicelib.intake.source import LocalSource
from jobs.sample import generate_college

HERE = Path(__file__).parent
TODAY = date(2026, 11, 16)
# (file, generate_college's arguments): a mixed college with every planted problem, bad
# rows and an unreadable file; a larger CSV-only one, as the benchmark's roots are written.
ROOTS: dict[str, dict[str, Any]] = {
    "mixed-college.json": {"seed": 3, "groups": 150, "formats": "mixed"},
    "csv-college.json": {"seed": 5, "groups": 400, "formats": "csv", "people": 6000},
}


def scanned(root: Path, arguments: dict[str, Any]) -> dict[str, Any]:
    """What the scan of a generated root says, as canonical JSON-ready data."""
    generate_college(root, today=TODAY, **arguments)
    result = scan(LocalSource(root), TODAY, Settings())
    findings = sorted(
        (f.to_json_dict() for f in result.findings),
        key=lambda f: (f["platform"], f["group_id"], f["rule"]),
    )
    errors = [e.model_dump(mode="json") for e in result.errors]
    return {"findings": findings, "errors": errors, "roster_rows": result.roster_rows}


def dumps(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
