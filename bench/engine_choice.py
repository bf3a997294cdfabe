"""Which engine for the scan's roster and directory rows: measured as whole processes.

    python bench/engine_choice.py [--rows 1000000] [--demo-rows 200000]

duckdb and polars are not qungov dependencies; install them beside it to measure them
(`pip install duckdb==2.0.1 polars==2.1.0`); an engine that is not installed is reported
as such. Every figure is a separate process, its interpreter start and imports included.

The work, on the same generated CSV college:
- `csv.reader`: the bare pass over every file that bench/scan_bench.py takes as baseline;
- `python`: the real `python -m jobs scan` (every cell checked, the 13 rules, the output
  files written): what a native engine has to do as well;
- `duckdb`, `polars`: only the part a native engine would take over: each roster file's
  rows (its columns as qungov's own header detection found them, handed over by column
  position) folded into per-group facts (distinct members, owner, earliest joining day,
  latest speaking day) and the members joined to the directory's accounts (mapped count).
So `python` against `duckdb`/`polars` is what a native path could save at best.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from scan_bench import PEOPLE_PER_ROW, TODAY, child_baseline, generate

ENGINES = ("duckdb", "polars")
ACCOUNT_COLUMNS = ("QQ号", "QQ", "微信号", "微信", "企业微信")  # the sample directory's


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def roster_plan(root: Path) -> list[dict[str, Any]]:
    """Each roster file's columns by position, as qungov's readers detect them."""
    from chalicelib.core.models import Platform
    from chalicelib.core.settings import Settings
    from chalicelib.intake import group_ids
    from chalicelib.intake.readers import read_tables
    from chalicelib.intake.schema import ROSTERS

    plan = []
    for path in sorted((root / "rosters").rglob("*.csv")):
        relative = path.relative_to(root).as_posix()
        (table,), _ = read_tables(relative, path.read_bytes(), ROSTERS, Settings())
        platform = Platform(relative.split("/")[1])
        default = None
        if "group_id" not in table.columns:
            default = group_ids.from_names(platform, relative, None) or path.stem
        plan.append(
            {
                "path": str(path),
                "platform": platform.value,
                "skip": table.header_row,
                "width": len(table.header),
                "group_id": default,
                **{
                    f: table.columns.get(f)
                    for f in ("group_id", "member_id", "role", "joined_at", "last_spoke_at")
                },
            }
        )
    return plan


def directory_plan(root: Path) -> list[dict[str, Any]]:
    plan = []
    for path in sorted((root / "directory").glob("*.csv")):
        header = path.read_text(encoding="utf-8-sig").splitlines()[0].split(",")
        columns = [i for i, name in enumerate(header) if name in ACCOUNT_COLUMNS]
        plan.append({"path": str(path), "width": len(header), "accounts": columns})
    return plan


def child_duckdb(plan_file: Path) -> dict[str, float]:
    """Files of one layout (columns, header row) are read by one read_csv call: one
    statement per file measured 5x slower at 2,000 files."""
    import duckdb

    plan = json.loads(plan_file.read_text())
    db = duckdb.connect()
    db.execute("CREATE TEMP TABLE files (filename VARCHAR, platform VARCHAR, group_id VARCHAR)")
    db.executemany(
        "INSERT INTO files VALUES (?, ?, ?)",
        [(f["path"], f["platform"], f["group_id"]) for f in plan["rosters"]],
    )
    layouts: dict[tuple[Any, ...], list[str]] = {}
    for file in plan["rosters"]:
        fields = ("width", "skip", "group_id", "member_id", "role", "joined_at", "last_spoke_at")
        layout = tuple(file[f] if not isinstance(file[f], str) else None for f in fields)
        layouts.setdefault(layout, []).append(file["path"])
    parts = []
    for (width, skip, group_at, *at), paths in layouts.items():

        def col(position: int | None) -> str:
            return f"r.column{position}" if position is not None else "NULL"

        member, role, joined, spoke = map(col, at)
        group = col(group_at) if group_at is not None else "f.group_id"
        parts.append(
            f"SELECT f.platform, {group} AS group_id, trim({member}) AS member, {role} AS role,"
            f" left({joined}, 10) AS joined, left({spoke}, 10) AS spoke"
            f" FROM read_csv({paths!r}, header=false, skip={skip}, all_varchar=true,"
            f" filename=true, columns={_columns(width)}) r JOIN files f USING (filename)"
        )
    db.execute("CREATE TEMP TABLE rows AS " + " UNION ALL ".join(parts))
    accounts = " UNION ALL ".join(
        f"SELECT trim(unnest(string_split(column{at}, ';'))) AS account"
        f" FROM read_csv('{file['path']}', header=false, skip=1, all_varchar=true,"
        f" columns={_columns(file['width'])})"
        for file in plan["directory"]
        for at in file["accounts"]
    )
    db.execute(f"CREATE TEMP TABLE accounts AS SELECT DISTINCT account FROM ({accounts})")
    facts = db.execute(
        """
        SELECT platform, group_id, count(DISTINCT member) AS members,
               min(member) FILTER (WHERE role IN ('owner', '群主')) AS owner,
               min(joined) AS first_day, max(spoke) AS last_day,
               count(DISTINCT member) FILTER (WHERE account IS NOT NULL) AS mapped,
               list(DISTINCT member) AS ids
        FROM rows LEFT JOIN accounts ON rows.member = accounts.account
        GROUP BY platform, group_id
        """
    ).fetchall()
    return {"groups": len(facts), "peak_rss_mb": peak_rss_mb()}


def _columns(width: int) -> str:
    return "{" + ", ".join(f"'column{i}': 'VARCHAR'" for i in range(width)) + "}"


def child_polars(plan_file: Path) -> dict[str, float]:
    import polars as pl

    plan = json.loads(plan_file.read_text())
    frames = []
    for file in plan["rosters"]:
        frame = pl.scan_csv(
            file["path"],
            has_header=False,
            skip_rows=file["skip"],
            infer_schema=False,
            new_columns=[f"c{i}" for i in range(file["width"])],
        )

        def col(field: str, _file: dict[str, Any] = file) -> pl.Expr:
            at = _file[field]
            return pl.col(f"c{at}") if isinstance(at, int) else pl.lit(None, dtype=pl.String)

        group = (
            col("group_id")
            if isinstance(file["group_id"], int)
            else pl.lit(file["group_id"], dtype=pl.String)
        )
        frames.append(
            frame.select(
                pl.lit(file["platform"]).alias("platform"),
                group.alias("group_id"),
                col("member_id").str.strip_chars().alias("member"),
                col("role").alias("role"),
                col("joined_at").str.slice(0, 10).alias("joined"),
                col("last_spoke_at").str.slice(0, 10).alias("spoke"),
            )
        )
    accounts = pl.concat(
        [
            pl.scan_csv(
                file["path"],
                has_header=False,
                skip_rows=1,
                infer_schema=False,
                new_columns=[f"c{i}" for i in range(file["width"])],
            ).select(pl.col(f"c{at}").str.split(";").alias("account"))
            for file in plan["directory"]
            for at in file["accounts"]
        ]
    )
    accounts = (
        accounts.explode("account")
        .select(pl.col("account").str.strip_chars())
        .unique()
        .with_columns(pl.lit(True).alias("known"))
    )
    rows = pl.concat(frames).join(accounts, left_on="member", right_on="account", how="left")
    facts = (
        rows.group_by("platform", "group_id")
        .agg(
            pl.col("member").n_unique().alias("members"),
            pl.col("member").filter(pl.col("role").is_in(["owner", "群主"])).min().alias("owner"),
            pl.col("joined").min().alias("first_day"),
            pl.col("spoke").max().alias("last_day"),
            pl.col("member").filter(pl.col("known")).n_unique().alias("mapped"),
            pl.col("member").unique().alias("ids"),
        )
        .collect()
    )
    facts.rows()  # handed back to Python, as the rules would need them
    return {"groups": facts.height, "peak_rss_mb": peak_rss_mb()}


def child_python(root: Path) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as out:
        done = subprocess.run(
            [sys.executable, "-m", "jobs", "scan", "--data", str(root), "--out", out,
             "--today", TODAY.isoformat()],
            cwd=Path(__file__).resolve().parents[1], capture_output=True, text=True, check=True,
        )  # fmt: skip
    del done
    child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"peak_rss_mb": child}


def child_import(engine: str) -> dict[str, float]:
    start = time.perf_counter()
    __import__(engine)
    return {"import_s": time.perf_counter() - start}


def run(kind: str, target: str) -> tuple[float, dict[str, float]]:
    start = time.perf_counter()
    out = subprocess.run(
        [sys.executable, __file__, "--child", kind, target], capture_output=True, text=True
    )
    if out.returncode != 0:
        raise SystemExit(f"{kind} failed:\n{out.stderr[-3000:]}")
    return time.perf_counter() - start, json.loads(out.stdout.strip().splitlines()[-1])


def installed(engine: str) -> float | None:
    """MB the engine's distributions take installed (polars: its runtime too)."""
    names = {"duckdb": ["duckdb"], "polars": ["polars", "polars-runtime-32"]}[engine]
    try:
        return (
            sum(
                (file.size or 0)
                for name in names
                for file in metadata.distribution(name).files or []
            )
            / 1e6
        )
    except metadata.PackageNotFoundError:
        return None


