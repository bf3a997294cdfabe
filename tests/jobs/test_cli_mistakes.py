"""The command line never shows a traceback for a user's mistake: one line that says what
is wrong and what to do, and exit code 2 (1 for a file it read and rejected). Each test
runs `python -m jobs` as a user would, in a fresh process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from datetime import date
from pathlib import Path

import pytest

from jobs.sample import generate_college
from tests.intake.loaders import write

ROOT = Path(__file__).resolve().parents[2]
TODAY = "2026-11-16"


def jobs(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "jobs", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def no_traceback(run: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in run.stderr + run.stdout, run.stderr


def without_aws(**extra: str) -> dict[str, str]:
    """This machine's environment with no AWS set up at all."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    return (
        env
        | {"AWS_CONFIG_FILE": "/nonexistent", "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent"}
        | extra
    )


def test_aws_without_a_region_names_the_variable() -> None:
    run = jobs("weekly", "--today", TODAY, env=without_aws())

    no_traceback(run)
    assert run.returncode == 2 and "AWS_DEFAULT_REGION" in run.stderr


def test_aws_without_credentials_names_the_variables() -> None:
    run = jobs(
        "rollup", "--dry-run", "--today", TODAY, env=without_aws(AWS_DEFAULT_REGION="cn-north-1")
    )

    no_traceback(run)
    assert run.returncode == 2 and "AWS_PROFILE" in run.stderr and "AWS_ACCESS_KEY_ID" in run.stderr


