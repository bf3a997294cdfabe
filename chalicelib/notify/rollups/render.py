"""A rollup in words: the Chinese subject, an HTML body with the headline figures, the
units × rules table, the overdue list and the inline trend chart, and a plain-text body.
Every value from the data reaches the HTML through Jinja2's autoescape."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from chalicelib.core.models import SEED_REGULATIONS, Category, Office, RollupKind
from chalicelib.evaluate.rules import REGISTRY
from chalicelib.notify.digests.render import UNNAMED_GROUP, problem_view
from chalicelib.notify.mail.templating import RenderedEmail, email_templates
from chalicelib.notify.rollups.colors import SEVERITY_COLORS, STACK
from chalicelib.notify.rollups.models import Rollup, RollupItem
from chalicelib.notify.rollups.workbook import ACCOUNT_SHEETS
from chalicelib.notify.wording import (
    CATEGORY_NAMES,
    DEFAULT_OFFICE,
    NO_UNIT_NAME,
    PLATFORM_NAMES,
    ROLLUP_NAMES,
    SEVERITY_NAMES,
    period_words,
)

TEMPLATES = Path(__file__).parent / "templates"
CHART_CID = "trend-chart"  # the Content-ID of the chart image part, without angle brackets
SHEETS = ("汇总", "明细", "超期", "登记表", "趋势", "制度依据")
ZERO_CELL = "·"

_ENV = email_templates(TEMPLATES)


RenderedRollup = RenderedEmail


@dataclass(frozen=True, slots=True)
class Headline:
    label: str
    value: str
    note: str = ""


@dataclass(frozen=True, slots=True)
class SeverityView:
    name: str  # 高 / 中 / 低
    color: str
    count: int


@dataclass(frozen=True, slots=True)
class RuleRow:
    title: str
    severity: str
    open: int  # open findings
    units: int  # units with open findings of the rule


@dataclass(frozen=True, slots=True)
class UnitRow:
    name: str
    total: str
    breakdown: str  # `未审备 2、超员 1`, by rule in REGISTRY order


@dataclass(frozen=True, slots=True)
class OverdueView:
    unit: str
    group: str
    platform: str
    group_id: str
    title: str
    weeks_open: int
    message: str


def render_rollup(rollup: Rollup, contact: Office | None = None) -> RenderedRollup:
    """`contact`: the supervising office, named in the footer (党委工作部 when unknown)."""
    severities = [
        SeverityView(SEVERITY_NAMES[s], SEVERITY_COLORS[s], rollup.open_by_severity.get(s.label, 0))
        for s in STACK
    ]
    names = dict(rollup.units)
    context = {
        "subject": subject_of(rollup),
        "title": f"群组合规{ROLLUP_NAMES[rollup.kind]} {period_words(rollup.period)}",
        "today": rollup.today.isoformat(),
        "office": rollup.office,
        "scope": scope_of(rollup.scope),
        "headlines": _headlines(rollup, severities),
        "severities": severities,
        "chart_cid": CHART_CID,
        "rules": _rule_rows(rollup),
        "units": _unit_rows(rollup),
        "open_total": sum(sum(rules.values()) for rules in rollup.matrix.values()),
        "units_with_open": sum(1 for rules in rollup.matrix.values() if any(rules.values())),
        "overdue": [_overdue_view(item) for item in _by_weeks_open(rollup.overdue_items)],
        "unroutable": [
            {
                "group": item.group_name or UNNAMED_GROUP,
                "platform": PLATFORM_NAMES[item.platform],
                "group_id": item.group_id,
                "rule": REGISTRY[item.rule].meta.title if item.rule in REGISTRY else item.rule,
                "reason": item.reason,
            }
            for item in rollup.unroutable_items
        ],
        "held": [
            {
                "unit": names.get(item.unit_id or "", NO_UNIT_NAME),
                "group": item.group_name or UNNAMED_GROUP,
                "platform": PLATFORM_NAMES[item.platform],
                "group_id": item.group_id,
                "rule": item.title,
                "reason": item.reason,
            }
            for item in rollup.held
        ],
        "held_total": rollup.held_total,
        "platforms": [
            {
                "platform": PLATFORM_NAMES[count.platform],
                "accounts": count.accounts,
                "filed": count.filed,
                "open": count.open_findings,
            }
            for count in rollup.platforms
        ],
        # the answers of the rollup's period: a week's, or a month's
        "feedback_heading": "本周单位反馈" if rollup.kind is RollupKind.WEEK else "本月单位反馈",
        "feedback": [
            {**row.model_dump(), "platform": PLATFORM_NAMES[row.platform]}
            for row in rollup.feedback
        ],
        "portal_link": rollup.portal_link,
        "regulations": "；".join(
            f"《{title}》(简称《{short}》)"
            for short, title in (rollup.regulations or tuple(SEED_REGULATIONS.items()))
        ),
        "sheets": "、".join(SHEETS + (ACCOUNT_SHEETS if rollup.platforms else ())),
        "problems": rollup.problems,
        "contact": contact.contact_line if contact is not None else DEFAULT_OFFICE,
        "data_problems": [problem_view(problem) for problem in rollup.data_problems],
        "data_problems_total": max(rollup.data_problems_total, len(rollup.data_problems)),
    }
    return RenderedRollup(
        subject=context["subject"],
        html=_ENV.get_template("rollup.html.j2").render(context),
        text=_ENV.get_template("rollup.txt.j2").render(context),
    )


def subject_of(rollup: Rollup) -> str:
    """Counts only: no value from the data reaches the subject line."""
    open_total = sum(rollup.open_by_severity.values())
    return (
        f"【群组合规{ROLLUP_NAMES[rollup.kind]}】{period_words(rollup.period)} "
        f"未整改 {open_total} 项,超期 {rollup.overdue} 项"
    )


def scope_of(scope: tuple[Category, ...] | None) -> str:
    if scope is None:
        return "范围:全部群组"
    return "范围:" + "、".join(CATEGORY_NAMES[category] for category in scope)


def _headlines(rollup: Rollup, severities: list[SeverityView]) -> list[Headline]:
    split = " / ".join(f"{s.name} {s.count}" for s in severities)
    return [
        Headline("群组总数", str(rollup.groups_known)),
        Headline("已备案比例", f"{rollup.share_filed:.1%}", f"{rollup.groups_filed} 个已备案"),
        Headline("未整改问题", str(sum(rollup.open_by_severity.values())), split),
        Headline("本期新增", str(rollup.new_since_last)),
        Headline("本期已整改", str(rollup.fixed_since_last)),
        Headline("超期(≥6周)", str(rollup.overdue)),
        Headline("无法送达", str(rollup.unroutable), "找不到责任人邮箱的问题"),
        Headline("发送失败的提醒", str(rollup.failed_digests)),
    ]


def _rule_rows(rollup: Rollup) -> list[RuleRow]:
    """Every rule, with or without open findings: the same rows as the workbook's 汇总."""
    rows = []
    for rule, title in rollup.rules:
        counts = [rules.get(rule, 0) for rules in rollup.matrix.values()]
        severity = REGISTRY[rule].meta.severity if rule in REGISTRY else None
        rows.append(
            RuleRow(
                title=title,
                severity=SEVERITY_NAMES[severity] if severity is not None else "",
                open=sum(counts),
                units=sum(1 for count in counts if count),
            )
        )
    return rows


def _unit_rows(rollup: Rollup) -> list[UnitRow]:
    """One row per unit: its open findings, and by which rules (a wide units x rules table
    does not fit a phone; the workbook has it)."""
    rows = []
    for unit_id, name in rollup.units:
        counts = rollup.matrix.get(unit_id, {})
        parts = [f"{title} {counts[rule]}" for rule, title in rollup.rules if counts.get(rule)]
        rows.append(
            UnitRow(name or NO_UNIT_NAME, _cell(sum(counts.values())), "、".join(parts) or "—")
        )
    return rows


def _cell(value: int) -> str:
    return str(value) if value else ZERO_CELL


def _by_weeks_open(items: tuple[RollupItem, ...]) -> list[RollupItem]:
    return sorted(items, key=lambda i: (-i.weeks_open, i.unit_name == "", i.unit_name, i.group_id))


def _overdue_view(item: RollupItem) -> OverdueView:
    return OverdueView(
        unit=item.unit_name or NO_UNIT_NAME,
        group=item.group_name or UNNAMED_GROUP,
        platform=PLATFORM_NAMES[item.platform],
        group_id=item.group_id,
        title=item.title,
        weeks_open=item.weeks_open,
        message=item.message,
    )
