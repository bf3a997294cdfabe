"""QQ group exports as units drop them (docs/formats.md §1, §2), read as the weekly scan
reads them: each file lands in a temporary data root under rosters/qq/ with the export's
time as its object time; each group it yields is compared whole with an `Outcome` (by
default the class group: 5 members, 3 of them in the directory, owned by 1043879021,
last spoken 2026-11-14, first joined 2024-09-01)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

import pytest

from chalicelib.core.models import Platform, Role
from tests.intake.corpus import (
    CLASS_GROUP,
    ERROR,
    EXPORTED,
    GROUP_ID,
    GROUP_NAME,
    MAPPED_QQ,
    WARNING,
    Member,
    Outcome,
    outcome,
    put,
    reported,
    scan_rosters,
)
from tests.intake.corpus import bot_exports as bots
from tests.intake.corpus import qq_exports as qq

CLASS = (Platform.QQ, GROUP_ID)
NO_GROUP_ID = "无法确定群号"


# ---------------------------------------------------------------- qun.qq.com web page


def test_greasyfork_scrape_is_read_once_named_by_its_group_number(tmp_path: Path) -> None:
    # GIVEN the Greasy Fork 379332 CSV as the script names it, and a copy renamed to the
    # group number
    data = qq.greasyfork_csv(CLASS_GROUP)
    put(tmp_path, "rosters/qq/成员表.csv", data)
    put(tmp_path, "rosters/qq/551047987.csv", data)

    # WHEN the scan reads the rosters
    snapshots, errors = scan_rosters(tmp_path)

    # THEN the copy gives the whole group: 群主 in 成员类别, YYYY/MM/DD dates, `-` as never
    assert list(snapshots) == [CLASS]
    assert outcome(snapshots[CLASS]) == Outcome("rosters/qq/551047987.csv")
    # AND the file named as the script names it is rejected: its name holds no group number
    assert reported(errors) == [("rosters/qq/成员表.csv", None, None, ERROR)]
    assert errors[0].reason.startswith(NO_GROUP_ID) and "“成员表”" in errors[0].reason


def test_greasyfork_row_shifted_by_a_comma_in_a_card_is_a_row_error(tmp_path: Path) -> None:
    # GIVEN the scrape with one more member whose card holds a comma: the script does not
    # quote cells, so that row has one cell too many and every cell after the card shifts
    extra = Member("1566001234", "陈晨", "2024级,陈晨", Role.MEMBER, EXPORTED, None)
    put(tmp_path, "rosters/qq/551047987.csv", qq.greasyfork_csv((*CLASS_GROUP, extra)))

    # WHEN the scan reads the rosters
    snapshots, errors = scan_rosters(tmp_path)

    # THEN that row (line 7) is skipped and reported as shifted, never read with shifted
    # values
    assert outcome(snapshots[CLASS]) == Outcome("rosters/qq/551047987.csv")
    assert reported(errors) == [("rosters/qq/551047987.csv", 7, None, ERROR)]
    assert "比表头多出 1 个单元格" in errors[0].reason and "逗号" in errors[0].reason


def test_selenium_xls_is_read_once_named_by_its_group_number(tmp_path: Path) -> None:
    # GIVEN the selenium + xlwt script's legacy workbook, named {群名}-{人数}人.xls as it
    # names it, and a copy renamed to the group number
    data = qq.selenium_xls(CLASS_GROUP)
    put(tmp_path, f"rosters/qq/{GROUP_NAME}-5人.xls", data)
    put(tmp_path, "rosters/qq/551047987.xls", data)

    # WHEN the scan reads the rosters
    snapshots, errors = scan_rosters(tmp_path)

    # THEN the copy's one sheet gives the whole group (角色 群成员, QQ as text)
    assert list(snapshots) == [CLASS]
    assert outcome(snapshots[CLASS]) == Outcome("rosters/qq/551047987.xls#群员统计")
    # AND the original is rejected: a group name is never taken for a group number
    assert reported(errors) == [(f"rosters/qq/{GROUP_NAME}-5人.xls", None, None, ERROR)]
    assert errors[0].reason.startswith(NO_GROUP_ID)


def test_truncated_legacy_xls_is_rejected_and_the_other_files_still_count(
    tmp_path: Path,
) -> None:
    # GIVEN the selenium script's workbook cut short (an upload interrupted), beside a
    # good export
    put(tmp_path, "rosters/qq/551047987.xls", qq.selenium_xls(CLASS_GROUP)[:-200])
    put(tmp_path, "rosters/qq/551047987.csv", qq.greasyfork_csv(CLASS_GROUP))

    # WHEN the scan reads the rosters
    snapshots, errors = scan_rosters(tmp_path)

    # THEN the broken workbook is rejected alone (DESIGN: a bad file never stops the others)
    assert outcome(snapshots[CLASS]) == Outcome("rosters/qq/551047987.csv")
    assert reported(errors) == [("rosters/qq/551047987.xls", None, None, ERROR)]


def test_python2_script_txt_is_read_once_named_by_its_group_number(tmp_path: Path) -> None:
    # GIVEN qqGroup.txt as the script names it (昵称,q号,... with 2015年10月13日14时5分
    # dates and the epoch 1970年1月1日8时0分 for never), and a renamed copy
    data = qq.py2_script_txt(CLASS_GROUP)
    put(tmp_path, "rosters/qq/qqGroup.txt", data)
    put(tmp_path, "rosters/qq/551047987.txt", data)

    # WHEN the scan reads the rosters
    snapshots, errors = scan_rosters(tmp_path)

    # THEN the copy gives every member and day; the file has no role, so no owner
    assert outcome(snapshots[CLASS]) == Outcome("rosters/qq/551047987.txt", owner=None)
    assert reported(errors) == [("rosters/qq/qqGroup.txt", None, None, ERROR)]
    assert errors[0].reason.startswith(NO_GROUP_ID)


# ---------------------------------------------------------------- qun.qq.com JSON and dumps


def test_search_group_members_json_reads_numeric_roles_and_unix_times(tmp_path: Path) -> None:
    # GIVEN the qun.qq.com response saved as 551047987.json: role 0/1/2, HTML-escaped names
    # (`李四&amp;班长`, `王五&nbsp;家长`), Unix seconds, 0 for never
    put(tmp_path, "rosters/qq/551047987.json", qq.qun_json(CLASS_GROUP, served=EXPORTED))

    # WHEN the scan reads the rosters
    snapshots, errors = scan_rosters(tmp_path)

    # THEN role 0 is the owner, and the times are Shanghai days (the owner joined at 07:30,
    # still 2024-08-31 in UTC)
    assert outcome(snapshots[CLASS]) == Outcome("rosters/qq/551047987.json")
    assert errors == []


def test_search_group_members_json_is_as_old_as_its_server_time(tmp_path: Path) -> None:
    # GIVEN a dump the server answered on 2026-10-20 (svr_time), uploaded on 2026-11-15
    served = datetime(2026, 10, 20, 9, 0)
    put(tmp_path, "rosters/qq/551047987.json", qq.qun_json(CLASS_GROUP, served=served))

    # WHEN the scan reads the rosters
    snapshots, errors = scan_rosters(tmp_path)

    # THEN the export is 27 days old, over roster_max_age_days (14): the group has no
    # snapshot (DESIGN: a table is read with every field it carries that qungov uses)
    assert snapshots == {}
    assert errors == []


def test_script_dump_of_search_group_members_reads_numeric_roles_as_qun_qq_com(
    tmp_path: Path,
) -> None:
    # GIVEN the same fields written to CSV by a script: uin, nick, card, role 0/1/2,
    # join_time and last_speak_time in Unix seconds, qage
    put(tmp_path, "rosters/qq/551047987.csv", qq.qun_script_csv(CLASS_GROUP))

    # WHEN the scan reads the rosters
    snapshots, errors = scan_rosters(tmp_path)

    # THEN the header (uin with qage) says qun.qq.com, whose 0 is the owner
    assert outcome(snapshots[CLASS]) == Outcome("rosters/qq/551047987.csv")
    assert errors == []


def test_numeric_roles_of_an_unknown_tool_reject_the_file_once(tmp_path: Path) -> None:
    # GIVEN a roster whose 身份 column holds codes, from no tool the header identifies
    # (here mirai's numbering: 2 群主, 1 管理员, 0 成员)
    text = "QQ号,群名片,身份\r\n1043879021,张老师,2\r\n2596631840,李四,1\r\n795425564,王五,0\r\n"
    put(tmp_path, "rosters/qq/551047987.csv", text.encode("utf-8"))

    # WHEN the scan reads the rosters
    snapshots, errors = scan_rosters(tmp_path)

    # THEN the file is rejected with one reason listing the numberings, not one per row
    assert snapshots == {}
    assert reported(errors) == [("rosters/qq/551047987.csv", None, None, ERROR)]
    reason = errors[0].reason
    assert reason.startswith("“身份”列是数字代码(如 2)")
    for numbering in ("qun.qq.com 0=群主", "mirai 2=群主", "酷Q 3=群主", "钉钉 1=群主"):
        assert numbering in reason


# ---------------------------------------------------------------- bmqy qq-group-manager


def test_bmqy_workbook_is_read_once_named_by_its_group_number(tmp_path: Path) -> None:
    # GIVEN bmqy v3's workbook named QQ群成员列表-{群名}.xlsx as it names it (English keys,
    # uin as numbers, 群员, `YYYY-mm-dd HH:MM`, 1970-01-01 08:00 for never), and a copy
    data = qq.bmqy_xlsx(CLASS_GROUP)
    put(tmp_path, f"rosters/qq/QQ群成员列表-{GROUP_NAME}.xlsx", data)
    put(tmp_path, "rosters/qq/551047987.xlsx", data)

    # WHEN the scan reads the rosters
    snapshots, errors = scan_rosters(tmp_path)

    assert list(snapshots) == [CLASS]
    assert outcome(snapshots[CLASS]) == Outcome("rosters/qq/551047987.xlsx#Sheet1")
    assert reported(errors) == [(f"rosters/qq/QQ群成员列表-{GROUP_NAME}.xlsx", None, None, ERROR)]
    assert errors[0].reason.startswith(NO_GROUP_ID) and "“Sheet1”" in errors[0].reason


def test_bmqy_v2_text_saved_as_xlsx_without_a_header_is_rejected(tmp_path: Path) -> None:
    # GIVEN bmqy v2's 电子表格: CSV text under a .xlsx name, no header, `"value\t",` cells
    put(tmp_path, "rosters/qq/551047987.xlsx", qq.bmqy_v2_sheet(CLASS_GROUP))

    # WHEN the scan reads the rosters
    snapshots, errors = scan_rosters(tmp_path)

    # THEN it is rejected whole, saying there is no header and the file is not a workbook
    assert snapshots == {}
    assert reported(errors) == [("rosters/qq/551047987.xlsx", None, None, ERROR)]
    assert "找不到含必需列" in errors[0].reason and "内容不是" in errors[0].reason


# ---------------------------------------------------------------- OneBot v11 and bot plugins


@pytest.mark.parametrize("wrapped", [False, True], ids=["bare list", "status-retcode-data"])
def test_onebot_member_list_json_is_read_with_never_as_zero(tmp_path: Path, wrapped: bool) -> None:
    # GIVEN get_group_member_list saved as JSON, with group_id on every entry and
    # last_sent_time 0 for the member who never spoke
    put(tmp_path, "rosters/qq/members.json", bots.onebot_json(CLASS_GROUP, wrapped=wrapped))

    # WHEN the scan reads the rosters
    snapshots, errors = scan_rosters(tmp_path)

    assert outcome(snapshots[CLASS]) == Outcome("rosters/qq/members.json")
    assert errors == []


@pytest.mark.parametrize("version", list(bots.ASTRBOT_FILES))
def test_astrbot_workbook_reads_group_id_column_and_never_markers(
    tmp_path: Path, version: str
) -> None:
    # GIVEN AstrBot group_information's workbook of raw OneBot keys (group_id on every
    # row): never spoke is an empty cell (1.0.2) or 1970-01-01 08:00:00 (1.1.0), and a
    # missing joining time empty or 0000-00-00 00:00:00
    members = (*CLASS_GROUP[:4], replace(CLASS_GROUP[4], joined=None))
    name, sheet = bots.ASTRBOT_FILES[version]
    put(tmp_path, f"rosters/qq/{name}", bots.astrbot_xlsx(members, version))

    # WHEN the scan reads the rosters
    snapshots, errors = scan_rosters(tmp_path)

    assert outcome(snapshots[CLASS]) == Outcome(f"rosters/qq/{name}#{sheet}")
    assert errors == []


@pytest.mark.parametrize(
    "order",
    [
        bots.KOISHI_SHEETS,
        ("已绑定成员", "未绑定成员", "所有成员"),
        ("未绑定成员", "所有成员", "已绑定成员"),
    ],
    ids=["as written", "all members last", "all members in the middle"],
)
def test_koishi_workbook_snapshot_is_the_sheet_of_all_members(
    tmp_path: Path, order: tuple[str, ...]
) -> None:
    # GIVEN koishi bind-bot's workbook: the group three times at one export time, in
    # sheets 所有成员 (5), 已绑定成员 (3), 未绑定成员 (2), `未知` for never; the file name
    # holds the group number (and the UTC time)
    path = "rosters/qq/群551047987_绑定数据_20261115013000.xlsx"
    put(tmp_path, path, bots.koishi_xlsx(CLASS_GROUP, set(MAPPED_QQ), order))

    # WHEN the scan reads the rosters
    snapshots, errors = scan_rosters(tmp_path)

    # THEN the snapshot is the complete sheet, whatever the order of the sheets
    assert outcome(snapshots[CLASS]) == Outcome(f"{path}#所有成员")
    assert errors == []


def test_zcbot_all_groups_workbook_gives_one_group_per_sheet(tmp_path: Path) -> None:
    # GIVEN zcbot qqadmin's 导出所有群数据: a sheet per group named by its number, leading
    # columns 群号 and 群名, `—` for empty values and never
    staff = ("781234567", ("计算机学院教工群", CLASS_GROUP[:2]))
    data = bots.zcbot_all_groups_xlsx({GROUP_ID: (GROUP_NAME, CLASS_GROUP), staff[0]: staff[1]})
    path = "rosters/qq/全部群数据_2群7人_202611150930.xlsx"
    put(tmp_path, path, data)

    # WHEN the scan reads the rosters
    snapshots, errors = scan_rosters(tmp_path)

    assert outcome(snapshots[CLASS]) == Outcome(f"{path}#{GROUP_ID}", group_name=GROUP_NAME)
    assert outcome(snapshots[(Platform.QQ, "781234567")]) == Outcome(
        f"{path}#781234567",
        group_id="781234567",
        group_name="计算机学院教工群",
        members=frozenset(MAPPED_QQ[:2]),
    )
    assert errors == []


# ---------------------------------------------------------------- unreliable activity


Export = Callable[[tuple[Member, ...]], bytes]


def _all_zero(members: tuple[Member, ...]) -> bytes:
    zero = [replace(m, joined=None, spoke=None) for m in members]
    return bots.onebot_json(zero, wrapped=True)


def _all_now(members: tuple[Member, ...]) -> bytes:
    now = [replace(m, joined=EXPORTED, spoke=EXPORTED) for m in members]
    return bots.onebot_json(now, wrapped=True)


@pytest.mark.parametrize(
    ("export", "doubt", "expected"),
    [
        (
            bots.mirai_member_list,
            "每位成员的最后发言日期都等于入群日期",
            Outcome(
                "rosters/qq/members.json",
                group_name=GROUP_NAME,
                last_spoke_on=date(2025, 9, 10),  # the latest joining day: kept, not used
            ),
        ),
        (
            _all_zero,
            "入群时间和最后发言时间全部为空或为 0",
            Outcome("rosters/qq/members.json", last_spoke_on=None, first_joined_on=None),
        ),
        (
            _all_now,
            "每位成员的最后发言日期都等于入群日期",
            Outcome(
                "rosters/qq/members.json",
                last_spoke_on=EXPORTED.date(),
                first_joined_on=EXPORTED.date(),
            ),
        ),
    ],
    ids=["mirai lastSpeak = join (#2883)", "LLOneBot all 0 (#309)", "LLOneBot all now (#424)"],
)
def test_activity_a_bot_got_wrong_is_a_warning_and_not_judged(
    tmp_path: Path, export: Export, doubt: str, expected: Outcome
) -> None:
    # GIVEN a bot's member list whose times carry a known defect (docs/formats.md §2.2)
    put(tmp_path, "rosters/qq/members.json", export(CLASS_GROUP))

    # WHEN the scan reads the rosters
    snapshots, errors = scan_rosters(tmp_path)

    # THEN every member is read, the group is not judged on activity, and a warning says why
    assert outcome(snapshots[CLASS]) == replace(expected, has_activity=False)
    assert reported(errors) == [("rosters/qq/members.json", None, None, WARNING)]
    assert errors[0].reason.startswith(f"群 {GROUP_ID} 的{doubt},发言时间不可靠")