def test_a_sample_into_a_folder_in_use_is_refused(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine")

    run = jobs("sample", "--out", str(tmp_path))

    no_traceback(run)
    assert run.returncode == 2 and "不是空的" in run.stderr


def test_the_demo_never_clears_a_folder_it_did_not_write(tmp_path: Path) -> None:
    precious = tmp_path / "thesis.docx"
    precious.write_bytes(b"years of work")

    run = jobs("demo", "--out", str(tmp_path))

    no_traceback(run)
    assert run.returncode == 2 and precious.read_bytes() == b"years of work"


def test_an_unknown_stage_lists_the_stages() -> None:
    run = jobs("package", "--stage", "production", "--no-code")

    no_traceback(run)
    assert run.returncode == 2 and "(choose from 'dev', 'smoke', 'prod')" in run.stderr


def test_a_closed_pipe_ends_the_output_quietly(tmp_path: Path) -> None:
    # GIVEN `python -m jobs inspect` over a college's files, piped into `head -c 1`: the
    # reader goes away after the first file, while every later file is still to print
    generate_college(tmp_path / "data", today=date(2026, 11, 16), groups=40)
    files = sorted(str(p) for p in (tmp_path / "data").rglob("*") if p.is_file())
    unbuffered = os.environ | {"PYTHONUNBUFFERED": "1"}  # each print reaches the pipe at once
    command = [sys.executable, "-m", "jobs", "inspect", *files]
    with subprocess.Popen(
        command, cwd=ROOT, env=unbuffered, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    ) as process:
        assert process.stdout is not None and process.stderr is not None
        process.stdout.read(1)
        process.stdout.close()
        errors = process.stderr.read().decode()
        process.wait(timeout=120)

    assert "Traceback" not in errors and "BrokenPipeError" not in errors
    assert process.returncode == 1


@pytest.mark.parametrize(
    ("name", "content", "said"),
    [
        ("名单.pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "这是 PDF 文件,不是表格"),
        ("截图.png", b"\x89PNG\r\n\x1a\n" + bytes(32), "这是图片(PNG),不是表格"),
        ("名单.jpg", b"\xff\xd8\xff\xe0" + bytes(32), "这是图片(JPEG),不是表格"),
    ],
)
def test_inspect_of_something_that_is_no_table_says_what_it_is(
    tmp_path: Path, name: str, content: bytes, said: str
) -> None:
    (tmp_path / name).write_bytes(content)

    run = jobs("inspect", str(tmp_path / name))

    no_traceback(run)
    assert run.returncode == 1 and said in run.stdout and "CSV 或 Excel" in run.stdout


def test_inspect_of_a_zip_or_a_word_file_says_what_it_is(tmp_path: Path) -> None:
    docx, archive = (
        tmp_path / "rosters" / "qq" / "名单.docx",
        tmp_path / "rosters" / "qq" / "全部.zip",
    )
    docx.parent.mkdir(parents=True)
    with zipfile.ZipFile(docx, "w") as word:
        word.writestr("word/document.xml", "<w:document/>")
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.writestr("551047987.csv", "QQ号\n10001\n")

    run = jobs("inspect", str(docx), str(archive))

    no_traceback(run)
    assert run.returncode == 1
    assert "这是 Word 文档,不是 Excel 工作簿" in run.stdout
    assert "这是 ZIP 压缩包(请解压后分别上传其中的表格)" in run.stdout


def test_inspect_of_a_folder_says_it_is_one(tmp_path: Path) -> None:
    run = jobs("inspect", str(tmp_path))

    no_traceback(run)
    assert run.returncode == 2 and "这是文件夹" in run.stdout


def test_inspect_outside_a_data_root_tells_the_table_by_its_header(tmp_path: Path) -> None:
    write(tmp_path, "staff.csv", "工号,姓名,状态\nT1,张三,在职\n")
    write(tmp_path, "登记.csv", "平台,群号,单位,备案日期\nqq,551047987,U01,2026-09-01\n")

    run = jobs("inspect", str(tmp_path / "staff.csv"), str(tmp_path / "登记.csv"))

    no_traceback(run)
    assert run.returncode == 0, run.stdout
    assert "staff.csv(人员名册)" in run.stdout and "登记.csv(群组审备登记表)" in run.stdout


def test_a_qq_group_id_with_a_leading_zero_is_explained(tmp_path: Path) -> None:
    write(tmp_path, "rosters/qq/0551047987.csv", "QQ号,身份\n10001,群主\n")
    write(tmp_path, "rosters/qq/名单.csv", "群号,QQ号\n0551047987,10001\n551047987,10002\n")

    run = jobs(
        "inspect",
        str(tmp_path / "rosters/qq/0551047987.csv"),
        str(tmp_path / "rosters/qq/名单.csv"),
    )

    no_traceback(run)
    assert run.returncode == 1  # the first file is rejected: its name holds no QQ group id
    assert run.stdout.count("以 0 开头,而 QQ 号码从不以 0 开头") == 2


def test_a_console_that_cannot_show_a_group_name_still_gets_the_scan(tmp_path: Path) -> None:
    # GIVEN a group named with an emoji, and a console in GBK (Windows' Chinese code page,
    # also what a redirected `> 结果.txt` gets there), which has no emoji
    write(tmp_path, "data/config/units.csv", "单位编码,单位名称\nU01,信息学院\n")
    write(
        tmp_path, "data/rosters/qq/551047987.csv", "群名称,QQ号,身份\n🎓信息学院新生群,10001,群主\n"
    )
    gbk = os.environ | {"PYTHONIOENCODING": "gbk"}

    # WHEN it is scanned
    run = subprocess.run(
        [sys.executable, "-m", "jobs", "scan", "--data", str(tmp_path / "data"),
         "--today", TODAY, "--out", str(tmp_path / "out")],
        cwd=ROOT, capture_output=True, encoding="gbk", env=gbk, timeout=120,
    )  # fmt: skip

    # THEN the scan ran and says so: the emoji is escaped on the console, not a traceback
    no_traceback(run)
    assert run.returncode == 0
    assert "信息学院新生群" in run.stdout and "findings.jsonl" in run.stdout


def test_a_file_name_not_in_utf8_is_reported_in_errors_jsonl(tmp_path: Path) -> None:
    # GIVEN a roster whose name is in GBK bytes, as `unzip` leaves an archive made on a
    # Chinese Windows, and whose content qungov cannot read
    write(tmp_path, "data/config/units.csv", "单位编码,单位名称\nU01,信息学院\n")
    folder = tmp_path / "data" / "rosters" / "qq"
    folder.mkdir(parents=True)
    with open(os.fsencode(folder) + b"/" + "坏名单.csv".encode("gbk"), "wb") as bad:
        bad.write(b"no,header\n1,2\n")

    # WHEN the folder is scanned
    run = jobs("scan", "--data", str(tmp_path / "data"), "--today", TODAY,
               "--out", str(tmp_path / "out"))  # fmt: skip

    # THEN the scan ran and errors.jsonl, whole and in UTF-8, names the file
    no_traceback(run)
    assert run.returncode == 0
    errors = (tmp_path / "out" / "errors.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["file"].startswith("rosters/qq/") for line in errors] == [True]


@pytest.mark.parametrize(
    ("option", "value"),
    [("--members", "0"), ("--members", "-3"), ("--members", "nan"), ("--groups", "-5")],
)
def test_a_sample_size_that_is_no_size_is_refused(tmp_path: Path, option: str, value: str) -> None:
    run = jobs("sample", "--out", str(tmp_path / "college"), option, value)

    no_traceback(run)
    assert run.returncode == 2 and option in run.stderr
    assert not (tmp_path / "college").exists()


@pytest.mark.parametrize(
    "command",
    [
        ["sample", "--today", TODAY, "--out", "{file}"],
        ["demo", "--out", "{file}"],
        ["scan", "--today", TODAY, "--data", "{data}", "--out", "{file}"],
        ["scan", "--today", TODAY, "--data", "{data}", "--out", "{file}/结果"],
        ["package", "--no-code", "--out", "{file}"],
        ["scan", "--today", TODAY, "--data", "{file}"],
    ],
    ids=["sample", "demo", "scan", "scan-below", "package", "scan-data"],
)
def test_a_file_where_a_folder_belongs_is_named_as_a_file(
    tmp_path: Path, command: list[str]
) -> None:
    # GIVEN a file where the command wants a folder (an earlier result, a zip received)
    file = tmp_path / "名单.zip"
    file.write_bytes(b"PK\x05\x06" + bytes(18))
    write(tmp_path, "data/config/units.csv", "单位编码,单位名称\nU01,信息学院\n")
    paths = {"file": str(file), "data": str(tmp_path / "data")}

    run = jobs(*(part.format(**paths) for part in command))

    # THEN one line says it is a file, not a folder; the file is left as it was
    no_traceback(run)
    assert run.returncode == 2 and "是文件,不是文件夹" in run.stderr, run.stderr
    assert file.read_bytes() == b"PK\x05\x06" + bytes(18)


def test_a_unit_list_with_only_its_header_is_not_called_missing(tmp_path: Path) -> None:
    # GIVEN a unit list whose rows were never filled in (the template as downloaded)
    write(tmp_path, "data/config/units.csv", "单位编码,单位名称\n")

    run = jobs("scan", "--data", str(tmp_path / "data"), "--today", TODAY,
               "--out", str(tmp_path / "out"))  # fmt: skip

    # THEN the scan cannot run, and says the file has no unit, not that it does not exist
    no_traceback(run)
    assert run.returncode == 2
    assert "没有这个文件" not in run.stderr and "config/units.csv:没有单位" in run.stderr


def test_by_and_reason_without_accept_changes_do_not_run_the_week() -> None:
    # GIVEN an operator who meant to release the held findings but left out the flag
    run = jobs("weekly", "--by", "张三", "--reason", "已核实名册", "--today", TODAY,
               env=without_aws(AWS_DEFAULT_REGION="cn-north-1"))  # fmt: skip

    # THEN the weekly job is not run at all (it would re-run the week, releasing nothing)
    no_traceback(run)
    assert run.returncode == 2 and "--accept-changes" in run.stderr, run.stderr


def test_portal_revoke_without_an_address_says_so() -> None:
    run = jobs("portal", "revoke", env=without_aws(AWS_DEFAULT_REGION="cn-north-1"))

    # THEN not a silent success: nothing was revoked
    no_traceback(run)
    assert run.returncode == 2 and "portal revoke" in run.stderr
