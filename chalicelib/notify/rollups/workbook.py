"""A rollup as an XLSX workbook: 汇总, 明细, 超期, 登记表 and 趋势 (with a native chart), to
be printed and filed (chalicelib/notify/mail/spreadsheet.py): the report's title, period and office in
each page's header. People are masked as everywhere else in the report
(`chalicelib.core.masking`). Totals are computed here, not as formulas."""

from __future__ import annotations

from typing import Any

from chalicelib.core.masking import mask_address, mask_name
from chalicelib.core.models import SEED_REGULATIONS, Category, Severity
from chalicelib.core.values import neutralise, safe_filename
from chalicelib.evaluate.rules import REGISTRY
from chalicelib.ledger.models import HeldFinding
from chalicelib.notify.digests.models import Unroutable
from chalicelib.notify.digests.render import problem_view
from chalicelib.notify.mail.spreadsheet import (
    COLUMN_LIMITS,
    Book,
    Cell,
    Sheet,
    header_text,
)
from chalicelib.notify.rollups.colors import SEVERITY_COLORS
from chalicelib.notify.rollups.models import AccountRow, InventoryRow, Rollup, RollupItem
from chalicelib.notify.wording import (
    ACCOUNT_STATUS_NAMES,
    APPROVAL_NAMES,
    CATEGORY_NAMES,
    ENTITY_NAMES,
    FILING_STATUS_NAMES,
    NO_UNIT_NAME,
    PLATFORM_NAMES,
    ROLLUP_NAMES,
    SEVERITY_NAMES,
    STATE_NAMES,
    period_words,
)

RULE_WIDTH = 10  # a rule's column on 汇总: its title wraps onto two lines
SEVERITIES = tuple(sorted(Severity, reverse=True))  # 高, 中, 低: columns, and the chart's stack

ITEM_HEADERS = ("单位", "群/账号名称", "平台", "群号/账号ID", "类别", "问题", "严重程度", "状态", "已持续周数", "首次发现", "说明", "依据")  # fmt: skip
INVENTORY_HEADERS = ("序号", "单位", "名称", "平台", "群号", "类别", "用途", "群主", "人数", "责任人", "备案日期", "状态")  # fmt: skip
# The notice's 登记表 annex lists 微信公众号 beside the groups: the new-media accounts.
ACCOUNT_HEADERS = ("序号", "单位", "平台", "账号名称", "账号ID", "注册主体", "运营者", "审批状态", "登记日期", "状态", "用途", "最近发布日期")  # fmt: skip
PLATFORM_HEADERS = ("平台", "账号数", "已登记", "未整改问题")
ACCOUNT_SHEETS = ("新媒体账号", "新媒体平台统计")  # for the office that sees every account
TREND_HEADERS = ("周次", *(SEVERITY_NAMES[s] for s in SEVERITIES), "合计")
PROBLEM_HEADERS = ("文件", "位置", "原因")
UNROUTABLE_HEADERS = ("群/账号名称", "平台", "群号/账号ID", "问题", "原因")
HELD_HEADERS = ("单位", "群/账号名称", "平台", "群号/账号ID", "问题", "原因")

# Beside the trend table, from row 2: less than a landscape A4 page tall at any scale.
CHART_SIZE = {"width": 680, "height": 380}


def page_header(rollup: Rollup) -> str:
    """群组合规周报 2026-W47 on the left, the sheet's name in the middle, the office right."""
    title = f"群组合规{ROLLUP_NAMES[rollup.kind]} {period_words(rollup.period)}({rollup.period})"
    return f"&L{header_text(title)}&C&A&R{header_text(rollup.office)}"


def workbook_filename(rollup: Rollup) -> str:
    """群组合规汇总_2026-W47_党委工作部.xlsx, safe as a file name and an attachment name."""
    office = safe_filename(rollup.office)
    return f"群组合规汇总_{rollup.period}_{office}.xlsx"


def _unit(name: str) -> str:
    return name or NO_UNIT_NAME


