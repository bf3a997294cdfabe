"""New-media post exports (新媒体发布记录) and a college's account register (新媒体账号登记表)
as the real tools write them (docs/formats.md §11): the bytes of each file.

Every builder takes the account and the publish times (Shanghai wall-clock, naive) so that
a test chooses the last post date; everything else in a row (titles, counts) is filler
generated from the row's position. `IDENTITY` says, for each builder, where the real file
names its account: in a column, in the file or folder name only, or nowhere.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Literal

from tests.intake.corpus import Sheet, openpyxl_workbook, sheetjs_like_workbook
from tests.intake.corpus.xls import legacy_xls

# ---------------------------------------------------------------- how each file names its account


@dataclass(frozen=True)
class Identity:
    """Where a real export names its account.

    `kind`: "column" (a column of every row), "path" (only the file or folder name, as the
    platform or the tool names it), "none" (nothing in the bytes or the platform's own
    file name: a unit must say which account it is, e.g. by renaming the file).
    `where` is the column or the path pattern; `file_name` the name the file arrives with."""

    kind: Literal["column", "path", "none"]
    where: str
    file_name: str
    platform: str  # qungov platform id (DESIGN.md, New-media accounts)


IDENTITY: dict[str, Identity] = {
    "wechat_article_exporter_xlsx": Identity(
        "column", "公众号 (nickname); 链接 carries __biz=", "微信公众号文章.xlsx", "wechat_mp"
    ),
    "wechat_notified_content_xlsx": Identity(
        "none", "内容url carries __biz= only", "(download name not found)", "wechat_mp"
    ),
    "wechat_total_csv": Identity(
        "none", "内容url carries __biz= only", "total_{begin_unix}_{end_unix}.csv", "wechat_mp"
    ),
    "wechat_total_xls": Identity(
        "none", "内容url carries __biz= only", "total_{begin_unix}_{end_unix}.xls", "wechat_mp"
    ),
    "weibo_crawler_csv": Identity(
        "path", "weibo/{screen_name}/{user_id}.csv", "{user_id}.csv", "weibo"
    ),
    "douyin_works_xlsx": Identity("none", "", "(download name not found)", "douyin"),
    "channels_posts_csv": Identity("none", "", "(download name not found)", "channels"),
    "xiaohongshu_notes_xlsx": Identity("none", "", "笔记列表明细表.xlsx", "xiaohongshu"),
    "toutiao_works_xlsx": Identity("none", "", "(download name not found)", "toutiao"),
    "register_xlsx": Identity("column", "账号名称 / 账号ID", "新媒体账号登记表.xlsx", ""),
}


def _title(index: int) -> str:
    return f"学院新闻第{index + 1}期"


def _hms(moment: datetime) -> str:
    return f"{moment:%Y-%m-%d %H:%M:%S}"


# ---------------------------------------------------------------- 微信公众号


def wechat_article_exporter_xlsx(
    account_name: str, published: Sequence[datetime], *, biz: str = "MzA5NTU1NjY4Mw=="
) -> bytes:
    """wechat-article-exporter (wechat-article/wechat-article-exporter, utils/exporter.ts):
    the account's published list (the 发表记录 as the tool fetches it) written by ExcelJS
    as 微信公众号文章.xlsx, sheet `Sheet1`, one header row. 公众号 is the account's nickname
    in every row; 创建时间 and 发布时间 are dayjs `YYYY-MM-DD HH:mm:ss` strings in the
    browser's zone (create_time / update_time). 阅读…留言 are empty unless the user gave the
    tool credentials. Inferred: written here with openpyxl, not ExcelJS (same cell types:
    shared strings and numbers; the container differs); 创建时间 = 发布时间 − 2 h."""
    header = [
        "公众号", "ID", "链接", "标题", "封面", "摘要", "创建时间", "发布时间",
        "阅读", "点赞", "分享", "喜欢", "留言", "作者", "是否原创", "文章类型", "所属合集",
        "文章内容",
    ]  # fmt: skip
    rows: list[list[Any]] = [header]
    for i, moment in enumerate(published):
        aid = f"{2247483650 + i}_1"
        link = f"https://mp.weixin.qq.com/s?__biz={biz}&mid={2247483650 + i}&idx=1&sn=0f3e"
        rows.append(
            [
                account_name, aid, link, _title(i), "https://mmbiz.qpic.cn/cover.jpg", "摘要",
                _hms(moment - timedelta(hours=2)), _hms(moment),
                None, None, None, None, None, "宣传办", "原创", "普通图文", "", "正文……",
            ]
        )  # fmt: skip
    return openpyxl_workbook({"Sheet1": Sheet(rows)})


WECHAT_NOTIFIED_HEADER = (
    "内容标题", "发表时间", "总阅读人数", "总阅读次数", "总分享人数", "总分享次数",
    "阅读后关注人数", "送达人数", "公众号消息阅读次数", "送达阅读率", "首次分享次数",
    "分享产生阅读次数", "首次分享率", "每次分享带来阅读次数", "阅读完成率", "内容url",
)  # fmt: skip


def wechat_notified_content_xlsx(
    published: Sequence[datetime], *, biz: str = "MzA5NTU1NjY4Mw=="
) -> bytes:
    """公众号后台 数据分析 → 内容分析 (图文分析) → 已通知内容 → 下载数据明细
    (`misc/datacubequery?action=query_download&busi=3&tmpl=19`), the shape read by
    ironfrancis/auto-doc-streamlit and in index id 36807488124: one header row of 16
    columns, 发表时间 the day only as an 8-digit number (20220329), rates as fractions.
    No account anywhere but the __biz= inside 内容url. Inferred: xlsx (one user reads it with
    openpyxl, another saves it as .xls, 2026 exports are BIFF .xls: see `wechat_total_xls`),
    the sheet name, the absence of a title row."""
    rows: list[list[Any]] = [list(WECHAT_NOTIFIED_HEADER)]
    for i, moment in enumerate(published):
        reads = 90 + 7 * i
        rows.append(
            [
                _title(i), int(f"{moment:%Y%m%d}"), reads, reads + 60, 7, 10, 0, 2112,
                79, 0.0374, 5, 69, 0.0633, 6.9, 0.6889,
                f"http://mp.weixin.qq.com/s?__biz={biz}&mid={2247483650 + i}&idx=1&sn=ab12#rd",
            ]
        )  # fmt: skip
    return openpyxl_workbook({"Sheet1": Sheet(rows)})


WECHAT_TOTAL_HEADER = (
    "内容标题", "发表日期", "阅读人数", "分享人数", "阅读后关注人数", "送达人数", "送达完成率",
    "阅读完成率", "内容url",
)  # fmt: skip


def _wechat_total_rows(published: Sequence[datetime], biz: str) -> list[list[str]]:
    rows = []
    for i, moment in enumerate(published):
        rows.append(
            [
                _title(i), f"{moment:%Y%m%d}", str(100 + i), "4", "0", "2100", "0.0412",
                "0.5060", f"http://mp.weixin.qq.com/s?__biz={biz}&mid={2247483650 + i}&idx=1",
            ]
        )  # fmt: skip
    return rows


def wechat_total_csv(
    published: Sequence[datetime],
    *,
    biz: str = "MzA5NTU1NjY4Mw==",
    encoding: str = "utf-8-sig",
) -> bytes:
    """The 2026 公众号后台 已通知内容 download saved as CSV, `total_{begin}_{end}.csv`
    (the sample file of the dashboard in index id 62162870648): a first line beginning
    `数据来源概况`, then the header 内容标题, 发表日期, 阅读人数 …, 内容url; 发表日期 as
    8-digit YYYYMMDD or `YYYY年MM月DD日` (the reader accepts both). No account in the file.
    Inferred: the intro line's exact text past `数据来源概况`, CRLF, the encoding (that
    reader falls back to GB18030, so pass encoding="gb18030" for the other variant)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["数据来源概况"])
    writer.writerow(WECHAT_TOTAL_HEADER)
    writer.writerows(_wechat_total_rows(published, biz))
    return buffer.getvalue().encode(encoding)


