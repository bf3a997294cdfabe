"""`python -m jobs scan`: evaluate a local data root and write findings.jsonl, errors.jsonl."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Any

from chalicelib.core.settings import Settings
from chalicelib.evaluate.scan import scan
from chalicelib.intake.config import ScanAborted
from chalicelib.intake.source import LocalSource
from chalicelib.notify.summary import format_summary


def write_jsonl(path: Path, records: Iterable[dict[str, Any]]) -> None:
    # A file name that is not UTF-8 (GBK bytes an unzip left) is written as \udcXX escapes,
    # which JSON reads back, instead of ending the scan with the file half written.
    with path.open("w", encoding="utf-8", errors="backslashreplace") as out:
        for record in records:
            out.write(json.dumps(record, ensure_ascii=False) + "\n")


def run_scan(data: Path, today: date, out: Path, settings: Settings) -> int:
    if data.exists() and not data.is_dir():
        print(f"{data} 是文件,不是文件夹:--data 要的是数据目录(压缩包请先解压)", file=sys.stderr)
        return 2
    if not data.is_dir():
        print(f"数据目录不存在:{data}", file=sys.stderr)
        return 2
    try:
        result = scan(LocalSource(data), today, settings)
    except ScanAborted as aborted:
        print(f"无法检查:{aborted}", file=sys.stderr)
        return 2
    out.mkdir(parents=True, exist_ok=True)
    write_jsonl(out / "findings.jsonl", (f.to_json_dict() for f in result.findings))
    errors = [e for e in result.errors if not e.warning]
    warnings = [e for e in result.errors if e.warning]
    fields = {"file", "row", "column", "reason"}  # the contract's errors.jsonl
    write_jsonl(out / "errors.jsonl", (e.model_dump(mode="json", include=fields) for e in errors))
    write_jsonl(
        out / "warnings.jsonl", (e.model_dump(mode="json", include=fields) for e in warnings)
    )
    print(format_summary(result))
    print(f"\n已写出 {out / 'findings.jsonl'}、{out / 'errors.jsonl'} 与 {out / 'warnings.jsonl'}")
    return 0
