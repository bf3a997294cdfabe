"""`python -m jobs inspect FILE…`: how each file is read, before the weekly run reads it."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from jobs.__main__ import main
from jobs.sample import generate_college
from jobs.sample.rosters import BROKEN_WORKBOOK

TODAY = "2026-11-16"


@pytest.fixture(scope="module")
def college(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("college")
    generate_college(root, today=date(2026, 11, 16), groups=30)
    return root


def inspect(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    status = main(["inspect", "--today", TODAY, *args])
    return status, capsys.readouterr().out


def test_every_file_of_the_demo_data_root_is_described(
    college: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN every file of a sample college, as the demo generates it
    files = sorted(str(p) for p in college.rglob("*") if p.is_file())

    # WHEN inspected in one call
    status, out = inspect(capsys, *files)

    # THEN each file has its paragraph: how it was read, or why it is rejected (the broken
    # workbook is: the status says one was)
    assert status == 1
    paragraphs = out.strip().split("\n\n")
    assert [p.splitlines()[0].split("(")[0] for p in paragraphs] == files
    for paragraph in paragraphs:
        assert "表头在第" in paragraph or "已拒收" in paragraph, paragraph
    broken = next(p for p in paragraphs if BROKEN_WORKBOOK.rpartition("/")[2] in p.splitlines()[0])
    assert "已拒收:不是有效的 Excel 工作簿" in broken


def test_a_roster_shows_its_columns_groups_and_errors(
    college: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = next(college.glob("rosters/qq/*/*.txt"))

    status, out = inspect(capsys, str(path))

    assert status == 0
    assert "TSV(GB18030/GBK),表头在第 4 行" in out
    assert "成员账号 ← “" in out
    assert f"群:QQ群 {path.stem}" in out and "群主 " in out and "****" in out


def test_a_file_outside_a_data_root_needs_its_kind(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN an export just downloaded, outside any data root
    export = tmp_path / "551047987.csv"
    export.write_text("QQ号,群名片,身份,最后发言\n10001,张三,群主,2026-11-01\n", encoding="utf-8")

    status, out = inspect(capsys, str(export))
    assert status == 2 and "看起来是群成员导出" in out and "--platform" in out

    status, out = inspect(capsys, "--kind", "rosters", "--platform", "qq", str(export))
    assert status == 0
    assert "群:QQ群 551047987 1 人,群主 10****01,有发言时间" in out


def test_a_config_file_of_another_name_is_told_the_three_names_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN the institution's regulations put in config/ under a name of the user's own
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "制度与条款.csv").write_text("项目,内容\nmax_members,200\n", "utf-8")

    # WHEN inspected
    _, out = inspect(capsys, str(tmp_path / "config" / "制度与条款.csv"))

    # THEN the note names policy beside units and offices, so the file can be renamed
    assert "此文件不会被使用" in out and "policy" in out
