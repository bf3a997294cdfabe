"""WeCom and DingTalk API dumps, and rosters re-saved by pandas or Excel (docs/formats.md
§3, §5, §7), read as the weekly scan reads them; and what `jobs inspect` and the upload
receipt say of a few real shapes (chalicelib.intake.inspection.check_file)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from chalicelib.core.models import Platform
from chalicelib.evaluate.rules import waivable_rules
from chalicelib.intake.inspection import GroupFacts, TableFacts, check_file
from chalicelib.intake.source import LocalSource
from tests.intake.corpus import (
    CLASS_GROUP,
    CLASS_IDS,
    DIRECTORY,
    ERROR,
    EXPORTED,
    GROUP_ID,
    GROUP_NAME,
    TODAY,
    WARNING,
    Outcome,
    outcome,
    put,
    reported,
    scan_rosters,
)
from tests.intake.corpus import other_exports as other
from tests.intake.corpus import qq_exports as qq
from tests.intake.readers import DEFAULT_SETTINGS

CLASS = (Platform.QQ, GROUP_ID)
STAFF = {"P00000", "P00001", "P00002"}  # the persons of DIRECTORY

# ---------------------------------------------------------------- WeCom and DingTalk


def test_wecom_groupchat_json_takes_roles_from_owner_and_admin_list(tmp_path: Path) -> None:
    # GIVEN externalcontact/groupchat/get saved under rosters/wecom/: the owner and
    # admin_list beside member_list (type 1 staff, type 2 an external contact), join_time
    path = put(tmp_path, "rosters/wecom/groupchat_get.json", other.wecom_groupchat())

    # WHEN the scan reads the rosters
    snapshots, errors = scan_rosters(tmp_path)

    # THEN the group is the chat_id, named by `name`, owned by `owner`; with no speaking
    # time it has no activity data, and its age runs from the earliest join_time (07:00
    # in Shanghai, still the day before in UTC)
    assert outcome(snapshots[(Platform.WECOM, other.WECOM_CHAT_ID)]) == Outcome(
        path,
        platform=Platform.WECOM,
        group_id=other.WECOM_CHAT_ID,
        group_name="计算机学院家校沟通群",
        members=frozenset(other.WECOM_JOINED),
        owner="ZhangLaoShi",
        has_activity=False,
        last_spoke_on=None,
        first_joined_on=min(other.WECOM_JOINED.values()).date(),
    )
    # AND the three staff are found in the directory; the external contact is not
    snapshot = snapshots[(Platform.WECOM, other.WECOM_CHAT_ID)]
    assert snapshot.unmapped_ids == ("ZhaoLiu", other.WECOM_EXTERNAL)
    assert {DIRECTORY.person_ids[i] for i in snapshot.persons} == STAFF
    assert errors == []


def test_dingtalk_chat_get_json_gives_ids_and_the_owner(tmp_path: Path) -> None:
    # GIVEN chat/get saved under rosters/dingtalk/: chat_info with name, owner, useridlist
    path = put(tmp_path, "rosters/dingtalk/chat_get.json", other.dingtalk_chat_get())

    # WHEN the scan reads the rosters
    snapshots, errors = scan_rosters(tmp_path)

    # THEN ids keep their leading zeros; no times at all: no activity data, no age
    assert outcome(snapshots[(Platform.DINGTALK, other.DINGTALK_CHAT_ID)]) == Outcome(
        path,
        platform=Platform.DINGTALK,
        group_id=other.DINGTALK_CHAT_ID,
        group_name="计算机学院教职工群",
        members=frozenset(other.DINGTALK_MEMBERS),
        owner="manager4220",
        has_activity=False,
        last_spoke_on=None,
        first_joined_on=None,
    )
    snapshot = snapshots[(Platform.DINGTALK, other.DINGTALK_CHAT_ID)]
    assert {DIRECTORY.person_ids[i] for i in snapshot.persons} == STAFF
    assert snapshot.unmapped_ids == ("062846164421",)
    assert errors == []


# ---------------------------------------------------------------- re-saved by pandas or Excel


def test_pandas_resaved_roster_reads_float_ids_as_integers(tmp_path: Path) -> None:
    # GIVEN a roster written back by pandas: an unnamed index column, QQ号 as floats
    # (795425564.0) because one member has no number, that cell empty
    path = put(
        tmp_path, "rosters/qq/roster.csv", other.pandas_roster_csv(CLASS_GROUP, unix_times=False)
    )

    # WHEN the scan reads the rosters
    snapshots, errors = scan_rosters(tmp_path)

    # THEN the ids are the integers, mapped as such; the member without a number (line 7)
    # is a row error
    assert outcome(snapshots[CLASS]) == Outcome(path)
    assert reported(errors) == [(path, 7, "QQ号", ERROR)]
    assert errors[0].reason == "成员账号为空"


def test_pandas_resaved_unix_times_read_zero_point_zero_as_never(tmp_path: Path) -> None:
    # GIVEN the same roster with its times as Unix seconds: the blank makes them floats
    # too, 1725147000.0, and 0 (never spoke) becomes 0.0
    path = put(
        tmp_path, "rosters/qq/roster.csv", other.pandas_roster_csv(CLASS_GROUP, unix_times=True)
    )

    # WHEN the scan reads the rosters
    snapshots, errors = scan_rosters(tmp_path)

    # THEN 0.0 reads as never, like 0: every member is kept
    assert reported(errors) == [(path, 7, "QQ号", ERROR)]
    assert outcome(snapshots[CLASS]) == Outcome(path)


def test_full_width_and_zero_width_characters_in_ids_are_normalised(tmp_path: Path) -> None:
    # GIVEN a roster typed by hand with a Chinese input method: full-width digits in the
    # group and member ids, a zero-width space after one id, one member listed twice
    text = (
        "群号,QQ号,身份\n"
        "５５１０４７９８７,１０４３８７９０２１,群主\n"
        "551047987,2596631840\u200b,管理员\n"
        "５５１０４７９８７,７９５４２５５６４,成员\n"
        "551047987,795425564,成员\n"
    )
    path = put(tmp_path, "rosters/qq/手工名单.csv", text.encode("utf-8"))

    # WHEN the scan reads the rosters
    snapshots, errors = scan_rosters(tmp_path)

    # THEN one group of three distinct members, all found in the directory
    assert outcome(snapshots[CLASS]) == Outcome(
        path,
        members=CLASS_IDS - {"3318270541", "1184362290"},
        has_activity=False,
        last_spoke_on=None,
        first_joined_on=None,
    )
    assert errors == []


@pytest.mark.parametrize(
    ("name", "encode"),
    [("名单.txt", other.excel_unicode_text), ("名单.csv", other.excel_csv)],
    ids=["Unicode 文本 (UTF-16LE, BOM, tabs)", "CSV 逗号分隔 (GBK)"],
)
def test_roster_saved_by_chinese_excel_is_read(
    tmp_path: Path, name: str, encode: Callable[[list[list[str]]], bytes]
) -> None:
    # GIVEN a clerk's roster kept in Excel (群号, 群名称, dates as displayed: 2024/9/1 7:30)
    # saved in one of Excel's two default text formats
    path = put(tmp_path, f"rosters/qq/{name}", encode(other.excel_roster_rows(CLASS_GROUP)))

    # WHEN the scan reads the rosters
    snapshots, errors = scan_rosters(tmp_path)

    # THEN the whole group is read, named by its 群名称 column
    assert outcome(snapshots[CLASS]) == Outcome(path, group_name=GROUP_NAME)
    assert errors == []


def test_a_column_named_like_ours_is_read_with_a_warning(tmp_path: Path) -> None:
    # GIVEN a roster whose speaking column is headed 上次发言时间, not an accepted name
    text = (
        "QQ号,群名片,身份,入群时间,上次发言时间\r\n"
        "1043879021,张老师,群主,2024-09-01,2026-11-12\r\n"
        "2596631840,李四,管理员,2024-09-02,2026-11-14\r\n"
    )
    path = put(tmp_path, "rosters/qq/551047987.csv", text.encode("utf-8"))

    # WHEN the scan reads the rosters
    snapshots, errors = scan_rosters(tmp_path)

    # THEN the roster is read without that column (no activity data), and a warning names it
    assert outcome(snapshots[CLASS]) == Outcome(
        path,
        members=frozenset({"1043879021", "2596631840"}),
        has_activity=False,
        last_spoke_on=None,
    )
    assert reported(errors) == [(path, None, None, WARNING)]
    assert errors[0].reason.startswith("“上次发言时间”列看起来是“最后发言时间”,但不是可识别的列名")
    assert "最后发言时间" in errors[0].reason.split("可识别的列名:")[1]


# ---------------------------------------------------------------- the receipt (jobs inspect)


def test_receipts_of_real_shapes_name_format_columns_and_masked_owner(tmp_path: Path) -> None:
    # GIVEN the Greasy Fork scrape and the qun.qq.com JSON, each named by the group number
    put(tmp_path, "rosters/qq/551047987.csv", qq.greasyfork_csv(CLASS_GROUP))
    put(tmp_path, "rosters/qq/551047987.json", qq.qun_json(CLASS_GROUP, served=EXPORTED))
    source = LocalSource(tmp_path)

    # WHEN each file is checked as an upload is
    scrape, dump = (
        check_file(source, f, DEFAULT_SETTINGS, TODAY, waivable_rules())
        for f in source.list("rosters/")
    )

    # THEN each receipt says how the file was read and what group it holds
    group = GroupFacts(
        platform=Platform.QQ,
        group_id=GROUP_ID,
        group_name=None,
        members=5,
        owner="10****21",
        activity=True,
    )
    assert (scrape.rows_read, scrape.row_errors, scrape.rejected) == (5, [], None)
    assert scrape.tables == [
        TableFacts(
            format="CSV(UTF-8 带 BOM)",
            header_row=1,
            columns={
                "display_name": "群名片",
                "role": "成员类别",
                "member_id": "QQ号",
                "joined_at": "入群时间",
                "last_spoke_at": "最后发言",
            },
            ignored=["成员", "性别", "Q龄", "等级(积分)"],
        )
    ]
    assert scrape.groups == [group]
    assert (dump.rows_read, dump.row_errors, dump.rejected) == (5, [], None)
    assert dump.tables == [
        TableFacts(
            format="JSON(qun.qq.com 导出)",
            header_row=1,
            columns={
                "member_id": "uin",
                "role": "role",
                "display_name": "card",
                "joined_at": "join_time",
                "last_spoke_at": "last_speak_time",
            },
            ignored=["g", "flag", "nick", "qage", "tags"],
        )
    ]
    assert dump.groups == [group]
