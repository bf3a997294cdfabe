"""Files rejected at upload reach their unit's digest of the week (数据问题), although the
scan never reads them: they are in quarantine/."""

from __future__ import annotations

import json
import os
from datetime import date, datetime, timedelta
from pathlib import Path

from chalicelib.core.dates import SHANGHAI
from chalicelib.intake.rejections import rejected_this_week
from chalicelib.intake.source import LocalSource

MONDAY = date(2026, 11, 23)


def quarantine(root: Path, path: str, at: datetime, reason: str | None) -> None:
    target = root / "quarantine" / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(b"not a workbook")
    os.utime(target, (at.timestamp(), at.timestamp()))
    if reason is not None:
        receipt = root / "receipts" / f"{path}.json"
        receipt.parent.mkdir(parents=True, exist_ok=True)
        receipt.write_text(json.dumps({"file": path, "kind": "rosters", "rejected": reason}))


def test_files_quarantined_since_the_last_run_are_data_problems_with_their_reasons(
    tmp_path: Path,
) -> None:
    quarantine(
        tmp_path,
        "rosters/qq/U01/a.xlsx",
        datetime(2026, 11, 18, 15, 0, tzinfo=SHANGHAI),
        "不是有效的 Excel 工作簿",
    )
    quarantine(
        tmp_path, "rosters/qq/U02/b.xlsx", datetime(2026, 11, 23, 7, 30, tzinfo=SHANGHAI), None
    )
    quarantine(
        tmp_path,
        "rosters/qq/U03/old.xlsx",
        datetime(2026, 11, 16, 7, 59, tzinfo=SHANGHAI),
        "早已告知",
    )

    problems = rejected_this_week(LocalSource(tmp_path), MONDAY)

    assert [(p.file, p.row, p.reason) for p in problems] == [
        ("rosters/qq/U01/a.xlsx", None, "上传时已被拒收:不是有效的 Excel 工作簿"),
        ("rosters/qq/U02/b.xlsx", None, "上传时已被拒收:文件无法读取,已移到 quarantine/"),
    ]


def test_a_re_run_later_in_the_week_looks_back_to_the_same_previous_run(tmp_path: Path) -> None:
    early = datetime(2026, 11, 17, 10, 0, tzinfo=SHANGHAI)  # the Tuesday after the last run
    quarantine(tmp_path, "rosters/qq/U01/a.xlsx", early, "不是有效的 Excel 工作簿")

    wednesday = MONDAY + timedelta(days=2)

    assert [p.file for p in rejected_this_week(LocalSource(tmp_path), wednesday)] == [
        "rosters/qq/U01/a.xlsx"
    ]
