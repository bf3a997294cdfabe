"""The sample college's new-media accounts (新媒体账号): the register (登记表) a college office
keeps, and the post exports (posts/) units upload, with one account planted per account rule
and two near misses that must not fire: a closed account (已注销) that breaks five rules, and
a paused one (停更) that has not posted for 300 days.

mixed: the register is an XLSX with a title row above Chinese headers and dates typed every
way, and one row the scan cannot read: a 微信小程序, which is no platform of the register (a
planted row error); the posts are what the platforms export (see jobs/sample/posts.py).
csv: the register and the posts as two UTF-8 CSVs with English headers and words."""

from __future__ import annotations

import random
import string
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Literal

from chalicelib.core.models import AccountStatus, PersonStatus, Platform
from chalicelib.core.settings import DEFAULT_STATUS_WORDS
from chalicelib.intake.vocab import ACCOUNT_PLATFORM_WORDS
from jobs.sample.catalog import UNIT_BY_ID
from jobs.sample.files import Cell, DataRoot, cn_date, excel_serial, slash_date
from jobs.sample.people import Person, Population
from jobs.sample.posts import Post, PostedAccount, write_posts

COLLEGE = "明德职业技术学院"
REGISTER = "accounts/新媒体账号登记表.xlsx"
REGISTER_CSV = "accounts/accounts.csv"
SHEET = "登记表"
APPROVER = "党委工作部"
ACTIVE, PAUSED, CLOSED = AccountStatus.ACTIVE, AccountStatus.PAUSED, AccountStatus.CLOSED
STATUS_CN = {ACTIVE: "运营中", PAUSED: "停更", CLOSED: "已注销"}
NOTES = {PAUSED: "专业调整,暂停更新,保留历史内容", CLOSED: "已并入学校官微"}


@dataclass(frozen=True)
class AccountSpec:
    unit_id: str
    platform: str
    """The register's word: 微信公众号, 服务号, 订阅号, 视频号, 微博, 抖音, 哔哩哔哩."""
    name: str
    purpose: str
    fires: tuple[str, ...] = ()
    """Rule ids it is planted to fire (empty: a clean account or a near miss)."""
    school: bool = False
    """Registered in the school's name (注册主体 学校), else in its unit's."""
    approved: bool = True
    filed: bool = True
    status: AccountStatus = ACTIVE
    idle: int | None = None
    """Days since its last post; None: a few days."""
    posts: Literal["export", "register", "none"] = "export"
    """Where its last post shows: posts/, the register's 最近发布日期, nowhere (a warning)."""
    registered: bool = True
    """False: seen only in posts/."""
    departed_operator: bool = False


SPECS: tuple[AccountSpec, ...] = (
    # clean: approved when in the school's name, filed, named by its unit, posting
    AccountSpec("U02", "微信公众号", "明德职院学生处", "学生资助与学生事务通知", school=True),
    AccountSpec("U04", "服务号", "明德职院教务处", "选课、考试与成绩查询服务", school=True),
    AccountSpec("U03", "订阅号", "明德职院团委", "共青团工作宣传与青年服务", school=True),
    AccountSpec("U03", "微博", "明德职院团委", "团学活动资讯发布", school=True),
    AccountSpec("U11", "微信公众号", "明德职院经管学院", "学院新闻与通知公告"),
    AccountSpec("U10", "抖音", "明德职院机电学院", "实训与技能大赛短视频", posts="register"),
    AccountSpec("U12", "视频号", "明德职院信工学院", "学院宣传短视频", posts="register"),
    AccountSpec("U14", "哔哩哔哩", "明德职院艺术学院", "学生作品与课程展示", posts="none"),
    # planted: each fires exactly the rules it lists
    AccountSpec(
        "U07", "服务号", "明德职院信息化中心", "校园网报修与信息服务",
        ("account_unapproved",), school=True, approved=False,
    ),
    AccountSpec(
        "U13", "视频号", "明德职院外语学院", "外语学院活动短视频",
        ("account_unfiled",), filed=False, posts="register",
    ),
    AccountSpec("U16", "微博", "建工学院学生会", "", ("account_unfiled",), registered=False),
    AccountSpec(
        "U18", "微信公众号", "明德职院继教学院", "成人学历教育招生与教学通知",
        ("account_dormant",), idle=240,
    ),
    AccountSpec("U10", "服务号", "明德职院机电学院", "学院新闻与学生服务", ("account_duplicate",)),
    AccountSpec(
        "U10", "订阅号", "明德职院机电学院订阅号", "学院资讯推送", ("account_duplicate",)
    ),
    AccountSpec(
        "U17", "抖音", "明德职院护理学院", "护理技能展示",
        ("account_operator_departed",), departed_operator=True,
    ),
    AccountSpec(
        "U18", "微信公众号", "省财政厅会计继续教育培训中心", "会计人员继续教育培训报名",
        ("account_borrowed_name",),
    ),
    AccountSpec("U12", "抖音", "码上青春", "学生创新创业项目展示", ("account_naming",), posts="register"),
    # near misses: closed accounts are judged by no rule; a paused one is not dormant
    AccountSpec(
        "U04", "微信公众号", "明德职院招生就业", "招生宣传与录取查询", school=True,
        approved=False, filed=False, status=CLOSED, idle=700, posts="register", departed_operator=True,
    ),
    AccountSpec("U13", "微博", "明德职院外语学院", "外语角活动资讯", status=PAUSED, idle=300),
)  # fmt: skip