def _category(category: Category | None) -> str:
    return CATEGORY_NAMES[category] if category else ""


def _person(text: str) -> str:
    """A person as the rest of the report shows one: a name by `mask_name`, an address by
    `mask_address`. An owner account reaches the inventory already masked by `mask_id`
    (it holds a `*`) and is kept as it is."""
    if not text or "*" in text:
        return text
    return mask_address(text) if "@" in text else mask_name(text)


def _item_row(item: RollupItem) -> list[Cell]:
    return [
        _unit(item.unit_name),
        item.group_name or "",
        PLATFORM_NAMES[item.platform],
        item.group_id,
        _category(item.category),
        item.title,
        SEVERITY_NAMES[item.severity],
        STATE_NAMES[item.state],
        item.weeks_open,
        item.first_seen,
        item.message,
        item.clause,
    ]


def _held_row(item: HeldFinding, rollup: Rollup) -> list[Cell]:
    names = dict(rollup.units)
    unit = names.get(item.unit_id or "", "")
    return [
        _unit(unit),
        item.group_name or "",
        PLATFORM_NAMES[item.platform],
        item.group_id,
        item.title,
        item.reason,
    ]


def _inventory_row(number: int, row: InventoryRow) -> list[Cell]:
    return [
        number,
        _unit(row.unit_name),
        row.group_name,
        PLATFORM_NAMES[row.platform],
        row.group_id,
        _category(row.category),
        row.purpose,
        _person(row.owner),
        row.members,
        _person(row.responsible),
        row.filed_on,
        FILING_STATUS_NAMES[row.filing_status],
    ]


def _account_row(number: int, row: AccountRow) -> list[Cell]:
    return [
        number,
        _unit(row.unit_name),
        PLATFORM_NAMES[row.platform],
        row.name,
        row.account_id,
        ENTITY_NAMES[row.entity],
        row.operator,
        APPROVAL_NAMES[row.approved],
        row.filed_on,
        ACCOUNT_STATUS_NAMES[row.status],
        row.purpose,
        row.last_post_on,
    ]


def _summary(sheet: Sheet, rollup: Rollup) -> None:
    """Headline figures on rows 2–3, the units × rules matrix with totals from row 5."""
    title = f"群组合规汇总 {period_words(rollup.period)}({rollup.period}) {rollup.office}"
    sheet.ws.write_string(0, 0, neutralise(title), sheet.formats["title"])
    open_ = rollup.open_by_severity
    headline: list[tuple[str, Cell, str | None]] = [
        ("群组总数", rollup.groups_known, None),
        ("已备案比例", rollup.share_filed, "percent"),
        *((f"未整改问题({SEVERITY_NAMES[s]})", open_.get(s.label, 0), None) for s in SEVERITIES),
        ("本期新增", rollup.new_since_last, None),
        ("本期已整改", rollup.fixed_since_last, None),
        ("超期(≥6周)", rollup.overdue, None),
        ("无法送达", rollup.unroutable, None),
        ("发送失败的提醒", rollup.failed_digests, None),
    ]
    for col, (label, value, fmt) in enumerate(headline):
        sheet.cell(1, col, label, "header")
        sheet.cell(2, col, value, fmt)

    first = sheet.header_row = 4
    rule_ids = [rule_id for rule_id, _ in rollup.rules]  # every rule, even with no findings
    sheet.limits = dict.fromkeys(range(1, len(rule_ids) + 1), RULE_WIDTH)
    sheet.limits[0] = COLUMN_LIMITS["单位"]
    sheet.row(first, ["单位", *(t for _, t in rollup.rules), "合计"], "header")
    column_totals = [0] * len(rule_ids)
    for offset, (unit_id, name) in enumerate(rollup.units, start=first + 1):
        counts = [rollup.matrix.get(unit_id, {}).get(r, 0) for r in rule_ids]
        column_totals = [a + b for a, b in zip(column_totals, counts, strict=True)]
        sheet.row(offset, [_unit(name), *counts])
        sheet.cell(offset, len(rule_ids) + 1, sum(counts), "total")
    last = first + len(rollup.units) + 1
    sheet.row(last, ["合计", *column_totals, sum(column_totals)], "total")
    sheet.ws.freeze_panes(first + 1, 1)


