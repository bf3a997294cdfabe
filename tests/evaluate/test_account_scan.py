"""A college's new-media accounts through the whole scan: a GBK register as offices save
it from Excel, posts exports, the directory; each rule's findings exactly, and every bad
value a row error naming its file, row and column while the other rows are read."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from chalicelib.core.models import FindingStatus, Platform
from chalicelib.evaluate.scan import ScanResult, scan
from chalicelib.intake.source import LocalSource
from jobs.scan import run_scan
from tests.factories import make_settings

TODAY = date(2026, 11, 16)
UNITS = """unit_id,name,keywords,contact_email
U01,信息工程学院,信息学院;信息工程,xxgc@example.edu.cn
U02,外国语学院,外语,wy@example.edu.cn
"""
DIRECTORY = """工号,姓名,单位,状态,离职日期
T001,张三,U01,离职,2026-06-30
T002,李四,U01,在职,
T003,王五,U02,在职,
"""
REGISTER = """XX职业学院新媒体账号登记表
序号,平台类型,账号名称,原始ID,主办单位,注册主体,运营者,审批情况,备案时间,运营状态,功能定位,最近更新日期
1,微信公众号,信息学院团委,gh_000000000001,信息工程学院,单位,T002,已审批,2025-03-01,运营中,团学动态,2026-11-10
2,微信公众号,信息工程学院,gh_000000000002,信息工程学院,学校,李四,未审批,2025-03-01,运营中,学院新闻,2026-11-10
3,微博,信息学院团委官微,7712345678,信息工程学院,单位,T002,已审批,,运营中,团学动态微博,2026-11-10
4,抖音,信息学院青年,dy_xxgc,信息工程学院,单位,T001,已审批,2025-03-01,运营中,短视频,
5,哔哩哔哩,英语角,bili_01,外国语学院,单位,王五,已审批,2025-03-01,运营中,外语学习,2026-11-10
6,微信公众号,江西省财政厅信息学院,gh_000000000006,信息工程学院,单位,李四,已审批,2025-03-01,运营中,财务,2026-11-10
7,微信公众号,信息学院团委 官方,gh_000000000007,信息工程学院,单位,李四,已审批,2025-03-01,运营中,团学活动,2026-11-10
8,微信公众号,信息学院旧号,gh_000000000008,信息工程学院,单位,李四,未审批,,已注销,团学动态,2020-01-01
9,视频号,信息学院视频,sph_09,信息工程学院,单位,李四,已审批,2025-03-01,停更,视频,2025-01-01
10,视频号,信息学院招生,sph_10,信息工程学院,单位,李四,已审批,2025-03-01,运营中,招生,
11,,信息学院无平台,x11,信息工程学院,单位,李四,已审批,2025-03-01,运营中,,
12,微博,信息学院无ID,,信息工程学院,单位,李四,已审批,2025-03-01,运营中,,
13,知乎,信息学院知乎,zh13,信息工程学院,单位,李四,已审批,2025-03-01,运营中,,
14,微博,信息学院未来,wb14,信息工程学院,单位,李四,已审批,2025-03-01,运营中,,2026-12-25
"""
DOUYIN = "作品名称,发布时间,体裁,播放量\n开学季,2026-03-01 10:00:00,视频,1200\n"
WEIBO_UNREGISTERED = (
    "账号名称,发布时间\n信息学院学生会,2026-11-01 08:00\n信息学院学生会,2027-01-01 08:00\n"
)


def college(root: Path) -> Path:
    files = {
        "config/units.csv": UNITS.encode(),
        "directory/staff.csv": DIRECTORY.encode("gb18030"),
        "accounts/登记表.csv": REGISTER.encode("gb18030"),
        "posts/抖音/信息学院青年.csv": DOUYIN.encode(),
        "posts/微博/学生会.csv": WEIBO_UNREGISTERED.encode("gb18030"),
    }
    for path, data in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_bytes(data)
    return root


def scanned(root: Path) -> ScanResult:
    return scan(LocalSource(root), TODAY, make_settings())


def test_each_account_rule_fires_exactly_where_planted(tmp_path: Path) -> None:
    result = scanned(college(tmp_path))
    found = {
        (f.rule, f.platform.value, f.group_id)
        for f in result.findings
        if f.platform.is_account and f.status is FindingStatus.OPEN
    }
    assert found == {
        ("account_unapproved", "wechat_mp", "gh_000000000002"),
        ("account_unfiled", "weibo", "7712345678"),
        ("account_unfiled", "weibo", "信息学院学生会"),
        ("account_dormant", "douyin", "dy_xxgc"),  # its posts end on 2026-03-01
        ("account_operator_departed", "douyin", "dy_xxgc"),
        ("account_borrowed_name", "wechat_mp", "gh_000000000006"),
        ("account_duplicate", "wechat_mp", "gh_000000000001"),
        ("account_duplicate", "wechat_mp", "gh_000000000007"),
        ("account_naming", "bilibili", "bili_01"),
    }


def test_an_account_seen_only_posting_belongs_to_the_unit_its_name_names(tmp_path: Path) -> None:
    result = scanned(college(tmp_path))
    unfiled = next(f for f in result.findings if f.group_id == "信息学院学生会")
    assert (unfiled.rule, unfiled.unit_id, unfiled.filed) == ("account_unfiled", "U01", False)


def test_bad_rows_are_row_errors_and_the_other_rows_are_read(tmp_path: Path) -> None:
    result = scanned(college(tmp_path))
    errors = {(e.file, e.row, e.column): e.reason for e in result.errors if not e.warning}
    assert errors[("accounts/登记表.csv", 13, "平台类型")] == "不能为空"
    assert errors[("accounts/登记表.csv", 14, "原始ID")] == "不能为空"
    unknown = errors[("accounts/登记表.csv", 15, "平台类型")]
    assert "无法识别的取值“知乎”" in unknown and "微信公众号" in unknown and "小红书" in unknown
    assert "晚于检查日" in errors[("accounts/登记表.csv", 16, "最近更新日期")]
    assert "晚于检查日" in errors[("posts/微博/学生会.csv", 3, "发布时间")]
    assert len(result.accounts) == 10 + 1  # 10 good register rows and one account from posts


def test_an_account_without_any_post_date_is_a_warning_never_a_finding(tmp_path: Path) -> None:
    result = scanned(college(tmp_path))
    warnings = [e for e in result.errors if e.warning and e.file == "accounts/登记表.csv"]
    assert [(w.row, "账号“信息学院招生”没有发布记录" in w.reason) for w in warnings] == [(12, True)]
    assert not any(f.group_id == "sph_10" for f in result.findings)


def test_a_waiver_waives_an_account_finding(tmp_path: Path) -> None:
    root = college(tmp_path)
    (root / "waivers").mkdir()
    (root / "waivers/w.csv").write_text(
        "平台,账号,规则,理由,审批人,有效期至\n抖音,dy_xxgc,新媒体长期未更新,寒假停更,党委宣传部,2027-01-31\n",
        encoding="utf-8",
    )
    result = scanned(root)
    dormant = next(f for f in result.findings if f.rule == "account_dormant")
    assert (dormant.platform, dormant.status) == (Platform.DOUYIN, FindingStatus.WAIVED)


def test_jobs_scan_writes_account_findings_with_their_account_id(tmp_path: Path) -> None:
    root = college(tmp_path / "data")
    assert run_scan(root, TODAY, tmp_path / "out", make_settings()) == 0
    lines = (tmp_path / "out/findings.jsonl").read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines]
    borrowed = next(r for r in records if r["rule"] == "account_borrowed_name")
    assert borrowed["platform"] == "wechat_mp" and borrowed["severity"] == "high"
    assert borrowed["account_id"] == borrowed["group_id"] == "gh_000000000006"
    assert borrowed["account_name"] == "江西省财政厅信息学院"
    assert borrowed["status"] == "open" and borrowed["clause"] == "通知 一.1"
    operator = next(r for r in records if r["rule"] == "account_operator_departed")
    assert "张三" not in json.dumps(operator, ensure_ascii=False)  # the operator, masked


RECREATED = """平台,原始ID,账号名称,单位,登记日期,状态
公众号,gh_000000000010,信息学院团委,U01,2019-01-01,已注销
公众号,gh_000000000011,信息学院团委,U01,2024-01-01,运营中
"""


def test_posts_named_like_a_recreated_account_are_the_operating_one(tmp_path: Path) -> None:
    # GIVEN an account closed and re-created under its old name (the register keeps the
    # closed row), and post exports that name it by name: in a column, and by file name
    files = {
        "config/units.csv": UNITS,
        "accounts/登记表.csv": RECREATED,
        "posts/公众号/发表记录.csv": "公众号,发布时间\n信息学院团委,2026-11-01 10:00\n",
        "posts/公众号/信息学院团委.csv": "发布时间\n2026-11-02 10:00\n",
    }
    for path, text in files.items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(text, encoding="utf-8")
    # WHEN scanned
    result = scanned(tmp_path)
    # THEN the posts are the operating account's: no 未登记 account made of its name, no
    # file rejected, and its last post date is known
    assert [e.reason for e in result.errors] == []
    assert not [f for f in result.findings if f.rule == "account_unfiled"]
    last = {view.account_id: view.last_post_on for view in result.accounts}
    assert last == {"gh_000000000010": None, "gh_000000000011": date(2026, 11, 2)}


TWINS = """平台,原始ID,账号名称,单位,登记日期,状态
服务号,gh_000000000020,信息学院,U01,2024-01-01,运营中
订阅号,gh_000000000021,信息学院,U01,2024-01-01,运营中
"""


def test_posts_naming_an_account_by_a_name_two_accounts_bear_are_a_data_error(
    tmp_path: Path,
) -> None:
    # GIVEN two operating accounts of one platform with one name, and post exports that
    # name the account only by that name: in a column, and by file name
    files = {
        "config/units.csv": UNITS,
        "accounts/登记表.csv": TWINS,
        "posts/公众号/发表记录.csv": "公众号,发布时间\n信息学院,2026-11-01 10:00\n",
        "posts/公众号/信息学院.csv": "发布时间\n2026-11-02 10:00\n",
    }
    for path, text in files.items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(text, encoding="utf-8")
    # WHEN scanned
    result = scanned(tmp_path)
    # THEN which account posted is a data problem that says so, naming the file (and the
    # row and column), never a 未登记 account made of the name
    assert not [f for f in result.findings if f.rule == "account_unfiled"]
    problems = {(e.file, e.row, e.column): e.reason for e in result.errors if not e.warning}
    assert set(problems) == {
        ("posts/公众号/发表记录.csv", 2, "公众号"),
        ("posts/公众号/信息学院.csv", None, None),
    }
    for reason in problems.values():
        assert "多个账号" in reason and "gh_000000000020、gh_000000000021" in reason