def wechat_total_xls(published: Sequence[datetime], *, biz: str = "MzA5NTU1NjY4Mw==") -> bytes:
    """The same download as legacy BIFF .xls, as index id 60244280937 reads `total_*.xls`
    with xlrd: sheet `New Sheet1`, data from the fourth row, the table starting in column B
    (column A empty). Inferred: the three rows above the data (a `数据来源概况` title, an
    empty row, the header) and that every cell is text."""
    rows: list[list[str | None]] = [[None, "数据来源概况"], [], [None, *WECHAT_TOTAL_HEADER]]
    rows += [[None, *row] for row in _wechat_total_rows(published, biz)]
    return legacy_xls("New Sheet1", rows)


# ---------------------------------------------------------------- 微博


WEIBO_HEADER = (
    "id", "bid", "正文", "头条文章url", "原始图片url", "视频url", "Live Photo视频url", "位置",
    "日期", "工具", "点赞数", "评论数", "转发数", "话题", "@用户", "完整日期", "是否编辑过",
    "编辑次数",
)  # fmt: skip


def weibo_crawler_csv(
    published: Sequence[datetime], *, retweet_of: datetime | None = None
) -> bytes:
    """dataabc/weibo-crawler `write_csv` (weibo.py, 2026): `weibo/{screen_name}/{user_id}.csv`,
    UTF-8 with BOM, csv.writer (CRLF), one header row. The account is only in the path.
    `id` is written with a trailing tab (`str(id) + "\\t"`, so Excel keeps the digits);
    日期 is `%Y-%m-%dT%H:%M:%S`, 完整日期 `%Y-%m-%d %H:%M:%S` (versions before 2025 wrote
    日期 as `%Y-%m-%d` and had no 完整日期). With `retweet_of`, the last row reposts another
    user's post of that time: its 源微博日期 / 源微博完整日期 are that user's, not the
    account's (a reader must not take them as published_at). No official 微博 creator-centre
    export was found; this is the common crawler."""
    header = [
        *WEIBO_HEADER,
        "是否原创",
        "源用户id",
        "源用户昵称",
        *("源微博" + h for h in WEIBO_HEADER),
    ]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for i, moment in enumerate(published):
        own = [
            f"{5012345678901234 + i}\t", f"O{i}abcDEF", f"#校园# {_title(i)}", "", "", "", "",
            "", f"{moment:%Y-%m-%dT%H:%M:%S}", "微博网页版", 12, 3, 1, "校园", "", _hms(moment),
            False, 0,
        ]  # fmt: skip
        is_retweet = retweet_of is not None and i == len(published) - 1
        if is_retweet:
            assert retweet_of is not None
            source = [
                "4999999999999999\t", "Nsrc0001", "原微博正文", "", "", "", "", "",
                f"{retweet_of:%Y-%m-%dT%H:%M:%S}", "iPhone客户端", 900, 80, 300, "", "",
                _hms(retweet_of), False, 0,
            ]  # fmt: skip
            writer.writerow([*own, False, "1234567890", "学校官微", *source])
        else:
            writer.writerow([*own, True, "", "", *([""] * len(WEIBO_HEADER))])
    return buffer.getvalue().encode("utf-8-sig")


