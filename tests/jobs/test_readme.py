"""The README a newcomer reads: its column names are the readers' own, and every line of
its "Try it" block runs as written after `make demo`."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from datetime import date
from pathlib import Path

from jobs.columns import columns_markdown
from jobs.sample import generate_college

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def between(name: str) -> str:
    match = re.search(rf"<!-- {name}:begin -->\n(.*?)<!-- {name}:end -->", README, re.S)
    assert match is not None, name
    return match.group(1)


def test_the_accepted_column_names_are_the_readers_own() -> None:
    assert between("columns") == columns_markdown()


def test_every_try_it_line_runs_as_written_after_the_demo(tmp_path: Path) -> None:
    # GIVEN the demo's first week of data where `make demo` writes it
    generate_college(tmp_path / "out/demo/data/week1", today=date(2026, 11, 16))
    lines = [line for line in between("try").splitlines() if line.startswith(".venv/bin/python")]
    assert len(lines) >= 4
    env = os.environ | {"PYTHONPATH": str(ROOT)}
    for line in lines:
        command = [sys.executable, *shlex.split(line)[1:]]
        run = subprocess.run(
            command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300
        )
        assert run.returncode == 0, f"{line}\n{run.stderr}"
        assert "Traceback" not in run.stderr