def _trend(book: Any, sheet: Sheet, rollup: Rollup) -> None:
    """The weekly table, and beside it a chart in the palette of the email's PNG, sized to
    sit whole on the sheet's first printed page."""
    rows: list[list[Cell]] = [
        [p.period, *(p.open_by_severity.get(s.label, 0) for s in SEVERITIES), p.total]
        for p in rollup.trend
    ]
    sheet.table(TREND_HEADERS, rows)
    if not rows:
        return
    chart = book.add_chart({"type": "column", "subtype": "stacked"})
    name = sheet.ws.get_name()
    for col, severity in enumerate(SEVERITIES, start=1):
        color = SEVERITY_COLORS[severity]
        chart.add_series(
            {
                "name": [name, 0, col],
                "categories": [name, 1, 0, len(rows), 0],
                "values": [name, 1, col, len(rows), col],
                "fill": {"color": color},
                "border": {"color": color},
                "gap": 60,
            }
        )
    chart.set_title({"name": f"近{len(rows)}周未整改问题"})
    chart.set_y_axis({"name": "问题数", "major_gridlines": {"visible": True}})
    chart.set_legend({"position": "bottom"})
    chart.set_size(CHART_SIZE)
    sheet.ws.insert_chart(1, len(TREND_HEADERS) + 1, chart)


def _unroutable_row(item: Unroutable) -> list[Cell]:
    title = REGISTRY[item.rule].meta.title if item.rule in REGISTRY else item.rule
    return [item.group_name or "", PLATFORM_NAMES[item.platform], item.group_id, title, item.reason]


def build_workbook(rollup: Rollup) -> bytes:
    """The XLSX attachment of a rollup, as bytes; deterministic for a given rollup."""
    book = Book(workbook_filename(rollup)[:-5], rollup.today)
    sheets = {name: book.sheet(name) for name in ("汇总", "明细", "超期", "登记表", "趋势")}
    _summary(sheets["汇总"], rollup)
    sheets["明细"].table(ITEM_HEADERS, [_item_row(i) for i in rollup.items])
    sheets["超期"].table(ITEM_HEADERS, [_item_row(i) for i in rollup.overdue_items])
    rows = [_inventory_row(n, r) for n, r in enumerate(rollup.inventory, start=1)]
    sheets["登记表"].table(INVENTORY_HEADERS, rows)
    if rollup.accounts or rollup.platforms:  # only the office that sees everything
        accounts = [_account_row(n, r) for n, r in enumerate(rollup.accounts, start=1)]
        book.sheet(ACCOUNT_SHEETS[0]).table(ACCOUNT_HEADERS, accounts)
        counts: list[list[Cell]] = [
            [PLATFORM_NAMES[c.platform], c.accounts, c.filed, c.open_findings]
            for c in rollup.platforms
        ]
        book.sheet(ACCOUNT_SHEETS[1]).table(PLATFORM_HEADERS, counts)
    _trend(book.book, sheets["趋势"], rollup)
    if rollup.unroutable_items:  # only the office that sees every group is told of them
        book.sheet("无法送达").table(
            UNROUTABLE_HEADERS, [_unroutable_row(u) for u in rollup.unroutable_items]
        )
    if rollup.held:  # new findings not judged this week: data in doubt
        book.sheet("待确认").table(HELD_HEADERS, [_held_row(h, rollup) for h in rollup.held])
    regulations = rollup.regulations or tuple(SEED_REGULATIONS.items())
    book.sheet("制度依据").table(("简称", "全称"), [list(pair) for pair in regulations])
    if rollup.data_problems:  # files no unit owns: for the same office
        views = [problem_view(problem) for problem in rollup.data_problems]
        book.sheet("数据问题").table(
            PROBLEM_HEADERS, [[view.file, view.place, view.reason] for view in views]
        )
    return book.close(page_header(rollup))
