"""Post exports as the real tools write them (docs/formats.md §11), read by the weekly scan
beside a college's register: each account's last post date comes out right, whichever way
the file names its account, and a file that names none is rejected whole with the reason."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

import pytest

from chalicelib.core.models import Platform
from chalicelib.evaluate.rules import waivable_rules
from chalicelib.evaluate.scan import ScanResult, scan
from chalicelib.intake.inspection import check_file
from chalicelib.intake.source import LocalSource, MemoryBucket, SourceFileGone
from tests.intake.corpus import TODAY, put
from tests.intake.corpus import post_exports as posts
from tests.intake.readers import DEFAULT_SETTINGS

UNITS = "unit_id,name,keywords,contact_email\nU01,计算机学院,计算机,jsj@example.edu.cn\n"
REGISTER = [
    posts.Account("微信公众号", "gh_3a5b7c9d1e2f", "计算机学院", "计算机学院", filed_on=date(2025, 3, 1)),
    posts.Account("微博", "7712345678", "计算机学院官微", "计算机学院", filed_on=date(2025, 3, 1)),
    posts.Account("抖音", "jsjxy2020", "计算机学院青年", "计算机学院", filed_on=date(2025, 3, 1)),
    posts.Account("视频号", "sph1Ab2Cd3", "计算机学院视频号", "计算机学院", filed_on=date(2025, 3, 1)),
    posts.Account("小红书", "95112233", "计算机学院招生", "计算机学院", filed_on=date(2025, 3, 1)),
    posts.Account("今日头条", "1700000001", "计算机学院头条", "计算机学院", filed_on=date(2025, 3, 1)),
]  # fmt: skip
PUBLISHED = [datetime(2026, 10, 2, 9, 0), datetime(2026, 11, 12, 18, 30), datetime(2026, 9, 1)]
LAST = date(2026, 11, 12)


def college(tmp_path: Path) -> Path:
    put(tmp_path, "config/units.csv", UNITS.encode())
    put(tmp_path, "accounts/新媒体账号登记表.xlsx", posts.register_xlsx(REGISTER))
    return tmp_path


def scanned(root: Path) -> ScanResult:
    return scan(LocalSource(root), TODAY, DEFAULT_SETTINGS)


def last_posts(result: ScanResult) -> dict[tuple[Platform, str], date | None]:
    return {view.key: view.last_post_on for view in result.accounts}


def test_the_register_made_in_excel_is_read_whole(tmp_path: Path) -> None:
    result = scanned(college(tmp_path))
    assert [e for e in result.errors if not e.warning] == []
    assert len(result.accounts) == len(REGISTER)
    first = result.accounts[0].account
    assert first is not None and first.filed_on == date(2025, 3, 1) and first.approved


NAMED_BY_PATH: list[tuple[str, Callable[[], bytes], tuple[Platform, str], date]] = [
    (
        "posts/微信公众号/计算机学院.xlsx",
        lambda: posts.wechat_notified_content_xlsx(PUBLISHED),
        (Platform.WECHAT_MP, "gh_3a5b7c9d1e2f"),
        LAST,
    ),
    (
        "posts/公众号/计算机学院.csv",
        lambda: posts.wechat_total_csv(PUBLISHED, encoding="gb18030"),
        (Platform.WECHAT_MP, "gh_3a5b7c9d1e2f"),
        LAST,
    ),
    (
        "posts/微信公众号/计算机学院.xls",
        lambda: posts.wechat_total_xls(PUBLISHED),
        (Platform.WECHAT_MP, "gh_3a5b7c9d1e2f"),
        LAST,
    ),
    (
        "posts/weibo/计算机学院官微/7712345678.csv",
        lambda: posts.weibo_crawler_csv(PUBLISHED, retweet_of=datetime(2026, 11, 14, 8, 0)),
        (Platform.WEIBO, "7712345678"),
        LAST,  # the repost's source date (11-14) is another account's
    ),
    (
        "posts/抖音/计算机学院青年.xlsx",
        lambda: posts.douyin_works_xlsx(PUBLISHED),
        (Platform.DOUYIN, "jsjxy2020"),
        LAST,
    ),
    (
        "posts/视频号/计算机学院视频号.csv",
        lambda: posts.channels_posts_csv(PUBLISHED, zero_padded=False),
        (Platform.CHANNELS, "sph1Ab2Cd3"),
        LAST,
    ),
    (
        "posts/小红书/计算机学院招生.xlsx",
        lambda: posts.xiaohongshu_notes_xlsx(PUBLISHED),
        (Platform.XIAOHONGSHU, "95112233"),
        LAST,
    ),
    (
        "posts/头条/计算机学院头条.xlsx",
        lambda: posts.toutiao_works_xlsx(PUBLISHED),
        (Platform.TOUTIAO, "1700000001"),
        LAST,
    ),
]


@pytest.mark.parametrize(("path", "build", "key", "last"), NAMED_BY_PATH, ids=lambda v: str(v))
def test_an_export_named_by_its_account_gives_the_last_post(
    tmp_path: Path, path: str, build: Callable[[], bytes], key: tuple[Platform, str], last: date
) -> None:
    root = college(tmp_path)
    put(root, path, build())
    result = scanned(root)
    assert [e for e in result.errors if not e.warning] == []
    assert last_posts(result)[key] == last


def test_the_exporter_names_its_account_in_a_column(tmp_path: Path) -> None:
    root = college(tmp_path)
    put(
        root,
        "posts/微信公众号文章.xlsx",
        posts.wechat_article_exporter_xlsx("计算机学院", PUBLISHED),
    )
    result = scanned(root)
    assert last_posts(result)[(Platform.WECHAT_MP, "gh_3a5b7c9d1e2f")] == LAST


def test_an_unregistered_account_in_a_column_is_an_unfiled_account(tmp_path: Path) -> None:
    root = college(tmp_path)
    put(
        root,
        "posts/微信公众号/文章.xlsx",
        posts.wechat_article_exporter_xlsx("计算机学院学生会", PUBLISHED),
    )
    result = scanned(root)
    assert last_posts(result)[(Platform.WECHAT_MP, "计算机学院学生会")] == LAST
    unfiled = [f for f in result.findings if f.rule == "account_unfiled"]
    assert [(f.platform, f.group_id) for f in unfiled] == [(Platform.WECHAT_MP, "计算机学院学生会")]


def test_an_export_that_names_no_account_is_rejected_whole(tmp_path: Path) -> None:
    root = college(tmp_path)
    put(root, "posts/笔记列表明细表.xlsx", posts.xiaohongshu_notes_xlsx(PUBLISHED))
    result = scanned(root)
    rejected = [e for e in result.errors if e.rejects_file]
    assert [e.file for e in rejected] == ["posts/笔记列表明细表.xlsx"]
    assert "无法确定这份发布记录属于哪个账号" in rejected[0].reason
    assert "笔记列表明细表" in rejected[0].reason
    assert all(view.last_post_on is None for view in result.accounts)  # nothing guessed


def test_the_upload_receipt_of_a_post_export_names_the_account_and_its_last_post(
    tmp_path: Path,
) -> None:
    root = college(tmp_path)
    path = put(root, "posts/抖音/U01/计算机学院青年.xlsx", posts.douyin_works_xlsx(PUBLISHED))
    source = LocalSource(root)
    [file] = source.list("posts/")
    receipt = check_file(source, file, DEFAULT_SETTINGS, TODAY, waivable_rules())
    assert receipt.rejected is None and receipt.rows_read == len(PUBLISHED)
    assert "账号“计算机学院青年”最近发布于 2026-11-12" in receipt.notes
    assert path == file.path


def test_the_upload_receipt_of_an_export_that_names_no_account_says_why(tmp_path: Path) -> None:
    root = college(tmp_path)
    put(root, "posts/抖音/U01/作品列表.xlsx", posts.douyin_works_xlsx(PUBLISHED))
    source = LocalSource(root)
    [file] = source.list("posts/")
    receipt = check_file(source, file, DEFAULT_SETTINGS, TODAY, waivable_rules())
    assert receipt.rejected is not None and "无法确定这份发布记录属于哪个账号" in receipt.rejected


def test_a_folder_or_a_part_of_the_file_name_never_names_the_account(tmp_path: Path) -> None:
    root = college(tmp_path)
    put(root, "posts/微信公众号/计算机学院/心理中心.xlsx", posts.douyin_works_xlsx(PUBLISHED))
    put(root, "posts/微信公众号/计算机学院-心理中心.xlsx", posts.douyin_works_xlsx(PUBLISHED))
    result = scanned(root)
    assert len([e for e in result.errors if e.rejects_file]) == 2
    assert all(view.last_post_on is None for view in result.accounts)


def test_an_id_the_register_does_not_know_falls_back_to_the_name(tmp_path: Path) -> None:
    root = college(tmp_path)
    table = "公众号名称,微信号,发表时间\n计算机学院,jsjxy_wx,2026-11-12 18:30\n"
    put(root, "posts/微信公众号/发表记录.csv", table.encode())
    result = scanned(root)
    assert last_posts(result)[(Platform.WECHAT_MP, "gh_3a5b7c9d1e2f")] == LAST
    assert not [f for f in result.findings if f.rule == "account_unfiled"]


def test_a_daily_statistics_table_gives_no_post_date(tmp_path: Path) -> None:
    root = college(tmp_path)
    stats = "日期,图文页阅读人数,分享人数\n2026-11-12,120,3\n"
    put(root, "posts/微信公众号/计算机学院.csv", stats.encode())
    result = scanned(root)
    [rejected] = [e for e in result.errors if e.rejects_file]
    assert "发布时间" in rejected.reason
    assert last_posts(result)[(Platform.WECHAT_MP, "gh_3a5b7c9d1e2f")] is None


def test_a_register_replaced_during_a_post_uploads_check_retries_the_check() -> None:
    # GIVEN a post export uploaded while its register is being replaced (gone when read)
    bucket = MemoryBucket(now=datetime(2026, 11, 16, 8, 0))
    bucket.put("config/units.csv", UNITS.encode())
    bucket.put("accounts/登记表.xlsx", posts.register_xlsx(REGISTER))
    bucket.put("posts/抖音/U01/计算机学院青年.xlsx", posts.douyin_works_xlsx(PUBLISHED))
    upload = bucket.stat("posts/抖音/U01/计算机学院青年.xlsx")
    assert upload is not None
    read = bucket.read

    def register_gone(path: str, at_most: int | None = None) -> bytes:
        if path.startswith("accounts/"):
            raise SourceFileGone(path)
        return read(path, at_most)

    bucket.read = register_gone  # type: ignore[method-assign]
    # WHEN it is checked THEN the check fails, to be retried (the queue redelivers it):
    # the export is not rejected and quarantined for naming no account
    with pytest.raises(SourceFileGone):
        check_file(bucket, upload, DEFAULT_SETTINGS, TODAY, waivable_rules())
    bucket.read = read  # type: ignore[method-assign]
    retried = check_file(bucket, upload, DEFAULT_SETTINGS, TODAY, waivable_rules())
    assert retried.rejected is None
    assert "账号“计算机学院青年”最近发布于 2026-11-12" in retried.notes


def test_an_unregistered_account_without_a_platform_names_the_column_in_chinese(
    tmp_path: Path,
) -> None:
    # GIVEN a post export of an account the register does not know, outside any platform
    # folder and without a 平台 column
    root = college(tmp_path)
    put(
        root,
        "posts/发表记录.csv",
        "账号名称,发表时间\n计算机学院学生会,2026-11-12 18:30\n".encode(),
    )
    # WHEN scanned
    result = scanned(root)
    # THEN the row error names the platform column in Chinese, never `platform`
    errors = [(e.file, e.row, e.column) for e in result.errors if not e.warning]
    assert errors == [("posts/发表记录.csv", 2, "平台")]
