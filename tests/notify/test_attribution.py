"""Data problems reach the unit that uploaded the file (chalicelib/notify/attribution.py)."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date
from pathlib import Path

from chalicelib.core.models import DataError, RollupKind, Unit
from chalicelib.core.settings import Settings
from chalicelib.evaluate.rules.context import GroupView
from chalicelib.evaluate.scan import scan
from chalicelib.intake.source import LocalSource
from chalicelib.notify.attribution import data_problems_by_unit
from chalicelib.notify.digests.render import render_digest
from chalicelib.notify.rollups.build import build_rollup
from chalicelib.notify.rollups.inventory import GroupInventory
from chalicelib.notify.rollups.render import render_rollup
from jobs.sample import generate_college
from tests.factories import make_group, make_snapshot, make_unit
from tests.notify.digests.test_build import UNIT, filed_group, make_entry, plan
from tests.notify.rollups.test_build import ALL, TODAY

CS = make_unit("U01", name="计算机学院", keywords=("计算机", "信工"), contact_email="cs@x.edu.cn")
FL = make_unit("U02", name="外国语学院", keywords=("外语",), contact_email="fl@x.edu.cn")
TWIN = make_unit("U03", name="继续教育学院", keywords=("信工",))  # 信工 is ambiguous now


def problem(file: str, row: int | None = 3, warning: bool = False) -> DataError:
    return DataError(file=file, row=row, column="QQ号" if row else None, reason="成员账号为空",
                     warning=warning)  # fmt: skip


def owners(
    *errors: DataError, units: tuple[Unit, ...] = (CS, FL), groups: tuple[GroupView, ...] = ()
) -> dict[str | None, list[str]]:
    found = data_problems_by_unit(errors, units, groups)
    return {unit: [e.file for e in errs] for unit, errs in found.items()}


def test_a_folder_named_by_id_name_or_keyword_owns_its_files() -> None:
    assert owners(
        problem("rosters/qq/计算机/a.csv"), problem("rosters/qq/U02/b.csv"),
        problem("directory/外国语学院/名册.xlsx#Sheet1", row=None),
    ) == {"U01": ["rosters/qq/计算机/a.csv"],
          "U02": ["rosters/qq/U02/b.csv", "directory/外国语学院/名册.xlsx#Sheet1"]}  # fmt: skip


def test_the_deepest_folder_decides_and_an_ambiguous_name_decides_nothing() -> None:
    assert owners(problem("rosters/qq/外语/计算机/a.csv")) == {
        "U01": ["rosters/qq/外语/计算机/a.csv"]
    }
    assert owners(problem("rosters/qq/信工/a.csv"), units=(CS, FL, TWIN)) == {
        None: ["rosters/qq/信工/a.csv"]
    }


def test_without_a_folder_the_groups_of_the_file_decide() -> None:
    # GIVEN a workbook of no unit's folder whose group (of 外国语学院) the scan took
    snapshot = replace(make_snapshot("500001"), source="rosters/qq/导出.xlsx#所有成员")
    group = make_group(snapshot=snapshot, unit=FL)
    # THEN its other sheet's problems are the unit's; a file with no group is nobody's
    assert owners(problem("rosters/qq/导出.xlsx#未绑定成员"), groups=(group,)) == {
        "U02": ["rosters/qq/导出.xlsx#未绑定成员"]
    }
    assert owners(problem("rosters/qq/其他.xlsx")) == {None: ["rosters/qq/其他.xlsx"]}


def test_warnings_are_not_data_problems() -> None:
    assert owners(problem("rosters/qq/计算机/a.csv", warning=True)) == {}


def test_a_units_contact_gets_its_problems_and_the_rest_go_to_the_office_that_sees_all() -> None:
    # GIVEN a problem in UNIT's folder and one in no unit's
    mine, orphan = problem("rosters/qq/U01/a.csv"), problem("rosters/qq/broken.xlsx", row=None)
    result = plan([make_entry()], [filed_group(responsible_email="owner@x.edu.cn")],
                  data_problems={"U01": [mine], None: [orphan]})  # fmt: skip

    # THEN the unit's contact gets a digest with the section, and the orphan is kept aside
    (digest,) = [d for d in result.digests if d.recipient == UNIT.contact_email]
    assert digest.data_problems == (mine,) and result.orphan_problems == (orphan,)
    text = render_digest(digest, {UNIT.unit_id: UNIT}).text
    assert "您单位上传的文件有 1 处数据问题" in text
    assert "rosters/qq/U01/a.csv" in text and "第 3 行“QQ号”列" in text
    assert "请在原表中更正该行后重新上传该文件" in text
    # AND the rollup of the office that sees all lists the orphan
    inventory = GroupInventory(period="2026-W37", units=(), rows=(), unroutable=(),
                               orphan_problems=(orphan,))  # fmt: skip
    rollup = build_rollup(RollupKind.WEEK, TODAY, ALL, [], [], inventory, 0)
    assert "未能归属单位的数据问题(1 处)" in render_rollup(rollup).text
    assert "rosters/qq/broken.xlsx 整个文件" in render_rollup(rollup).text


def test_a_rollup_says_how_many_orphan_problems_there_were_beyond_those_listed() -> None:
    many = [problem(f"rosters/qq/{n}.csv") for n in range(250)]
    inventory = GroupInventory(period="2026-W37", units=(), rows=(), unroutable=(),
                               orphan_problems=tuple(many[:200]), orphan_problems_total=250)  # fmt: skip
    rollup = build_rollup(RollupKind.WEEK, TODAY, ALL, [], [], inventory, 0)
    assert "未能归属单位的数据问题(250 处,以下列出前 200 处)" in render_rollup(rollup).text


ENGLISH_WORD = re.compile(r"[A-Za-z]{4,}")
ALLOWED = {"Excel", "UTF", "JSON", "DOCTYPE", "xlsx", "external"}


def test_no_reason_a_unit_reads_is_in_english(tmp_path: Path) -> None:
    # GIVEN the sample college, with its broken workbook and bad rows
    generate_college(tmp_path, today=date(2026, 11, 16), groups=40)
    result = scan(LocalSource(tmp_path), date(2026, 11, 16), Settings())
    reasons = [e.reason for e in result.errors]
    assert any("Excel" in r for r in reasons)  # the broken workbook is among them
    for reason in reasons:
        words = set(ENGLISH_WORD.findall(reason.split("(可用")[0])) - ALLOWED
        assert not words, reason
