"""Fault injection, bad values: one cell in one unit's file never stops anyone else's run.

Each test names the failure it reproduces (issue "One bad value never stops anyone
else's run"); each runs the weekly job on embedded AWS and reads what people receive."""

from __future__ import annotations

import email
import os
import subprocess
import sys
from email.message import Message
from pathlib import Path

import pytest

from chalicelib.aws.clients import Clients
from chalicelib.aws.ledger import DynamoLedger
from chalicelib.core.models import RollupKind
from chalicelib.core.values import safe_filename
from chalicelib.evaluate.scan import ScanResult
from chalicelib.flows.rollup import ports as rollup_ports
from chalicelib.flows.rollup import run_rollup
from chalicelib.flows.weekly import WeeklySummary, run_weekly
from chalicelib.flows.weekly import ports as weekly_ports
from jobs.weekly import drain_digests
from tests.aws import sent_emails
from tests.faults.college import (
    CS_CONTACT,
    DAY,
    SETTINGS,
    WANG,
    ZHAO,
    College,
    monday_morning,
    roster,
)

FL_CONTACT = "fl@college.example.com"  # 外国语学院's contact: gets its files' data problems


def weekly(aws: Clients, college: College, root: Path) -> tuple[WeeklySummary, ScanResult]:
    """Upload, run the weekly job, and send what it queued."""
    college.upload(aws, root)
    summary, _, result = run_weekly(weekly_ports(aws, SETTINGS), SETTINGS, DAY)
    drain_digests(aws, SETTINGS, monday_morning())
    return summary, result


def received() -> dict[str, Message]:
    """The emails SES accepted, by To address."""
    messages = [email.message_from_string(m.raw_data) for m in sent_emails()]
    return {str(m["To"]): m for m in messages}


def body(message: Message) -> str:
    parts = [p for p in message.walk() if p.get_content_type() == "text/plain"]
    payload = parts[0].get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode("utf-8")


def errors_of(result: ScanResult, file: str) -> list[tuple[int | None, str | None, str]]:
    return [(e.row, e.column, e.reason) for e in result.errors if e.file == file]


def test_an_end_date_of_9999_12_31_is_a_row_error_and_every_digest_goes_out(
    aws: Clients, tmp_path: Path
) -> None:
    # Reproduces: end_on 9999-12-31 raised OverflowError in `expired`; 0 digests that week.
    college = College().replace(
        "filings/filings.csv", "2026-08-01,,2026-10-01", "2026-08-01,,9999-12-31"
    )

    summary, result = weekly(aws, college, tmp_path)

    ((row, column, reason),) = errors_of(result, "filings/filings.csv")
    assert (row, column) == (4, "end_on") and "2100-12-31" in reason
    assert set(received()) == {CS_CONTACT, WANG, ZHAO}
    assert "未审备" in body(received()[CS_CONTACT])  # without its filing, 300003 is unfiled
    assert DynamoLedger(aws.dynamodb, SETTINGS.ledger_table).run(summary.period) is not None


def test_a_contact_email_with_a_line_break_is_a_row_error_and_its_findings_are_unroutable(
    aws: Clients, tmp_path: Path
) -> None:
    # Reproduces: a line break in an address raised ValueError while building MIME and
    # aborted run_weekly halfway, with no run record.
    college = College().replace(
        "config/units.csv",
        "U01,计算机学院,计算机,cs@college.example.com,",
        'U01,计算机学院,计算机,"cs@college.example.com\nBcc: all@college.example.com",',
    )

    summary, result = weekly(aws, college, tmp_path)

    ((row, column, reason),) = errors_of(result, "config/units.csv")
    assert (row, column) == (2, "联系邮箱") and "换行" in reason
    assert set(received()) == {WANG, ZHAO}  # the unit itself is kept: its groups are routed
    assert summary.unroutable == 1  # 300003's expired finding: the contact is unusable
    assert not any("all@college.example.com" in m.raw_data for m in sent_emails())


