"""Scan benchmark: the engine's read + evaluate against a bare `csv.reader` pass.

    python bench/scan_bench.py [--rows 1000000] [--whole] [--province]

Generates a CSV college (~250k people per 1M membership rows), then in one run and in
separate processes (so each peak RSS is its own): a bare csv.reader pass over the same
files, the engine at `rows` and at half of them with the same directory, and the XLSX
readers. Prints seconds, their ratio, rows/s and peak RSS.

`--whole` adds issue 21's whole-process figures: `python -m jobs scan` against a
`csv.reader` pass over the same files, each its own process, interleaved, median of 3; the
directory alone (500k people) against a csv.reader pass over it; and a college of 200k
rows end to end.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import math
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TODAY = date(2026, 11, 16)
ROWS_PER_GROUP = 70
PEOPLE_PER_ROW = 0.25


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def generate(root: Path, rows: int, people: int) -> None:
    from jobs.sample import generate_college

    plan = generate_college(
        root,
        today=TODAY,
        seed=11,
        groups=max(rows // ROWS_PER_GROUP, 1),
        people=people,
        formats="csv",
        plant=False,
    )
    print(
        f"  generated {root.name}: {plan.rows} roster rows, {plan.people} people, {plan.files} files"
    )


def child_baseline(root: Path) -> dict[str, float]:
    """A bare csv.reader pass over every table file (UTF-8/BOM, comma or tab)."""
    start = time.perf_counter()
    rows = 0
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        text = path.read_bytes().decode("utf-8-sig")
        delimiter = "\t" if text[:8192].count("\t") > text[:8192].count(",") else ","
        for _ in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            rows += 1
    return {"seconds": time.perf_counter() - start, "rows": rows, "peak_rss_mb": peak_rss_mb()}


def child_engine(root: Path) -> dict[str, float]:
    from chalicelib.core.settings import Settings
    from chalicelib.evaluate.scan import scan
    from chalicelib.intake.source import LocalSource

    start = time.perf_counter()
    result = scan(LocalSource(root), TODAY, Settings())
    return {
        "seconds": time.perf_counter() - start,
        "rows": result.roster_rows,
        "groups": len(result.groups),
        "findings": len(result.findings),
        "errors": len(result.errors),
        "peak_rss_mb": peak_rss_mb(),
    }


def child_xlsx(path: Path) -> dict[str, float]:
    """Rows/s of our XLSX roster path, of bare calamine and of openpyxl read-only."""
    import openpyxl
    import python_calamine

    from chalicelib.core.models import DataError
    from chalicelib.core.settings import Settings
    from chalicelib.intake.readers import read_tables
    from chalicelib.intake.rosters.cells import RosterCells
    from chalicelib.intake.rosters.rows import read_groups
    from chalicelib.intake.schema import ROSTERS
    from chalicelib.intake.source import SourceFile

    data = path.read_bytes()
    start = time.perf_counter()
    workbook = python_calamine.CalamineWorkbook.from_object(io.BytesIO(data))
    rows = sum(len(workbook.get_sheet_by_name(n).to_python()) for n in workbook.sheet_names)
    calamine_s = time.perf_counter() - start

    start = time.perf_counter()
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    for sheet in book.worksheets:
        for _ in sheet.iter_rows(values_only=True):
            pass
    openpyxl_s = time.perf_counter() - start

    start = time.perf_counter()
    file = SourceFile(f"rosters/qq/{path.name}", datetime(2026, 11, 15), len(data))
    tables, _ = read_tables(file.path, data, ROSTERS, Settings(), all_sheets=True)
    errors: list[DataError] = []
    for table in tables:
        read_groups(file, table, errors, RosterCells(date(2026, 11, 16), Settings()))
    ours_s = time.perf_counter() - start
    return {
        "rows": rows,
        "calamine_rows_per_s": rows / calamine_s,
        "openpyxl_rows_per_s": rows / openpyxl_s,
        "qungov_rows_per_s": rows / ours_s,
    }


def make_xlsx(path: Path, rows: int) -> None:
    import openpyxl

    workbook = openpyxl.Workbook(write_only=True)
    per_sheet = 50_000
    for sheet_index in range(max(rows // per_sheet, 1)):
        sheet = workbook.create_sheet(f"群{sheet_index}")
        sheet.append(["群号", "QQ号", "群名片", "身份", "入群时间", "最后发言"])
        for i in range(per_sheet):
            member = 1_000_000_000 + sheet_index * per_sheet + i
            sheet.append(
                [700 + i // 150, member, f"成员{i}", "成员", 45000 + i % 300, "2026-11-01 10:00"]
            )
    workbook.save(path)


def child_duplicate(groups_text: Path) -> dict[str, float]:
    """Seconds of the duplicate rule's pair search over one unit of `groups` groups: class-
    and course-sized member sets drawn from a population 3x the group count, with one
    planted near-copy per 100 groups."""
    import random

    from chalicelib.core.models import Platform
    from chalicelib.evaluate.rules.duplicate import _candidates, find_partners

    groups = int(str(groups_text))
    rng = random.Random(5)
    population = groups * 3
    sets = {}
    for index in range(groups):
        start = rng.randrange(population)
        size = rng.randrange(20, 150)
        sets[(Platform.QQ, str(index))] = frozenset(
            (start + rng.randrange(400)) % population for _ in range(size)
        )
    for index in range(0, groups, 100):  # a near-copy of every 100th group
        copy = set(sets[(Platform.QQ, str(index))])
        copy.pop()
        sets[(Platform.QQ, f"copy{index}")] = frozenset(copy)
    start_time = time.perf_counter()
    partners = find_partners(sets, 0.8)
    seconds = time.perf_counter() - start_time
    checked = len(_candidates(sets, 0.8))  # pairs that pass the filters: verified exactly
    return {"seconds": seconds, "pairs": len(partners) / 2, "checked": checked}


def province(rows: int, groups: int) -> dict[str, float]:
    """A province: `jobs sample` at `rows` membership rows and `groups` groups, then the
    whole `python -m jobs scan` process on it, wall time and peak RSS."""
    with tempfile.TemporaryDirectory(prefix="qungov-province-") as tmp:
        root = Path(tmp) / "data"
        subprocess.run(
            [sys.executable, "-m", "jobs", "sample", "--out", str(root), "--groups", str(groups),
             "--members", str(rows / groups), "--today", TODAY.isoformat(), "--formats", "csv"],
            cwd=ROOT, check=True, capture_output=True, text=True,
        )  # fmt: skip
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "jobs", "scan", "--data", str(root), "--out", f"{tmp}/out",
             "--today", TODAY.isoformat()],
            cwd=ROOT, check=True, capture_output=True, text=True,
        )  # fmt: skip
        seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"seconds": seconds, "peak_rss_mb": peak}


def child_directory(root: Path) -> dict[str, float]:
    """The directory/ files read by the engine's loader (the collector paused, as the scan
    reads them), by a bare csv.reader pass, and by the floor: a reader that only splits the
    lines and indexes each person's id and accounts (first listing wins), checking nothing."""
    from chalicelib.core.collector import paused_gc
    from chalicelib.core.models import DataError
    from chalicelib.core.settings import Settings
    from chalicelib.intake.catalogue import DIRECTORY, Reading, read_kind
    from chalicelib.intake.config import load_units
    from chalicelib.intake.source import LocalSource

    source, settings = LocalSource(root), Settings()
    errors: list[DataError] = []
    reading = Reading(TODAY, settings, load_units(source, settings, errors))
    paths = sorted((root / "directory").iterdir())
    # csv.reader first: after the engine, its allocations would set off collections that
    # walk the 500k persons the engine keeps
    start = time.perf_counter()
    for path in paths:
        text = path.read_bytes().decode("utf-8-sig")
        for _ in csv.reader(io.StringIO(text, newline="")):
            pass
    bare = time.perf_counter() - start
    start = time.perf_counter()
    with paused_gc():
        for _ in read_kind(source, DIRECTORY, reading, errors):
            pass
    engine = time.perf_counter() - start
    with paused_gc():
        floor = _floor_directory(paths)
    return {"people": len(reading.directory), "engine_s": engine, "csv_s": bare, "floor_s": floor}