@dataclass(frozen=True)
class AccountPlan:
    planted: dict[str, list[tuple[str, str]]]
    """Account rule id -> (platform, account_id) of accounts planted to fire it (open)."""
    spared: list[tuple[str, str]]
    """Closed and paused accounts that break rules but must fire none."""
    unposted: list[tuple[str, str]]
    """Operating accounts without any post date: a warning each, never a finding."""
    bad_rows: list[tuple[str, str]]
    """(file, column) of the register rows planted unreadable (row errors)."""
    registered: int
    """Register rows the scan reads (the unreadable ones aside)."""


@dataclass
class _Account:
    spec: AccountSpec
    account_id: str
    operator: Person | None
    filed_on: date
    approved_on: date
    last_post: date | None
    posts: list[Post] = field(default_factory=list)

    @property
    def key(self) -> tuple[str, str]:
        return (ACCOUNT_PLATFORM_WORDS[self.spec.platform].value, self.account_id)


def write_accounts(
    root: DataRoot, pop: Population, today: date, rng: random.Random, *, mixed: bool, plant: bool
) -> AccountPlan:
    """The register and the posts of the sample's accounts; without `plant`, only the clean
    ones."""
    specs = [s for s in SPECS if plant or (not s.fires and s.status is ACTIVE)]
    accounts = [_account(spec, pop, today, rng) for spec in specs]
    registered = [a for a in accounts if a.spec.registered]
    bad_rows: list[tuple[str, str]] = []
    if mixed:
        _write_register_xlsx(root, registered, rng, unreadable=plant)
        bad_rows = [(f"{REGISTER}#{SHEET}", "平台")] if plant else []
    else:
        root.table(REGISTER_CSV, _CSV_HEADER, [_csv_row(a) for a in registered])
    posting = [
        PostedAccount(a.spec.platform, a.spec.name, a.account_id, a.posts)
        for a in accounts
        if a.posts
    ]
    write_posts(root, posting, today, rng, mixed=mixed)
    planted: dict[str, list[tuple[str, str]]] = {}
    for account in accounts:
        for rule in account.spec.fires:
            planted.setdefault(rule, []).append(account.key)
    return AccountPlan(
        planted=planted,
        spared=[a.key for a in accounts if a.spec.status is not ACTIVE],
        unposted=[a.key for a in accounts if a.last_post is None],
        bad_rows=bad_rows,
        registered=len(registered),
    )


def _account(spec: AccountSpec, pop: Population, today: date, rng: random.Random) -> _Account:
    idle = spec.idle if spec.idle is not None else rng.randint(2, 12)
    last = None if spec.posts == "none" else today - timedelta(days=idle)
    filed_on = today - timedelta(days=max(idle + 30, rng.randint(60, 900)))
    account = _Account(
        spec=spec,
        account_id=_account_id(spec.platform, rng),
        operator=_operator(spec, pop, rng),
        filed_on=filed_on,
        approved_on=filed_on - timedelta(days=rng.randint(3, 20)),
        last_post=last,
    )
    if last is not None and spec.posts == "export":
        account.posts = _posts(last, filed_on, rng)
    return account


def _account_id(platform: str, rng: random.Random) -> str:
    """An id shaped like the platform's: gh_ and 12 hex digits, sph…, numeric UIDs."""
    if ACCOUNT_PLATFORM_WORDS[platform] is Platform.WECHAT_MP:
        return f"gh_{rng.getrandbits(48):012x}"
    if platform == "视频号":
        return "sph" + "".join(rng.choices(string.ascii_letters + string.digits, k=10))
    if platform == "微博":
        return str(rng.randrange(5_000_000_000, 7_999_999_999))
    return str(rng.randrange(10**8, 10**11))  # 抖音号, B站 UID