def test_a_responsible_email_with_a_display_name_is_never_replaced_by_a_guessed_address(
    aws: Clients, tmp_path: Path
) -> None:
    # The filing's address is unusable: its findings are unroutable, not sent to the
    # unit's contact instead.
    college = College().replace(
        "filings/filings.csv",
        ",王老师,wang@college.example.com,",
        ",王老师,王老师 <wang@college.example.com>,",
    )

    summary, result = weekly(aws, college, tmp_path)

    ((row, column, reason),) = errors_of(result, "filings/filings.csv")
    assert (row, column) == (2, "responsible_email") and "显示名" in reason
    assert set(received()) == {CS_CONTACT, ZHAO}
    assert "100001" not in body(received()[CS_CONTACT])
    assert summary.unroutable == 1
    assert any(g.key[1] == "100001" and g.filing is not None for g in result.groups)  # kept


def test_an_office_email_with_a_line_break_stops_only_that_office_and_is_reported(
    aws: Clients, tmp_path: Path
) -> None:
    # Reproduces: an office email with a line break stopped every rollup.
    college = College().replace(
        "config/offices.csv",
        "学生处,xsc@college.example.com",
        '学生处,"xsc@college.example.com\nCc: x@y.cn"',
    )
    weekly(aws, college, tmp_path)
    before = len(sent_emails())

    summary = run_rollup(
        rollup_ports(aws, SETTINGS), SETTINGS, RollupKind.WEEK, DAY, monday_morning()
    )

    assert summary.sent == {"党委工作部": "sent"}
    (rollup,) = [email.message_from_string(m.raw_data) for m in sent_emails()[before:]]
    html = next(p for p in rollup.walk() if p.get_content_type() == "text/html")
    text = html.get_payload(decode=True)
    assert isinstance(text, bytes)
    assert "汇总报送部门表 config/offices.csv 第 3 行" in text.decode("utf-8")


def test_a_group_name_of_100000_characters_is_a_row_error_and_the_run_completes(
    aws: Clients, tmp_path: Path
) -> None:
    # Reproduces: a 100,000-character name passed the scan, then the weekly run failed on
    # DynamoDB's 400 KB item limit after part of the ledger was written.
    members = [str(10020 + i) for i in range(12)] + ["99999"]
    college = College()
    college.files["rosters/qq/200002.csv"] = roster("200002", members, name="长" * 100_000)

    summary, result = weekly(aws, college, tmp_path)

    # THEN each row's oversized cell is a row error (over Excel's 32,767 characters) ...
    errors = errors_of(result, "rosters/qq/200002.csv")
    assert [row for row, _, _ in errors] == list(range(2, 15))
    assert all("32767" in reason for _, _, reason in errors)
    # ... the group's export counts as missing, and everyone else is reminded
    assert summary.problems == [] and "roster_missing" in summary.findings_by_rule
    assert set(received()) == {CS_CONTACT, WANG, ZHAO}


def test_a_group_name_of_30000_characters_is_cut_reported_and_fits_the_ledger(
    aws: Clients, tmp_path: Path
) -> None:
    name = "外语学院" + "长" * 30_000
    members = [str(10020 + i) for i in range(12)] + ["99999"]
    college = College()
    college.files["rosters/qq/200002.csv"] = roster("200002", members, name=name)

    summary, result = weekly(aws, college, tmp_path)

    ((row, column, reason),) = errors_of(result, "rosters/qq/200002.csv")
    assert (row, column) == (2, "群名称") and "已截断为前 200 个字符" in reason
    entries = DynamoLedger(aws.dynamodb, SETTINGS.ledger_table).entries()
    assert max(len(e.group_name or "") for e in entries.values()) == 200
    # ... and the unit of the group's roster is told of the cut name
    assert summary.problems == [] and set(received()) == {CS_CONTACT, WANG, ZHAO, FL_CONTACT}


