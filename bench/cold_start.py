"""What a cold start imports, per function: before (every flow imported by app.py, and no
bytecode in the package, as Lambda's read-only code directory then compiles every module
on every cold start) and after (each handler imports its own flow when it first runs, and
the package carries bytecode: jobs/package.py).

    python bench/cold_start.py [--runs 9]

Each figure is the median over fresh processes of the time `import app` and the
function's first-run imports take (the portal's: those of every route of app.py, as
jobs/handlers.py reads them). Our code (app.py, chalicelib/) is copied to a scratch
folder and imported from there with `-B` (nothing written back, as on Lambda); the
dependencies come from this venv, already compiled, so only our own modules' compilation
is in the "source" figures. The interpreter is this venv's, not the runtime's python3.13:
the ratios carry over, the milliseconds roughly.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from jobs.handlers import handler_imports
from jobs.template import ROOT, functions

PROBE = """
import importlib, sys, time
start = time.perf_counter()
import app
for module in sys.argv[1:]:
    importlib.import_module(module)
print(time.perf_counter() - start)
"""


def copy_code(target: Path, *, compiled: bool) -> Path:
    target.mkdir()
    shutil.copyfile(ROOT / "app.py", target / "app.py")
    shutil.copytree(
        ROOT / "chalicelib", target / "chalicelib", ignore=shutil.ignore_patterns("__pycache__")
    )
    if compiled:
        subprocess.run(
            [sys.executable, "-m", "compileall", "-q", "--invalidation-mode", "unchecked-hash",
             str(target)],
            check=True,
        )  # fmt: skip
    return target


def import_ms(code: Path, modules: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        result = subprocess.run(
            [sys.executable, "-B", "-c", PROBE, *modules],
            cwd=code, capture_output=True, text=True, check=True,
            env={"PYTHONPATH": str(code), "PATH": "/usr/bin:/bin"},
        )  # fmt: skip
        times.append(float(result.stdout) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    handlers = [function.name for function in functions("prod")]
    own = {name: sorted(handler_imports(name).own) for name in handlers}
    every_flow = sorted({module for modules in own.values() for module in modules})
    with tempfile.TemporaryDirectory() as scratch:
        source = copy_code(Path(scratch) / "source", compiled=False)
        compiled = copy_code(Path(scratch) / "compiled", compiled=True)
        print(f"cold-start imports, median of {args.runs} fresh processes (ms)")
        print(
            f"{'function':<16}{'before':>9}{'lazy only':>11}{'pyc only':>10}{'after':>9}"
            f"{'after/before':>14}"
        )
        ratios = []
        for name in handlers:
            before = import_ms(source, every_flow, args.runs)
            lazy = import_ms(source, own[name], args.runs)
            pyc = import_ms(compiled, every_flow, args.runs)
            after = import_ms(compiled, own[name], args.runs)
            ratios.append(after / before)
            print(
                f"{name:<16}{before:>9.0f}{lazy:>11.0f}{pyc:>10.0f}{after:>9.0f}"
                f"{after / before:>14.2f}"
            )
        print(f"geometric mean after/before: {statistics.geometric_mean(ratios):.2f}")


if __name__ == "__main__":
    main()