# ---------------------------------------------------------------- 抖音, 视频号, 小红书, 头条号

DOUYIN_HEADER = (
    "作品名称", "发布时间", "体裁", "审核状态", "播放量", "完播率", "5s完播率", "封面点击率",
    "2s跳出率", "平均播放时长", "点赞量", "分享量", "评论量", "收藏量", "主页访问量", "粉丝增量",
)  # fmt: skip


def douyin_works_xlsx(published: Sequence[datetime]) -> bytes:
    """抖音创作者中心 数据中心 → 作品分析 → 投稿作品 → 投稿列表 → 导出 (the 16 columns read
    by index ids 63061420015 and 60502766081, signatures in 60407626404): one header row,
    every cell a shared string (numbers too, `-` where there is no value), 发布时间
    `YYYY-MM-DD HH:MM:SS`, 作品名称 the title, a space, then the whole caption with its
    line breaks. No account anywhere. Inferred: the sheet name, the writer (xlsxwriter
    here)."""
    rows: list[list[Any]] = [list(DOUYIN_HEADER)]
    for i, moment in enumerate(published):
        rows.append(
            [
                f"{_title(i)} 今天带大家走进实验室\n#校园 #科研", _hms(moment), "1-3min视频",
                "公开", str(1000 + i), "0.02", "0.40", "-", "0.33", "20.0", "1", "0", "0", "0",
                "0", "0",
            ]
        )  # fmt: skip
    return sheetjs_like_workbook({"Sheet1": rows})


