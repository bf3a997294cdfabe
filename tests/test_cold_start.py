"""A cold start loads only its function's code: `import app` loads no flow, and each
handler's own imports (the portal's: those of every route) leave out the heavy libraries
other functions need (workbooks, charts, templates, spreadsheet readers). Checked in fresh
processes by the modules loaded, not by time (bench/cold_start.py measures the time)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from jobs.handlers import API_FUNCTION, handler_imports
from jobs.template import functions

ROOT = Path(__file__).resolve().parents[1]
HEAVY = {"xlsxwriter", "PIL", "jinja2", "python_calamine", "email_validator"}
FLOWS = {
    f"chalicelib.flows.{flow}"
    for flow in ("weekly", "rollup", "uploads", "delivery", "watch", "portal")
}
# what each function may load of HEAVY: what its work needs (email_validator none at import:
# only an unusual address, checked at run time, loads it; chalicelib/core/values.py)
NEEDS = {
    "weekly_scan": {"xlsxwriter", "jinja2", "python_calamine"},
    "weekly_rollup": HEAVY - {"email_validator"},
    "monthly_rollup": HEAVY - {"email_validator"},
    "weekly_watch": set(),
    "send_digest": set(),
    "validate_upload": {"jinja2", "python_calamine"},
    # its pages (jinja2), config/units.* (which may be a workbook: calamine) and their
    # addresses; no workbook is written, no chart drawn
    API_FUNCTION: {"jinja2", "python_calamine"},
}


def loaded_after(*modules: str) -> set[str]:
    probe = (
        "import importlib, json, sys; import app\n"
        "for m in sys.argv[1:]: importlib.import_module(m)\n"
        "print(json.dumps(sorted(sys.modules)))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe, *modules],
        cwd=ROOT, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return set(json.loads(result.stdout))


def test_importing_the_app_loads_no_flow_and_nothing_heavy() -> None:
    loaded = loaded_after()
    assert not loaded & FLOWS
    assert not {name.split(".")[0] for name in loaded} & HEAVY


@pytest.mark.parametrize("function", sorted(NEEDS))
def test_a_handler_loads_its_own_flow_and_only_the_heavy_libraries_it_needs(
    function: str,
) -> None:
    own = handler_imports(function).own
    loaded = loaded_after(*own)
    assert len(loaded & FLOWS) == 1  # its own flow, none of the others
    assert {name.split(".")[0] for name in loaded} & HEAVY == NEEDS[function]


def test_every_function_of_the_template_is_checked() -> None:
    assert set(NEEDS) == {function.name for function in functions("prod")}
