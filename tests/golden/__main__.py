"""Rewrite the kept outputs: `python -m tests.golden` (read the diff before committing)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from tests.golden import HERE, ROOTS, dumps, scanned

for name, arguments in ROOTS.items():
    with tempfile.TemporaryDirectory() as folder:
        (HERE / name).write_text(dumps(scanned(Path(folder), arguments)), encoding="utf-8")
    print(f"wrote tests/golden/{name}")