CHANNELS_HEADER = (
    "视频描述", "视频ID", "发布时间", "完播率", "平均播放时长", "播放量", "推荐", "喜欢",
    "评论量", "分享量", "关注量", "转发聊天和朋友圈", "设为铃声", "设为状态", "设为朋友圈封面",
    "企微链接点击次数", "企微链接点击人数", "添加到通讯录次数", "添加到通讯录人数",
)  # fmt: skip


def channels_posts_csv(published: Sequence[datetime], *, zero_padded: bool = True) -> bytes:
    """视频号助手 数据中心 → 视频数据 → 单篇视频 → 下载表格 (index id 68742923259, verified
    against a live account): UTF-8 with BOM, comma-separated, header on the first line, 19
    columns; 发布时间 the day only, `2026/07/24` (index id 60480952583) or `2026/5/29`
    (index id 63061420015: pass zero_padded=False); 完播率 `4.41%`, 平均播放时长 `14.73秒`;
    视频ID `export/…`. No account anywhere. Inferred: line endings (LF here)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CHANNELS_HEADER)
    for i, moment in enumerate(published):
        day = f"{moment:%Y/%m/%d}" if zero_padded else f"{moment.year}/{moment.month}/{moment.day}"
        writer.writerow(
            [
                _title(i), f"export/native-{i + 1}", day, "28.64%", "14.73秒", 406 + i, 2,
                2, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
            ]
        )  # fmt: skip
    return buffer.getvalue().encode("utf-8-sig")


XIAOHONGSHU_HEADER = (
    "笔记标题", "首次发布时间", "体裁", "曝光", "观看量", "封面点击率", "点赞", "评论", "收藏",
    "涨粉", "分享", "人均观看时长", "弹幕",
)  # fmt: skip
XIAOHONGSHU_NOTE = "最多导出排序后前1000条笔记"


def xiaohongshu_notes_xlsx(published: Sequence[datetime]) -> bytes:
    """小红书创作服务平台 数据中心 → 笔记数据 → 导出, `笔记列表明细表.xlsx` (index ids
    63061420015, 5841829836, 60407626404, 71222605235): a first row holding the notice
    `最多导出排序后前1000条笔记` in every cell, the header on the second row, 首次发布时间
    `2026年05月19日15时39分28秒`. No account anywhere. Inferred: the order of the last two
    columns, numbers as number cells, the sheet name."""
    rows: list[list[Any]] = [[XIAOHONGSHU_NOTE] * len(XIAOHONGSHU_HEADER), list(XIAOHONGSHU_HEADER)]
    for i, moment in enumerate(published):
        stamp = f"{moment:%Y年%m月%d日%H时%M分%S秒}"
        rows.append([_title(i), stamp, "图文", 2700 + i, 296, 0.11, 4, 2, 3, 1, 0, 18, 0])
    return openpyxl_workbook({"Sheet1": Sheet(rows)})


TOUTIAO_HEADER = (
    "标题", "发布时间", "ID", "链接", "展现量", "粉丝展现量", "阅读量", "粉丝阅读量", "点击率",
    "平均阅读完成率", "平均阅读时长", "点赞量", "评论量", "转发量", "分享量", "收藏量",
)  # fmt: skip


def toutiao_works_xlsx(published: Sequence[datetime]) -> bytes:
    """头条号 作品数据 export as found in ironfrancis/auto-doc-streamlit
    scripts/publish_excel/头条号-*.xlsx (written by Go Excelize): sheet `Sheet1`, one header
    row, 发布时间 a `YYYY-MM-DD HH:MM:SS` string, ID the 19-digit item id as text, counts as
    numbers, rates as text (`0.00`, `-1.00` = no data). No account: those files are named by
    their user (`头条号-{账号}.xlsx`). Inferred: openpyxl writes it here; the real file's
    stylesheet makes openpyxl itself fail to load it (`Fill() takes no arguments`), which
    calamine reads."""
    rows: list[list[Any]] = [list(TOUTIAO_HEADER)]
    for i, moment in enumerate(published):
        item = str(7546069082378945064 + i)
        rows.append(
            [
                _title(i), _hms(moment), item, f"https://toutiao.com/i{item}/", 13, 0, 0, 0,
                "0.00", "-1.00", -1, 0, 0, 0, 0, 0,
            ]
        )  # fmt: skip
    return openpyxl_workbook({"Sheet1": Sheet(rows)})


# ---------------------------------------------------------------- 新媒体账号登记表


@dataclass(frozen=True)
class Account:
    """One register row, as a college office fills it in."""

    platform: str  # 微信公众号, 微博, 抖音, 视频号 …
    account_id: str  # 原始ID gh_…, 微信号, numeric UID, 抖音号
    name: str
    unit: str
    entity: str = "学校"  # 注册主体: 学校 / 单位 / 个人
    operator: str = ""
    approval: str = "已审批"
    approved_on: date | None = None
    approver: str = ""
    filed_on: date | None = None
    status: str = "运营中"
    purpose: str = ""
    last_post_on: date | None = None


REGISTER_HEADER = (
    "序号", "平台类型", "账号名称", "账号ID", "注册主体", "主办单位", "管理员",
    "审批情况", "审批日期", "审批人", "备案时间", "运营状态", "功能定位", "最近更新日期", "备注",
)  # fmt: skip


def register_xlsx(
    accounts: Sequence[Account],
    *,
    college: str = "计算机学院",
    filled_on: date = date(2026, 11, 13),
    header: Sequence[str] = REGISTER_HEADER,
) -> bytes:
    """A college's 新媒体账号登记表 made in Excel by its office: the title
    `{college}新媒体账号登记表` merged over the table, a 填报单位 / 填报日期 line, then the
    header and one row per account; dates are date cells, 序号 a number. Inferred: no real
    register's header row was found (only the forms' field names: 服务主体, 主管单位,
    服务类型, 账号名称, 账号 in the Shanxi 备案登记表; 负责人/后台管理人员 in college
    notices); the default headers are aliases proposed in docs/formats.md §11.6, and a test
    may pass its own `header` (15 texts, in this order), e.g. `微信号/原始ID`."""
    assert len(header) == len(REGISTER_HEADER)
    last = chr(ord("A") + len(header) - 1)
    rows: list[list[Any]] = [
        [f"{college}新媒体账号登记表"],
        [f"填报单位（盖章）：{college}", None, None, None, None, None, None, None, None, None,
         f"填报日期：{filled_on.year}年{filled_on.month}月{filled_on.day}日"],
        list(header),
    ]  # fmt: skip
    for n, a in enumerate(accounts, start=1):
        rows.append(
            [
                n, a.platform, a.name, a.account_id, a.entity, a.unit, a.operator, a.approval,
                a.approved_on, a.approver, a.filed_on, a.status, a.purpose, a.last_post_on, "",
            ]
        )  # fmt: skip
    return openpyxl_workbook({"Sheet1": Sheet(rows, [f"A1:{last}1", "A2:J2", f"K2:{last}2"])})


BUILDERS = {
    "wechat_article_exporter_xlsx": wechat_article_exporter_xlsx,
    "wechat_notified_content_xlsx": wechat_notified_content_xlsx,
    "wechat_total_csv": wechat_total_csv,
    "wechat_total_xls": wechat_total_xls,
    "weibo_crawler_csv": weibo_crawler_csv,
    "douyin_works_xlsx": douyin_works_xlsx,
    "channels_posts_csv": channels_posts_csv,
    "xiaohongshu_notes_xlsx": xiaohongshu_notes_xlsx,
    "toutiao_works_xlsx": toutiao_works_xlsx,
    "register_xlsx": register_xlsx,
}
assert BUILDERS.keys() == IDENTITY.keys()