def _floor_directory(paths: list[Path]) -> float:
    """Seconds to index the generated directory's ids and accounts, and nothing else."""
    start = time.perf_counter()
    ids: list[str] = []
    accounts: dict[str, dict[str, int]] = {}
    for path in paths:
        header, *lines = path.read_bytes().decode("utf-8-sig").split("\n")
        columns = [
            (accounts.setdefault(name, {}), at)
            for at, name in enumerate(header.split(","))
            if name in ("QQ", "QQ号", "微信", "微信号", "企业微信")
        ]
        for line in lines:
            if not line:
                continue
            row = line.split(",")
            ids.append(row[0])
            for index, at in columns:
                if row[at] and row[at] not in index:
                    index[row[at]] = len(ids) - 1
    return time.perf_counter() - start


def whole_process(root: Path, runs: int = 3) -> tuple[float, float, float]:
    """Median seconds of the whole `jobs scan` process and of a bare csv.reader process over
    the same files, run alternately so that both see the same machine; and the ratio of
    their median CPU seconds (user + system), which a busy machine moves less."""
    scan_args = [sys.executable, "-m", "jobs", "scan", "--data", str(root), "--today",
                 TODAY.isoformat(), "--out", str(root.parent / "scan-out")]  # fmt: skip
    base_args = [sys.executable, __file__, "--child", "baseline", str(root)]
    walls: dict[str, list[float]] = {"scan": [], "base": []}
    cpus: dict[str, list[float]] = {"scan": [], "base": []}
    for _ in range(runs):
        for name, args in (("scan", scan_args), ("base", base_args)):
            start, used = time.perf_counter(), _children_cpu()
            subprocess.run(args, cwd=ROOT, check=True, capture_output=True)
            walls[name].append(time.perf_counter() - start)
            cpus[name].append(_children_cpu() - used)

    def median(times: list[float]) -> float:
        return sorted(times)[runs // 2]

    cpu_ratio = median(cpus["scan"]) / median(cpus["base"])
    return median(walls["scan"]), median(walls["base"]), cpu_ratio


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def whole(tmp: Path, rows: int) -> None:
    """Issue 21's whole-process targets."""
    root = tmp / "whole"
    generate(root, rows, int(rows * PEOPLE_PER_ROW))
    scan_s, base_s, cpu_ratio = whole_process(root)
    print(
        f"whole jobs scan {rows} rows: {scan_s:.2f} s, csv.reader process {base_s:.2f} s, "
        f"ratio {scan_s / base_s:.2f} (target <= 3.0, median of 3, interleaved); "
        f"CPU seconds ratio {cpu_ratio:.2f}"
    )
    college = tmp / "college"
    generate(college, 200_000, 50_000)
    scan_s, base_s, _ = whole_process(college)
    print(f"college 200k rows: jobs scan {scan_s:.2f} s (target < 2), csv.reader {base_s:.2f} s")
    people = tmp / "people"
    generate(people, 20_000, 500_000)
    figures = run_child("directory", people)
    print(
        f"directory {figures['people']:.0f} people: engine {figures['engine_s']:.2f} s, "
        f"csv.reader {figures['csv_s']:.2f} s, ratio {figures['engine_s'] / figures['csv_s']:.2f} "
        f"(target <= 2); the floor (ids and accounts indexed, nothing checked) "
        f"{figures['floor_s']:.2f} s, ratio {figures['floor_s'] / figures['csv_s']:.2f}"
    )


def run_child(kind: str, target: Path) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", kind, str(target)],
        check=True,
        capture_output=True,
        text=True,
    )
    figures: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--xlsx-rows", type=int, default=200_000)
    parser.add_argument(
        "--province", action="store_true", help="also run the province: 10M rows, 100k groups"
    )
    parser.add_argument(
        "--whole", action="store_true", help="also the whole-process figures (issue 21)"
    )
    parser.add_argument("--child", nargs=2, metavar=("KIND", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, target = args.child
        handler = {
            "baseline": child_baseline,
            "engine": child_engine,
            "xlsx": child_xlsx,
            "duplicate": child_duplicate,
            "directory": child_directory,
        }[kind]
        print(json.dumps(handler(Path(target))))
        return

    people = int(args.rows * PEOPLE_PER_ROW)
    print(f"qungov scan benchmark: {args.rows} rows, {people} people, {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory(prefix="qungov-bench-") as tmp:
        full, half = Path(tmp) / "full", Path(tmp) / "half"
        generate(full, args.rows, people)
        generate(half, args.rows // 2, people)

        baseline = run_child("baseline", full)
        engine = run_child("engine", full)
        engine_half = run_child("engine", half)
        xlsx_path = Path(tmp) / "roster.xlsx"
        make_xlsx(xlsx_path, args.xlsx_rows)
        xlsx = run_child("xlsx", xlsx_path)
        if args.whole:
            whole(Path(tmp), args.rows)
    duplicates = {n: run_child("duplicate", Path(str(n))) for n in (25_000, 50_000, 100_000)}

    ratio = engine["seconds"] / baseline["seconds"]
    extra_rows = engine["rows"] - engine_half["rows"]
    growth = (engine["peak_rss_mb"] - engine_half["peak_rss_mb"]) / extra_rows * 1_000_000
    print(
        f"csv.reader baseline : {baseline['seconds']:7.2f} s  {baseline['rows']:>9} rows (all files)  peak RSS {baseline['peak_rss_mb']:6.0f} MB"
    )
    print(
        f"engine read+evaluate: {engine['seconds']:7.2f} s  {engine['rows']:>9} roster rows  {engine['rows'] / engine['seconds']:>9.0f} rows/s  peak RSS {engine['peak_rss_mb']:6.0f} MB"
    )
    print(
        f"  groups {engine['groups']}, findings {engine['findings']}, data errors {engine['errors']}"
    )
    print(f"ratio engine / csv.reader: {ratio:.2f}  (in-process; whole process: --whole)")
    print(
        f"engine at half the rows : {engine_half['seconds']:7.2f} s  {engine_half['rows']:>9} roster rows  peak RSS {engine_half['peak_rss_mb']:6.0f} MB"
    )
    print(f"peak RSS growth per extra 1M rows (same directory): {growth:.0f} MB  (target <= 100)")
    print(
        f"XLSX {xlsx['rows']} rows: qungov {xlsx['qungov_rows_per_s']:.0f} rows/s (target >= 150000); "
        f"bare calamine {xlsx['calamine_rows_per_s']:.0f} rows/s; openpyxl read-only {xlsx['openpyxl_rows_per_s']:.0f} rows/s"
    )
    for n, figures in duplicates.items():
        print(
            f"duplicate rule, one unit of {n:>6} groups: {figures['seconds']:6.2f} s, "
            f"{figures['checked']:.0f} candidate pairs checked, {figures['pairs']:.0f} found"
        )
    growth = math.log(duplicates[100_000]["seconds"] / duplicates[25_000]["seconds"], 4)
    if args.province:
        run = province(10_000_000, 100_000)
        print(
            f"province (jobs sample, 10M rows, 100k groups) jobs scan: {run['seconds']:.1f} s "
            f"(target <= 60), peak RSS {run['peak_rss_mb'] / 1024:.2f} GB (target <= 3)"
        )
    print(
        f"  time grows as groups^{growth:.2f} from 25k to 100k groups (target < 2: not quadratic)"
    )


if __name__ == "__main__":
    main()