def _operator(spec: AccountSpec, pop: Population, rng: random.Random) -> Person | None:
    """A staff member of the account's unit: active, or departed when planted so."""
    if not spec.registered:
        return None
    if not spec.departed_operator:
        active = pop.staff.get(spec.unit_id)
        return pop.persons[rng.choice(active)] if active else None
    departed = [
        p
        for p in pop.persons
        if p.unit.unit_id == spec.unit_id
        and p.kind == "staff"
        and DEFAULT_STATUS_WORDS.get(p.status) is PersonStatus.DEPARTED
    ]
    return rng.choice(departed)


def _posts(last: date, since: date, rng: random.Random) -> list[Post]:
    """Posts going back from `last`, a few days apart, none before the account was filed."""
    posts, day = [], last
    for _ in range(rng.randint(8, 24)):
        if day < since:
            break
        posts.append(Post(day, rng.randint(7, 21), rng.randrange(0, 60, 5), rng.randint(80, 9000)))
        day -= timedelta(days=rng.randint(1, 9))
    return posts


# --- the register ---------------------------------------------------------------------

_CN_HEADER: list[Cell] = [
    "序号", "平台", "账号名称", "账号ID", "所属单位", "注册主体", "运营者", "审批状态",
    "审批日期", "审批人", "登记日期", "状态", "用途", "最近发布日期", "备注",
]  # fmt: skip
_CSV_HEADER = (
    "platform", "account_id", "name", "unit", "entity", "operator", "approval",
    "approved_on", "approver", "filed_on", "status", "purpose", "last_post_on",
)  # fmt: skip


def _write_register_xlsx(
    root: DataRoot, accounts: list[_Account], rng: random.Random, *, unreadable: bool
) -> None:
    ordered = sorted(accounts, key=lambda a: (a.spec.unit_id, a.filed_on))
    rows = [_cn_row(n, a, rng) for n, a in enumerate(ordered)]
    if unreadable:
        rows.insert(1, _mini_program(rng))  # under 学生处's 公众号
    numbered = ([number, *row] for number, row in enumerate(rows, start=1))  # 序号
    root.workbook(REGISTER, [(SHEET, [[f"{COLLEGE}新媒体账号登记表"], _CN_HEADER, *numbered])])


def _mini_program(rng: random.Random) -> list[Cell]:
    """A 微信小程序 listed with the accounts: not a platform of the register."""
    app_id = f"wx{rng.getrandbits(64):016x}"
    return ["小程序", "明德职院迎新", app_id, "学生处", "学校", None, "已审批", None, APPROVER]


def _cn_row(n: int, account: _Account, rng: random.Random) -> list[Cell]:
    """The row after its 序号; `n` varies how the office typed it."""
    spec, unit, operator = account.spec, UNIT_BY_ID[account.spec.unit_id], account.operator
    account_id: Cell = account.account_id
    if spec.platform == "微博" and n % 2:
        account_id = int(account.account_id)  # typed into Excel as a number
    return [
        spec.platform,
        spec.name,
        account_id,
        unit.name if rng.random() < 0.8 else unit.unit_id,
        "学校" if spec.school else "单位",
        _operator_cell(operator, by_name=n % 3 == 2 and not spec.departed_operator),
        "已审批" if spec.approved else "待审批",
        _date_cell(account.approved_on, rng) if spec.approved else None,
        (APPROVER if spec.school else unit.party_org) if spec.approved else None,
        _date_cell(account.filed_on, rng) if spec.filed else None,
        STATUS_CN[spec.status],
        spec.purpose,
        _date_cell(account.last_post, rng) if spec.posts == "register" else None,
        NOTES.get(spec.status),
    ]


def _csv_row(account: _Account) -> tuple[str, ...]:
    spec, unit = account.spec, UNIT_BY_ID[account.spec.unit_id]
    return (
        ACCOUNT_PLATFORM_WORDS[spec.platform].value,
        account.account_id,
        spec.name,
        spec.unit_id,
        "school" if spec.school else "unit",
        _operator_cell(account.operator, by_name=False),
        "approved" if spec.approved else "not_approved",
        account.approved_on.isoformat() if spec.approved else "",
        (APPROVER if spec.school else unit.party_org) if spec.approved else "",
        account.filed_on.isoformat() if spec.filed else "",
        spec.status.value,
        spec.purpose,
        account.last_post.isoformat() if account.last_post and spec.posts == "register" else "",
    )


def _operator_cell(operator: Person | None, *, by_name: bool) -> str:
    """The operator's person_id, or (as some offices write it) their name."""
    if operator is None:
        return ""
    return operator.name if by_name else operator.person_id


def _date_cell(day: date | None, rng: random.Random) -> Cell:
    """A date as an office types it: a date cell, text in three forms, or a serial number."""
    if day is None:
        return None
    forms: list[Cell] = [day, day.isoformat(), slash_date(day), cn_date(day), excel_serial(day)]
    return forms[rng.randrange(len(forms))]
