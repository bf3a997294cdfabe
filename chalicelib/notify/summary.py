"""The scan summary an engineer reads in a terminal or a log: units × rules, then the most
severe findings."""

from __future__ import annotations

import unicodedata
from collections import Counter

from chalicelib.core.models import DataError, Finding, FindingStatus
from chalicelib.evaluate.rules import REGISTRY
from chalicelib.evaluate.scan import ScanResult
from chalicelib.notify.wording import SEVERITY_NAMES

TOP_FINDINGS = 15
TOP_ERRORS = 10
NO_UNIT = "(未归属)"


def width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def pad(text: str, size: int, *, right: bool = False) -> str:
    space = " " * max(size - width(text), 0)
    return space + text if right else text + space


def format_summary(result: ScanResult) -> str:
    open_findings = [f for f in result.findings if f.status is FindingStatus.OPEN]
    waived = len(result.findings) - len(open_findings)
    snapshots = sum(1 for g in result.groups if g.snapshot is not None)
    errors = [e for e in result.errors if not e.warning]
    warnings = [e for e in result.errors if e.warning]
    lines = [
        f"检查日期 {result.today}:群组 {len(result.groups)} 个(有名单 {snapshots} 个),"
        f"名单行 {result.roster_rows} 行,人员 {len(result.directory)} 人;"
        f"{f'新媒体账号 {len(result.accounts)} 个;' if result.accounts else ''}"
        f"问题 {len(open_findings)} 项(另有豁免 {waived} 项);数据错误 {len(errors)} 条"
        f"{f',提示 {len(warnings)} 条' if warnings else ''}。",
        "",
        *_unit_table(result, open_findings),
        "",
        *_top_findings(open_findings),
        *_first(errors, "数据错误"),
        *_first(warnings, "提示(已读取,但请留意)"),
    ]
    return "\n".join(lines)


def _unit_table(result: ScanResult, findings: list[Finding]) -> list[str]:
    rules = list(REGISTRY)
    names = {u.unit_id: u.name for u in result.units}
    counts = Counter((f.unit_id, f.rule) for f in findings)
    units: list[str | None] = [
        u.unit_id for u in result.units if any(counts[(u.unit_id, r)] for r in rules)
    ]
    if any(counts[(None, r)] for r in rules):
        units.append(None)
    label_width = max([width(names.get(u or "", NO_UNIT)) for u in units] + [4]) + 2
    header = pad("单位", label_width) + "".join(f"{i:>5}" for i in range(1, len(rules) + 1))
    rows = [header + "   合计"]
    for unit in units:
        row = [counts[(unit, r)] for r in rules]
        cells = "".join(f"{c or '·':>5}" for c in row)
        rows.append(pad(names.get(unit or "", NO_UNIT), label_width) + cells + f"{sum(row):>7}")
    totals = [sum(counts[(u, r)] for u in units) for r in rules]
    rows.append(pad("合计", label_width) + "".join(f"{t:>5}" for t in totals) + f"{sum(totals):>7}")
    legend = ";".join(f"{i} {REGISTRY[r].meta.title}" for i, r in enumerate(rules, 1))
    return ["各单位问题数(按规则):", *rows, f"规则:{legend}"]


def _top_findings(findings: list[Finding]) -> list[str]:
    order = {rule_id: position for position, rule_id in enumerate(REGISTRY)}
    ranked = sorted(
        findings, key=lambda f: (-f.severity, f.unit_id or "", order[f.rule], f.group_id)
    )
    lines = [f"最严重的问题(前 {min(TOP_FINDINGS, len(ranked))} 项,共 {len(ranked)} 项):"]
    for f in ranked[:TOP_FINDINGS]:
        name = f.group_name or "(无群名)"
        lines.append(
            f"  [{SEVERITY_NAMES[f.severity]}] {f.title} · {f.platform.value} {f.group_id} {name}:{f.message}"
        )
    return lines


def _first(errors: list[DataError], title: str) -> list[str]:
    if not errors:
        return []
    lines = ["", f"{title}(前 {min(TOP_ERRORS, len(errors))} 条,共 {len(errors)} 条):"]
    for error in errors[:TOP_ERRORS]:
        where = error.file
        if error.row is not None:
            where += f" 第 {error.row} 行"
        if error.column:
            where += f"“{error.column}”列"
        lines.append(f"  {where}:{error.reason}")
    return lines