@pytest.mark.parametrize(
    ("path", "old", "new", "row", "column", "reason"),
    [
        # a filing filed next year
        ("filings/filings.csv", "U02,work,10020,员工20,赵老师,zhao@college.example.com,2026-09-01", "U02,work,10020,员工20,赵老师,zhao@college.example.com,2027-09-01", 3, "filed_on", "晚于检查日"),
        # a member who joins in 2030
        ("rosters/qq/100001.csv", "群号,群名称,QQ号,身份,导出时间\n", "群号,群名称,QQ号,身份,导出时间,入群时间\n", None, None, ""),
    ],
)  # fmt: skip
def test_an_implausible_date_is_a_row_error(
    aws: Clients,
    tmp_path: Path,
    path: str,
    old: str,
    new: str,
    row: int | None,
    column: str | None,
    reason: str,
) -> None:
    college = College().replace(path, old, new)
    if row is None:  # the roster case: the second member joined in 2030
        college.replace(
            path, "10001,成员,2026-11-16 07:30\n", "10001,成员,2026-11-16 07:30,2030-01-01\n"
        )
        row, column, reason = 3, "入群时间", "晚于检查日"

    _, result = weekly(aws, college, tmp_path)

    ((found_row, found_column, found_reason),) = errors_of(result, path)
    assert (found_row, found_column) == (row, column) and reason in found_reason
    assert len(sent_emails()) == 3 if path.startswith("rosters") else len(sent_emails()) >= 2


def test_a_member_id_in_scientific_notation_is_a_row_error_and_a_float_id_is_read(
    aws: Clients, tmp_path: Path
) -> None:
    college = College().replace("rosters/qq/200002.csv", ",10021,", ",10021.0,")
    college.replace("rosters/qq/200002.csv", ",10022,", ",1.0022E+4,")

    _, result = weekly(aws, college, tmp_path)

    ((row, column, reason),) = errors_of(result, "rosters/qq/200002.csv")
    assert (row, column) == (4, "QQ号") and "科学计数法" in reason
    (group,) = [g for g in result.groups if g.key[1] == "200002"]
    assert group.snapshot is not None and group.snapshot.unmapped_count == 1  # only 99999


def test_a_setting_out_of_range_exits_2_with_one_line_naming_it(tmp_path: Path) -> None:
    # Reproduces: MAX_MEMBERS=-1 printed a pydantic traceback.
    College().write(tmp_path / "data")
    environment = {**os.environ, "MAX_MEMBERS": "-1"}

    done = subprocess.run(
        [sys.executable, "-m", "jobs", "scan", "--data", str(tmp_path / "data")],
        capture_output=True,
        text=True,
        env=environment,
        cwd=Path(__file__).parents[2],
        check=False,
    )

    assert done.returncode == 2
    assert done.stderr.strip() == "设置错误:MAX_MEMBERS=-1 无效,应为整数,取值 ≥ 0"


def test_an_office_named_like_a_path_stays_inside_the_output_folder(
    aws: Clients, tmp_path: Path
) -> None:
    # Reproduces: `jobs rollup --out` with an office named `../../x` wrote outside the folder.
    college = College().replace("config/offices.csv", "学生处,", "../../x,")
    weekly(aws, college, tmp_path / "data")
    out = tmp_path / "deep" / "out"

    summary = run_rollup(
        rollup_ports(aws, SETTINGS),
        SETTINGS,
        RollupKind.WEEK,
        DAY,
        monday_morning(),
        dry_run=True,
        out=out,
    )

    written = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    stem = "2026/W47/" + safe_filename("../../x")  # `_.._x-<hash of the name>`
    assert stem.startswith("2026/W47/_.._x-")
    assert f"{stem}.html" in written and f"{stem}.eml" in written
    assert all(Path(f).resolve().is_relative_to(out.resolve()) for f in summary.files)
    assert not list(tmp_path.glob("x*")) and not (tmp_path / "deep" / "x.html").exists()
