"""config/policy.* (制度与条款): the institution's own regulations, the article each rule
cites and the thresholds that differ from the settings (DESIGN.md, Institution policy).

    项目,内容
    管理办法,某某大学网络工作群管理办法      a regulation: its short name, its full title
    oversized,管理办法 第六条(二)            a rule (its id or its 中文名): its article,
    超规模,管理办法 第六条(二)               cited as `<short name> <article>`
    max_members,200                        a threshold (the setting's name): its value

Each line is checked where it is read; that a rule's article names a declared regulation
is checked once the whole file is read (chalicelib/intake/config.py)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated

from pydantic import TypeAdapter, ValidationError

from chalicelib.core.models import DataError
from chalicelib.core.settings import Settings, allowed
from chalicelib.intake.loaders.rows import SUMMARY_ROW, Row, RowError, is_summary, parse_rows
from chalicelib.intake.loaders.tables import Consume
from chalicelib.intake.loaders.waivers import WaivableRule
from chalicelib.intake.readers import Table
from chalicelib.intake.source import SourceFile

# The settings a policy may set: the rules' thresholds (DESIGN.md, Rules).
THRESHOLDS = (
    "max_members",
    "inactive_days",
    "expired_grace_days",
    "departed_grace_days",
    "filing_review_days",
    "roster_max_age_days",
    "duplicate_overlap",
    "duplicate_min_persons",
    "account_dormant_days",
)
_SHORT_NAME = re.compile(r"[^\s;；,，、《》]{2,12}")


class LineKind(StrEnum):
    REGULATION = "regulation"
    CLAUSE = "clause"
    THRESHOLD = "threshold"


@dataclass(frozen=True, slots=True)
class PolicyLine:
    kind: LineKind
    key: str  # the regulation's short name, the rule's id, the setting's name
    value: str | int | float  # the title, the article, the threshold
    row: int
    file: str


def read_policy(settings: Settings, rules: Sequence[WaivableRule]) -> Consume[list[PolicyLine]]:
    def consume(file: SourceFile, table: Table, errors: list[DataError]) -> list[PolicyLine]:
        return [
            PolicyLine(*parsed, row=number, file=table.name)
            for number, parsed in parse_rows(
                table, lambda row: parse_line(row, rules), errors, settings
            )
        ]

    return consume


def parse_line(row: Row, rules: Sequence[WaivableRule]) -> tuple[LineKind, str, str | int | float]:
    if is_summary([row.raw("item") or ""]):  # an Excel table's total row: 合计, 汇总 …
        raise RowError("item", SUMMARY_ROW)
    item = row.required("item")
    value = row.required("value")
    rule = next((r for r in rules if item.casefold() == r.id or item == r.title), None)
    if rule is not None:
        if " " not in value.strip():
            raise RowError("value", f"条款“{value}”应写成“制度简称 条款”,如“管理办法 第五条(四)”")
        return LineKind.CLAUSE, rule.id, value.strip()
    if item.casefold() in THRESHOLDS:
        return LineKind.THRESHOLD, item.casefold(), _threshold(item.casefold(), value)
    if not _SHORT_NAME.fullmatch(item):
        raise RowError(
            "item",
            f"无法识别的项目“{item}”:应为制度简称(如 管理办法)、规则编号或中文名(如 oversized、"
            f"超规模),或阈值名称({'、'.join(THRESHOLDS)})",
        )
    title = value.strip().removeprefix("《").removesuffix("》")
    return LineKind.REGULATION, item, title


def _threshold(name: str, value: str) -> int | float:
    info = Settings.model_fields[name]
    try:  # the setting's own type and bounds
        checked: int | float = TypeAdapter(
            Annotated[info.annotation, *info.metadata]
        ).validate_python(value.strip())
    except ValidationError:
        raise RowError("value", f"{name} 的取值“{value.strip()}”无效,{allowed(name)}") from None
    return checked
