"""The directory's fast path (plain_people.py) gives exactly what reading row by row gives:
the same persons in the same order, the same accounts, the same errors, whether a batch
is plain, mixed or bad, on the sample college and on a table made of awkward cells."""

from __future__ import annotations

import random
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from chalicelib.core.models import DataError
from chalicelib.intake.catalogue import DIRECTORY, Reading, read_kind
from chalicelib.intake.config import load_units
from chalicelib.intake.loaders import directory as loader
from chalicelib.intake.loaders.plain_people import PlainBatches
from chalicelib.intake.source import LocalSource
from jobs.sample import generate_college
from tests.factories import make_settings

TODAY = date(2026, 11, 16)
UNITS = "unit_id,name\nU01,信息工程学院\nU02,外国语学院\n"
AWKWARD = [  # cells the fast path must leave to the row-by-row reading, or read alike
    ["T{n}", "张{n}", "U01", "在职", "", "12345{n}", "wxid_{n}", "t{n}@example.edu.cn"],
    ["T{n}", "李{n}", "信息工程学院", "离职", "2026-06-30", "2345{n};3456{n}", "", ""],
    ["T{n}", "王{n}", "U02", "退休", "20250101", "", "abc_{n}", ""],
    [" T{n} ", "赵{n}", "U01", "在职", "", "4567{n}", "", ""],  # spaces around the id
    ["T{n}", "", "U01", "在职", "", "", "", ""],  # no name: a row error
    ["T{n}", "钱{n}", "U09", "在职", "", "", "", ""],  # an unknown unit: a row error
    ["T{n}", "孙{n}", "U01", "在职", "", "2.02605E+14", "", ""],  # a lost QQ number
    ["T{n}", "周{n}", "U01", "在职", "", "", "", "not-an-address"],
    ["T{n}", "吴{n}", "U01", "在职", "", "1{n}，2{n}", "Zhang.San", ""],
    ["T{n}", "郑{n}", "U01", "外星人", "", "", "", ""],  # an unknown status: a row error
    ["", "", "", "", "", "", "", ""],  # a blank line
    ["T0", "冯{n}", "U01", "在职", "", "", "", ""],  # a duplicate id
]


def awkward_table(rows: int, seed: int) -> str:
    rng = random.Random(seed)
    lines = ["工号,姓名,单位,状态,离职日期,QQ号,微信号,邮箱"]
    for n in range(rows):
        kind = AWKWARD[0] if rng.random() < 0.99 else rng.choice(AWKWARD)
        lines.append(",".join(cell.format(n=n) for cell in kind))
    return "\n".join(lines) + "\n"


def read(root: Path, plain: bool) -> tuple[Any, list[DataError]]:
    source, settings = LocalSource(root), make_settings()
    errors: list[DataError] = []
    reading = Reading(TODAY, settings, load_units(source, settings, errors))
    taken = []
    take = PlainBatches.take

    def counted(self: PlainBatches, *args: Any) -> bool:
        taken.append(plain and take(self, *args))
        return taken[-1]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(loader, "PLAIN_BATCH_ROWS", 50)  # many batches, some plain, some not
        patch.setattr(PlainBatches, "take", counted)
        for _ in read_kind(source, DIRECTORY, reading, errors):
            pass
    assert any(taken) is plain and not all(taken)  # both paths were taken
    directory = reading.directory
    columns = (
        directory.person_ids,
        directory.names,
        directory.unit_ids,
        directory.statuses,
        directory.left_on,
        directory.emails,
    )
    return (columns, directory.accounts), errors


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_awkward_cells_read_alike_both_ways(tmp_path: Path, seed: int) -> None:
    (tmp_path / "config").mkdir()
    (tmp_path / "config/units.csv").write_text(UNITS, encoding="utf-8")
    (tmp_path / "directory").mkdir()
    (tmp_path / "directory/staff.csv").write_text(awkward_table(5_000, seed), encoding="utf-8")
    fast, fast_errors = read(tmp_path, plain=True)
    slow, slow_errors = read(tmp_path, plain=False)
    assert fast == slow
    assert fast_errors == slow_errors
    assert len(slow_errors) > 10  # the table did hold problems


def test_the_sample_college_reads_alike_both_ways(tmp_path: Path) -> None:
    generate_college(tmp_path, today=TODAY, groups=60)
    fast, fast_errors = read(tmp_path, plain=True)
    slow, slow_errors = read(tmp_path, plain=False)
    assert fast == slow
    assert fast_errors == slow_errors
