"""The sample's post exports (新媒体发布记录, posts/), shaped like what the platforms export.

mixed: a 公众号 后台 发表记录 workbook per account under posts/微信公众号/, named by the
account (the export names no account inside); one GB18030 CSV of several accounts' 微博 with
账号名称 and UID columns; a 抖音 creator-centre workbook per account naming it on a `账号:`
line above the header. csv: one UTF-8 CSV with platform, account_id and account_name columns."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from chalicelib.core.models import Platform
from chalicelib.intake.vocab import ACCOUNT_PLATFORM_WORDS
from jobs.sample.files import Cell, DataRoot

WEIBO_FILE = "posts/微博/微博发布记录.csv"
POSTS_CSV = "posts/posts.csv"

TOPICS = (
    "迎新季", "技能大赛", "招生宣传", "实习对接", "安全教育", "志愿服务", "就业双选会",
    "心理健康月", "秋季运动会", "专升本辅导", "主题团日", "毕业设计展",
)  # fmt: skip
TITLES = (
    "{who}举行{topic}动员大会",
    "关于做好{topic}工作的通知",
    "喜报丨我校学子在{topic}中获佳绩",
    "{who}开展{topic}主题活动",
    "图说丨{topic}精彩瞬间",
    "{topic}进行时",
)


@dataclass(frozen=True)
class Post:
    day: date
    hour: int
    minute: int
    reads: int

    @property
    def at(self) -> datetime:
        return datetime(self.day.year, self.day.month, self.day.day, self.hour, self.minute)

    def text(self) -> str:
        return self.at.strftime("%Y-%m-%d %H:%M")


@dataclass(frozen=True)
class PostedAccount:
    platform: str
    """The register's word (微信公众号, 服务号, 微博, 抖音 …)."""
    name: str
    account_id: str
    posts: Sequence[Post]


def write_posts(
    root: DataRoot,
    accounts: Sequence[PostedAccount],
    today: date,
    rng: random.Random,
    *,
    mixed: bool,
) -> None:
    """Every account's posts, in the platforms' formats (mixed) or one CSV."""
    if not mixed:
        _write_csv(root, accounts, rng)
        return
    weibo = [a for a in accounts if a.platform == "微博"]
    for n, account in enumerate(a for a in accounts if _platform(a) is Platform.WECHAT_MP):
        _write_mp(root, account, rng, text_times=n % 2 == 1)
    for account in (a for a in accounts if a.platform == "抖音"):
        _write_douyin(root, account, today, rng)
    if weibo:
        _write_weibo(root, weibo, rng)


def _platform(account: PostedAccount) -> Platform:
    return ACCOUNT_PLATFORM_WORDS[account.platform]


def _title(account: PostedAccount, rng: random.Random) -> str:
    who = account.name.removeprefix("明德职院")
    return rng.choice(TITLES).format(who=who, topic=rng.choice(TOPICS))


def _write_mp(
    root: DataRoot, account: PostedAccount, rng: random.Random, *, text_times: bool
) -> None:
    """The 公众号 platform's 发表记录: one row per post, newest first; 发表时间 as date-time
    cells, or as text when the export was re-saved."""
    header: list[Cell] = ["标题", "发表时间", "送达人数", "阅读次数", "分享次数", "点赞", "在看"]
    rows: list[list[Cell]] = [header]
    for post in account.posts:
        reads = post.reads
        rows.append(
            [
                _title(account, rng),
                post.text() if text_times else post.at,
                reads * rng.randint(3, 8),
                reads,
                reads // rng.randint(8, 30),
                reads // rng.randint(15, 60),
                reads // rng.randint(40, 120),
            ]
        )
    root.workbook(f"posts/微信公众号/{account.name}.xlsx", [("已发表内容", rows)])


def _write_douyin(root: DataRoot, account: PostedAccount, today: date, rng: random.Random) -> None:
    """The 抖音 creator centre's 作品数据: the account on a line above the header."""
    exported = datetime.combine(today - timedelta(days=1), datetime.min.time()).replace(hour=7)
    rows: list[list[Cell]] = [
        [f"账号:{account.name}"],
        [f"导出时间:{exported:%Y-%m-%d %H:%M}"],
        ["作品名称", "发布时间", "体裁", "播放量", "点赞量", "评论量", "分享量"],
    ]
    for post in account.posts:
        plays = post.reads * rng.randint(5, 40)
        rows.append(
            [
                _title(account, rng),
                post.text(),
                rng.choice(("视频", "视频", "图文")),
                plays,
                plays // rng.randint(10, 40),
                plays // rng.randint(100, 400),
                plays // rng.randint(80, 300),
            ]
        )
    root.workbook(f"posts/抖音/{account.name}作品数据.xlsx", [("作品数据", rows)])


def _write_weibo(root: DataRoot, accounts: Sequence[PostedAccount], rng: random.Random) -> None:
    """Several accounts' 微博 in one file, as a collection tool saves them."""
    header = ("账号名称", "UID", "微博正文", "发布时间", "发布工具", "转发数", "评论数", "点赞数")
    rows: list[tuple[object, ...]] = []
    for account in accounts:
        for post in account.posts:
            text = f"【{rng.choice(TOPICS)}】{_title(account, rng)},详情请戳链接。"
            tool = rng.choice(("微博网页版", "iPhone客户端", "微博 weibo.com"))
            counts = _counts(post.reads, rng)
            rows.append((account.name, account.account_id, text, post.text(), tool, *counts))
    root.table(WEIBO_FILE, header, rows, encoding="gb18030")


def _counts(reads: int, rng: random.Random) -> tuple[int, int, int]:
    return reads // rng.randint(50, 200), reads // rng.randint(30, 120), reads // rng.randint(5, 20)


def _write_csv(root: DataRoot, accounts: Sequence[PostedAccount], rng: random.Random) -> None:
    header = ("platform", "account_id", "account_name", "published_at", "title")
    rows = [
        (_platform(a).value, a.account_id, a.name, post.at.isoformat(sep=" "), _title(a, rng))
        for a in accounts
        for post in a.posts
    ]
    root.table(POSTS_CSV, header, rows)