def measure(root: Path, plan_file: Path, engines: list[str]) -> dict[str, float]:
    seconds = {"csv.reader": run("baseline", str(root))[0], "python": run("python", str(root))[0]}
    for engine in engines:
        seconds[engine] = run(engine, str(plan_file))[0]
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--demo-rows", type=int, default=200_000)
    parser.add_argument("--child", nargs=2, metavar=("KIND", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, target = args.child
        if kind == "import":
            print(json.dumps(child_import(target)))
            return
        handler = {"baseline": child_baseline, "python": child_python,
                   "duckdb": child_duckdb, "polars": child_polars}[kind]  # fmt: skip
        print(json.dumps(handler(Path(target))))
        return

    engines = [e for e in ENGINES if installed(e) is not None]
    missing = [e for e in ENGINES if e not in engines]
    print(f"engine choice: {os.cpu_count()} cores; not installed: {', '.join(missing) or 'none'}")
    results = {}
    with tempfile.TemporaryDirectory(prefix="qungov-engines-") as tmp:
        for label, rows in (("1M", args.rows), ("demo", args.demo_rows)):
            root = Path(tmp) / label
            generate(root, rows, int(rows * PEOPLE_PER_ROW))
            plan_file = Path(tmp) / f"{label}.json"
            plan = {"rosters": roster_plan(root), "directory": directory_plan(root)}
            plan_file.write_text(json.dumps(plan))
            results[label] = measure(root, plan_file, engines)
    print(
        f"\n{'engine':<11} {'1M rows':>9} {'ratio':>6} {'demo':>8} {'import':>7} {'installed':>10}"
    )
    for name in ("csv.reader", "python", *engines):
        big, demo = results["1M"][name], results["demo"][name]
        ratio = big / results["1M"]["csv.reader"]
        size = installed(name) if name in ENGINES else None
        imported = run("import", name)[1]["import_s"] if name in ENGINES else None
        print(
            f"{name:<11} {big:8.2f}s {ratio:6.2f} {demo:7.2f}s "
            f"{f'{imported:.2f}s' if imported is not None else '':>7} "
            f"{f'{size:.0f} MB' if size is not None else '':>10}"
        )
    print(
        "python = the whole `jobs scan`; duckdb/polars = only the rows-to-group-facts part a "
        "native engine would take over (header detection done beforehand)"
    )


if __name__ == "__main__":
    main()
