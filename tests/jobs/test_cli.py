"""`python -m jobs sample` then `python -m jobs scan`, end to end, as an engineer runs them."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from jobs.__main__ import main
from jobs.sample import generate_college
from jobs.sample.rosters import BROKEN_WORKBOOK

ROOT = Path(__file__).resolve().parents[2]
TODAY = "2026-11-16"


def read_jsonl(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def scanned(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Path, subprocess.CompletedProcess[str]]:
    base = tmp_path_factory.mktemp("cli")
    sample = subprocess.run(
        [sys.executable, "-m", "jobs", "sample", "--out", str(base / "data"), "--today", TODAY],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "样例学校已生成" in sample.stdout
    scan = subprocess.run(
        [
            sys.executable,
            "-m",
            "jobs",
            "scan",
            "--data",
            str(base / "data"),
            "--today",
            TODAY,
            "--out",
            str(base / "out"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    return base, scan


def test_scan_exits_zero_and_prints_units_by_rules_then_the_worst(
    scanned: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    _, scan = scanned

    assert scan.returncode == 0, scan.stderr
    assert "各单位问题数(按规则)" in scan.stdout
    assert "最严重的问题" in scan.stdout
    assert "[高]" in scan.stdout


def test_findings_jsonl_reports_every_planted_rule_with_the_contract_fields(
    scanned: tuple[Path, subprocess.CompletedProcess[str]], tmp_path: Path
) -> None:
    base, _ = scanned
    plan = generate_college(tmp_path / "again", today=date(2026, 11, 16))

    findings = read_jsonl(base / "out" / "findings.jsonl")

    seen = {(f["platform"], f["group_id"], f["rule"], f["status"]) for f in findings}
    for rule, groups in plan.planted.items():
        for platform, group_id in groups:
            assert (platform, group_id, rule, "open") in seen, (rule, group_id)
    for platform, group_id, rule in plan.waived:
        assert (platform, group_id, rule, "waived") in seen
    fields = {
        "rule",
        "severity",
        "platform",
        "group_id",
        "group_name",
        "unit_id",
        "category",
        "message",
        "evidence",
        "clause",
        "remedy",
        "status",
    }
    assert all(fields <= f.keys() for f in findings)
    assert {f["severity"] for f in findings} <= {"high", "medium", "low"}


def test_errors_jsonl_names_file_row_column_and_reason(
    scanned: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    base, _ = scanned

    errors = read_jsonl(base / "out" / "errors.jsonl")

    assert {"file", "row", "column", "reason"} == set(errors[0])
    broken = [e for e in errors if e["file"] == BROKEN_WORKBOOK]
    assert broken and broken[0]["row"] is None
    assert any(e["row"] and e["column"] == "状态" and "在岗X" in str(e["reason"]) for e in errors)


def test_scan_cannot_run_on_a_missing_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["scan", "--data", str(tmp_path / "nowhere"), "--out", str(tmp_path / "out")])

    assert code == 2
    assert "数据目录不存在" in capsys.readouterr().err


def test_rejects_a_malformed_today(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["scan", "--data", ".", "--today", "2026-13-01"])

    assert exit_.value.code == 2
