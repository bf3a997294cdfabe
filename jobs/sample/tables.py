"""The non-roster tables of the sample data root: config, directory, filings, waivers."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import date

from jobs.sample.catalog import MAIL_DOMAIN, OFFICES, PURPOSES, ROBOTS, UNITS
from jobs.sample.files import Cell, DataRoot, cn_date, excel_serial, slash_date
from jobs.sample.groups import Group
from jobs.sample.people import Person, Population, chinese_name
from jobs.sample.plant import WaiverRow

STUDENTS_PER_FILE = 500_000  # a registrar's export of a province: one file per 500k

PLATFORM_CN = {"qq": "QQ群", "wechat": "微信群", "wecom": "企业微信群"}
CATEGORY_CN = {
    "work": "工作群",
    "party": "党组织群",
    "class": "班级群",
    "league": "团组织群",
    "club": "社团群",
    "temporary": "临时群",
}
STATUS_CN = {"filed": "已备案", "pending": "待审", "closed": "已注销"}
BAD_DATE = "2024-13-45"


def write_config(root: DataRoot, rng: random.Random, *, robots: bool = False) -> None:
    """`robots`: two units name a group robot (the demo's)."""
    header: tuple[str, ...] = (
        "单位编码",
        "单位名称",
        "核心词",
        "联系邮箱",
        "第一责任人",
        "第一责任人邮箱",
        "所属党组织",
        "党组织邮箱",
    )
    rows: list[tuple[str, ...]] = [
        (
            unit.unit_id,
            unit.name,
            (";" if n % 2 else "、").join(unit.keywords),
            _mail(unit.slug) if unit.contact else "",
            chinese_name(rng),
            _mail(f"{unit.slug}-head") if unit.head_mail else "",
            unit.party_org,
            _mail(f"{unit.slug}-party") if unit.party_mail else "",
        )
        for n, unit in enumerate(UNITS)
    ]
    if robots:
        header += ("群机器人", "加签密钥")
        rows = [(*row, *ROBOTS.get(row[0], ("", ""))) for row in rows]
    root.table("config/units.csv", header, rows)
    offices = [(office, _mail(slug), *rest) for office, slug, *rest in OFFICES]
    root.table("config/offices.csv", ("部门", "邮箱", "范围", "办公地址", "联系电话"), offices)


def write_directory(root: DataRoot, pop: Population, rng: random.Random, *, mixed: bool) -> None:
    staff = [p for p in pop.persons if p.kind != "student"]
    students = [p for p in pop.persons if p.kind == "student"]
    staff_header = (
        "工号",
        "姓名",
        "部门",
        "状态",
        "离职日期",
        "QQ号",
        "微信号",
        "企业微信",
        "邮箱",
    )
    staff_rows = [
        (
            p.person_id,
            p.name,
            _unit_ref(p, rng),
            p.status,
            _left_text(p.left_on, p.index),
            ";".join(p.qq),
            p.wechat,
            p.wecom,
            p.email,
        )
        for p in staff
    ]
    student_header: list[Cell] = ["学号", "姓名", "学院", "状态", "离校日期", "QQ", "微信"]
    if not mixed:
        root.table("directory/staff.csv", staff_header, staff_rows)
        rows = [[_text(c) for c in _student_cells(p, rng)] for p in students]
        # as a province's registrar exports it: a file per 500k students, each well under
        # the 64 MB upload limit
        parts = range(0, max(len(rows), 1), STUDENTS_PER_FILE)
        for number, start in enumerate(parts, 1):
            name = "students.csv" if len(parts) == 1 else f"students_{number}.csv"
            part = rows[start : start + STUDENTS_PER_FILE]
            root.table(f"directory/{name}", [str(h) for h in student_header], part)
        return
    root.table("directory/教职工名册.csv", staff_header, staff_rows, encoding="gb18030")
    cells = [student_header, *(_student_cells(p, rng) for p in students)]
    root.workbook("directory/学生名册.xlsx", [("学生名册", cells)])


def _student_cells(person: Person, rng: random.Random) -> list[Cell]:
    qq: Cell = int(person.qq[0]) if len(person.qq) == 1 else ";".join(person.qq)
    left: Cell = person.left_on
    if person.left_on is not None and person.index % 2:
        left = cn_date(person.left_on)
    return [
        person.person_id,
        person.name,
        _unit_ref(person, rng),
        person.status,
        left,
        qq,
        person.wechat,
    ]


def _text(cell: Cell) -> str:
    if cell is None:
        return ""
    return cell.isoformat() if isinstance(cell, date) else str(cell)


def _unit_ref(person: Person, rng: random.Random) -> str:
    return person.unit.unit_id if rng.random() < 0.08 else person.unit.name


def _left_text(day: date | None, n: int) -> str:
    if day is None:
        return ""
    return slash_date(day) if n % 2 else day.isoformat()


def _mail(box: str) -> str:
    return f"{box}@{MAIL_DOMAIN}"


def write_filings(
    root: DataRoot, groups: Sequence[Group], pop: Population, rng: random.Random, *, mixed: bool
) -> None:
    """A 审备登记表 workbook with Chinese headers and mixed cell types (CSV in csv mode),
    and a UTF-8-BOM CSV with English headers for league, club and WeCom groups."""
    filed = sorted(
        (g for g in groups if g.filing is not None),
        key=lambda g: (g.unit.unit_id, g.filed().filed_on, g.group_id),
    )
    english = [g for g in filed if g.unit.unit_id == "U03" or g.platform == "wecom"]
    chinese = [g for g in filed if not (g.unit.unit_id == "U03" or g.platform == "wecom")]
    header = (
        "platform",
        "group_id",
        "group_name",
        "unit",
        "category",
        "owner_id",
        "owner_name",
        "responsible_name",
        "responsible_email",
        "filed_on",
        "reviewed_on",
        "end_on",
        "purpose",
        "status",
    )
    root.table(
        "filings/league_club_wecom.csv",
        header,
        [_english_row(g, pop) for g in english],
        encoding="utf-8-sig",
    )
    if not mixed:
        root.table("filings/registry.csv", header, [_english_row(g, pop) for g in chinese])
        return
    cn_header: list[Cell] = [
        "序号",
        "平台",
        "群号",
        "群名称",
        "单位",
        "类别",
        "群主账号",
        "群主",
        "责任人",
        "责任人邮箱",
        "备案日期",
        "复核日期",
        "截止日期",
        "用途",
        "状态",
    ]
    rows = [cn_header, *(_chinese_row(n, g, pop, rng) for n, g in enumerate(chinese, start=1))]
    root.workbook("filings/2026年群组审备登记表.xlsx", [("登记表", rows)])


def _english_row(group: Group, pop: Population) -> tuple[str, ...]:
    filing = group.filed()
    owner, responsible = pop.persons[filing.owner], pop.persons[filing.responsible]
    return (
        group.platform,
        group.group_id,
        group.name,
        group.unit.unit_id,
        group.category,
        pop.account(filing.owner, group.platform),
        owner.name,
        responsible.name,
        responsible.email if filing.with_email else "",
        BAD_DATE if filing.bad_date else filing.filed_on.isoformat(),
        filing.reviewed_on.isoformat() if filing.reviewed_on else "",
        filing.end_on.isoformat() if filing.end_on else "",
        PURPOSES[group.category],
        filing.status,
    )


def _chinese_row(number: int, group: Group, pop: Population, rng: random.Random) -> list[Cell]:
    filing = group.filed()
    owner, responsible = pop.persons[filing.owner], pop.persons[filing.responsible]
    group_id: Cell = group.group_id
    if group.platform == "qq" and rng.random() < 0.3:
        group_id = int(group.group_id)  # typed into Excel as a number
    return [
        number,
        PLATFORM_CN[group.platform],
        group_id,
        group.name,
        group.unit.name if rng.random() < 0.7 else group.unit.unit_id,
        CATEGORY_CN[group.category],
        pop.account(filing.owner, group.platform),
        owner.name,
        responsible.name,
        responsible.email if filing.with_email else None,
        BAD_DATE if filing.bad_date else _varied_date(filing.filed_on, rng),
        _varied_date(filing.reviewed_on, rng),
        _varied_date(filing.end_on, rng),
        PURPOSES[group.category],
        STATUS_CN[filing.status],
    ]


def _varied_date(day: date | None, rng: random.Random) -> Cell:
    """A date as people type it into a registry: a date cell, text in three forms, or an
    Excel serial number."""
    if day is None:
        return None
    forms: list[Cell] = [day, day.isoformat(), slash_date(day), cn_date(day), excel_serial(day)]
    return forms[rng.randrange(len(forms))]


def write_waivers(root: DataRoot, waivers: Sequence[WaiverRow]) -> None:
    header = ("平台", "群号", "规则", "理由", "审批人", "有效期至", "上限")
    rows = [
        (
            PLATFORM_CN[w.platform] if n % 2 else w.platform,
            w.group_id,
            w.rule,
            w.reason,
            w.approved_by,
            cn_date(w.expires_on) if n % 2 else w.expires_on.isoformat(),
            "" if w.limit is None else str(w.limit),
        )
        for n, w in enumerate(waivers)
    ]
    root.table("waivers/豁免清单.csv", header, rows, encoding="utf-8-sig")
