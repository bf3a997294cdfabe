"""Hostile and damaged files: each is rejected whole with a clear reason, or loses only its
damaged rows, within bounded memory; the other files of the scan are read as usual.

Every file is made here, in the test that reads it: nothing binary is committed."""

from __future__ import annotations

import io
import json
import os
import re
import resource
import struct
import subprocess
import sys
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
import python_calamine
import xlsxwriter

from chalicelib.core.models import DataError
from chalicelib.core.settings import Settings
from chalicelib.evaluate.scan import scan
from chalicelib.intake import schema
from chalicelib.intake.loaders.tables import read_file
from chalicelib.intake.readers import FileRejected, Table, read_tables
from chalicelib.intake.rosters.cells import RosterCells
from chalicelib.intake.rosters.rows import read_groups
from chalicelib.intake.source import LocalSource, SourceFile
from jobs.sample import generate_college
from tests.intake.readers import DEFAULT_SETTINGS, limits

TODAY = date(2026, 11, 16)
MIB = 1024 * 1024
SST = "xl/sharedStrings.xml"
MAIN_NS = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"
ROOT = Path(__file__).resolve().parents[2]
MEMORY_LIMIT = 1024 * MIB  # the scan subprocess's address space (RLIMIT_AS)


# --- files ---------------------------------------------------------------------------


def roster_csv(rows: int = 303, group_id: str = "987654321") -> list[str]:
    """A QQ export of one group: the header on line 1, member 10000+n on line n."""
    header = "群号,群名称,QQ号,群名片,身份,导出时间"
    return [header] + [
        f"{group_id},计算机学院测试群,{10000 + n},成员{n},{'群主' if n == 2 else '成员'},"
        "2026-11-13 09:00"
        for n in range(2, rows + 2)
    ]


def csv_bytes(lines: list[str]) -> bytes:
    return ("\n".join(lines) + "\n").encode("utf-8")


def small_workbook(**cells: str) -> bytes:
    """A roster workbook as xlsxwriter writes it (shared strings), plus `cells`."""
    buffer = io.BytesIO()
    with xlsxwriter.Workbook(buffer) as workbook:
        sheet = workbook.add_worksheet("成员")
        sheet.write_row(0, 0, ["QQ号", "群名片"])
        sheet.write_row(1, 0, ["10001", "张三"])
        sheet.write_row(2, 0, ["10002", "李四"])
        for ref, value in cells.items():
            sheet.write(ref, value)
    return buffer.getvalue()


def replaced(data: bytes, part: str, content: bytes) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info.filename, content if info.filename == part else source.read(info))
    return out.getvalue()


@cache
def shared_strings_bomb(inflated_mb: int) -> bytes:
    """A small workbook whose xl/sharedStrings.xml inflates to `inflated_mb` MB: one
    string of that many `A`s, deflated ~1000:1 (streamed: never held in memory)."""
    source = zipfile.ZipFile(io.BytesIO(small_workbook()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target:
        for info in source.infolist():
            if info.filename != SST:
                target.writestr(info.filename, source.read(info))
                continue
            with target.open(SST, "w") as part:
                part.write(
                    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns='
                    b'"http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="5" '
                    b'uniqueCount="5"><si><t>QQ\xe5\x8f\xb7</t></si><si><t>\xe7\xbe\xa4\xe5'
                    b"\x90\x8d\xe7\x89\x87</t></si><si><t>10001</t></si><si><t>a</t></si><si><t>"
                )
                chunk = b"A" * MIB
                for _ in range(inflated_mb):
                    part.write(chunk)
                part.write(b"</t></si></sst>")
    return out.getvalue()


def understated(data: bytes, part: str, claimed: int) -> bytes:
    """The workbook with the local header and the central directory claiming that `part`
    inflates to `claimed` bytes."""
    out = bytearray(data)
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo(part)
    struct.pack_into("<I", out, info.header_offset + 22, claimed)
    entry = data.find(b"PK\x01\x02")
    while entry >= 0:
        length = struct.unpack_from("<H", data, entry + 28)[0]
        if data[entry + 46 : entry + 46 + length] == part.encode():
            struct.pack_into("<I", out, entry + 24, claimed)
        entry = data.find(b"PK\x01\x02", entry + 4)
    return bytes(out)


def laughs_dtd() -> bytes:
    """Nine levels of ten entities each: `&lol9;` stands for 10^9 `lol`s (3 GB)."""
    entities = [b' <!ENTITY lol0 "lol">']
    for level in range(1, 10):
        entities.append(b' <!ENTITY lol%d "%s">' % (level, b"&lol%d;" % (level - 1) * 10))
    return b'<?xml version="1.0"?>\n<!DOCTYPE lolz [\n' + b"\n".join(entities) + b"\n]>\n"


def billion_laughs(part: str) -> bytes:
    """The workbook with `part` declaring nine levels of ten entities (10^9 `lol`s) and
    using the last one in an attribute."""
    original = zipfile.ZipFile(io.BytesIO(small_workbook())).read(part)
    body = original.split(b"?>", 1)[1].replace(b'="', b'="&lol9;', 1)
    return replaced(small_workbook(), part, laughs_dtd() + body)


def far_cell_workbook() -> bytes:
    """Two members, and one stray value at XFD1048576 (the last cell of the grid)."""
    return small_workbook(XFD1048576="x")


def claimed_extent_workbook() -> bytes:
    """Two members, and a <dimension> claiming the whole grid, A1:XFD1048576."""
    data = small_workbook()
    sheet = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")
    claimed = re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1:XFD1048576"/>', sheet)
    assert claimed != sheet
    return replaced(data, "xl/worksheets/sheet1.xml", claimed)


def read_roster(
    data: bytes, settings: Settings = DEFAULT_SETTINGS
) -> tuple[list[Table], list[str]]:
    return read_tables("rosters/qq/a.xlsx", data, schema.ROSTERS, settings, all_sheets=True)


def rejection(data: bytes, settings: Settings = DEFAULT_SETTINGS) -> str:
    with pytest.raises(FileRejected) as caught:
        tables, _ = read_roster(data, settings)
        for table in tables:
            list(table.rows)
    return caught.value.reason


@pytest.fixture
def no_calamine(monkeypatch: pytest.MonkeyPatch) -> None:
    """calamine must not even open the workbook."""

    def refuse(*args: object) -> None:
        raise AssertionError("calamine opened a hostile workbook")

    monkeypatch.setattr(python_calamine.CalamineWorkbook, "from_object", refuse)


@dataclass
class Roster:
    members: int
    errors: list[DataError]


def read_roster_file(root: Path, path: str, content: bytes) -> Roster:
    """One roster file read as the scan reads it: distinct members, and the errors."""
    target = root / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(content)
    source = LocalSource(root)
    (file,) = [f for f in source.list("rosters/") if f.path == path]
    errors: list[DataError] = []
    cells = RosterCells(TODAY, DEFAULT_SETTINGS)

    def consume(file: SourceFile, table: Table, errors: list[DataError]) -> int:
        groups, _ = read_groups(file, table, errors, cells)
        return sum(len(group.ids) for group in groups.values())

    counts = read_file(
        source, file, schema.ROSTERS, DEFAULT_SETTINGS, errors, consume, all_sheets=True
    )
    return Roster(sum(counts), errors)


# --- one test per scenario -----------------------------------------------------------


def test_shared_strings_bomb_observed_300_mb_from_311_kb_is_rejected_before_inflating(
    no_calamine: None,
) -> None:
    """The observed failure: a ~311 KB workbook whose xl/sharedStrings.xml inflates to
    ~300 MB took ~1.2 GB to open. With the default settings it is rejected from the zip
    directory alone (its compression ratio), naming the part, its size and the limit."""
    data = shared_strings_bomb(300)
    assert 250_000 < len(data) < 400_000
    reason = rejection(data)
    assert reason.startswith(f"工作簿内部文件 {SST} 解压后 300 MB,压缩比约 ")
    assert "超过 100:1 的上限" in reason


def test_shared_strings_over_max_strings_bytes_are_rejected(no_calamine: None) -> None:
    """Shared strings compressing like real ones but over max_strings_bytes (64 MiB):
    calamine would hold them whole at ~4× their size."""
    assert DEFAULT_SETTINGS.max_strings_bytes == 64 * MIB
    reason = rejection(shared_strings_bomb(300), limits(max_part_ratio=100_000))
    assert reason.startswith(f"工作簿内部文件 {SST} 解压后 300 MB,超过 64 MB 的上限,工作簿未读取")


def test_a_part_over_max_part_bytes_is_rejected(no_calamine: None) -> None:
    """Any part over max_part_bytes (256 MiB), whatever it compresses to."""
    assert DEFAULT_SETTINGS.max_part_bytes == 256 * MIB
    unlimited = limits(max_part_ratio=100_000, max_strings_bytes=10**12)
    reason = rejection(shared_strings_bomb(300), unlimited)
    assert reason.startswith(f"工作簿内部文件 {SST} 解压后 300 MB,超过 256 MB 的上限,工作簿未读取")


def test_shared_strings_bomb_that_understates_its_size_is_measured_and_rejected(
    no_calamine: None,
) -> None:
    """The bomb with a lying zip directory (1 KB claimed): it is inflated as a stream,
    counted, and rejected once past its limits; calamine never sees it."""
    data = understated(shared_strings_bomb(300), SST, 1024)
    reason = rejection(data)
    assert reason.startswith(f"工作簿内部文件 {SST} 解压后超过 ") and "压缩比约" in reason
    reason = rejection(data, limits(max_part_ratio=100_000, max_strings_bytes=10**12))
    assert reason.startswith(f"工作簿内部文件 {SST} 解压后超过 256 MB 的上限")
    assert "文件目录中记为 1024 字节,与实际不符" in reason


def test_python_expat_refuses_the_billion_laughs_by_itself() -> None:
    """What Python 3.11's expat (2.4+) does with the billion laughs: it stops at its
    amplification limit with a ParseError, never expanding 10^9 entities. The readers do
    not rely on it: they reject a DTD before parsing."""
    with pytest.raises(ElementTree.ParseError, match="amplification"):
        ElementTree.fromstring(laughs_dtd() + b"<r>&lol9;</r>")


@pytest.mark.parametrize("part", ["xl/workbook.xml", "xl/_rels/workbook.xml.rels"])
def test_billion_laughs_workbook_is_rejected_cleanly(part: str, no_calamine: None) -> None:
    """The billion-laughs workbook: xl/workbook.xml or its rels declare 10^9 nested
    entities. The DTD is refused unparsed: a FileRejected, not a crash or a blow-up."""
    reason = rejection(billion_laughs(part))
    assert reason.startswith(f"不是有效的 Excel 工作簿:内部文件 {part} 含有 DTD")


def test_nul_byte_in_row_202_of_303_loses_only_that_row(tmp_path: Path) -> None:
    """A NUL byte in row 202 of a 303-row export: 302 members are read, and one row
    error names row 202 (the whole file used to be rejected)."""
    lines = roster_csv(303)
    lines[201] = lines[201].replace("成员202", "成员\x00202")  # line 202 of the file
    roster = read_roster_file(tmp_path, "rosters/qq/987654321.csv", csv_bytes(lines))
    assert roster.members == 302
    assert [(e.file, e.row, e.column) for e in roster.errors] == [
        ("rosters/qq/987654321.csv", 202, "群名片")
    ]
    assert "空字符" in roster.errors[0].reason


def test_50_mb_cell_loses_only_its_row(tmp_path: Path) -> None:
    """One 50 MB cell (a file under max_file_bytes): its row is an error naming Excel's
    cell limit, the other 302 rows are read."""
    lines = roster_csv(303)
    lines[99] = lines[99].replace("成员100", "长" * (50 * MIB // 3))  # 50 MB of UTF-8
    content = csv_bytes(lines)
    assert 50 * MIB <= len(content) < DEFAULT_SETTINGS.max_file_bytes
    roster = read_roster_file(tmp_path, "rosters/qq/987654321.csv", content)
    assert roster.members == 302
    assert [(e.row, e.column) for e in roster.errors] == [(100, "群名片")]
    assert roster.errors[0].reason.startswith("单元格超过 32767 个字符")


def test_duplicate_qq_header_rejects_the_file_naming_the_column(tmp_path: Path) -> None:
    """A roster whose header has QQ号 twice: which column holds the members is unknown,
    so the file is rejected with the column's name."""
    content = csv_bytes(["QQ号,群名片,QQ号", "10001,张三,20001", "10002,李四,20002"])
    roster = read_roster_file(tmp_path, "rosters/qq/987654321.csv", content)
    assert roster.members == 0
    assert [(e.row, e.reason) for e in roster.errors] == [
        (None, "表头中“QQ号”列出现了 2 次,无法确定使用哪一列。请删除或重命名重复的列后重新上传")
    ]


@pytest.mark.parametrize(
    "damage",
    ["truncated-half", "truncated-tail", "central-directory", "sheet-data"],
)
def test_truncated_or_damaged_zip_is_rejected_as_a_broken_workbook(damage: str) -> None:
    """A workbook cut short in transfer, or with bytes overwritten in its directory or
    its sheet data: a clear rejection, never an unexpected exception."""
    data = small_workbook()
    archive = zipfile.ZipFile(io.BytesIO(data))
    directory = data.rfind(b"PK\x01\x02")
    sheet = archive.getinfo("xl/worksheets/sheet1.xml")
    sheet_data = sheet.header_offset + 30 + len(sheet.filename.encode()) + len(sheet.extra)
    damaged = {
        "truncated-half": data[: len(data) // 2],
        "truncated-tail": data[:-10],
        "central-directory": data[:directory] + b"\xff" * 16 + data[directory + 16 :],
        "sheet-data": data[: sheet_data + 20] + b"\xff" * 8 + data[sheet_data + 28 :],
    }[damage]
    assert rejection(damaged).startswith("不是有效的 Excel 工作簿")


def test_workbook_with_a_value_at_the_far_corner_is_rejected_before_loading() -> None:
    """A workbook claiming a huge extent with a real value at XFD1048576: loading it
    would ask for ~500 GB and abort the process; it is rejected from its XML."""
    reason = rejection(far_cell_workbook())
    assert "1048576 行 × 16384 列" in reason
    assert "20000000 个单元格的上限" in reason


def test_workbook_whose_dimension_claims_the_whole_grid_is_read_as_its_cells() -> None:
    """A workbook whose <dimension> claims A1:XFD1048576 but holds two members: the claim
    allocates nothing (calamine ignores it, as the extent scan does), the rows are read."""
    tables, problems = read_roster(claimed_extent_workbook())
    assert problems == []
    assert [row[:2] for row in tables[0].rows] == [["10001", "张三"], ["10002", "李四"]]


# --- the scan, under a memory limit ------------------------------------------------


HOSTILE: dict[str, Callable[[], bytes]] = {
    "rosters/qq/bomb.xlsx": lambda: shared_strings_bomb(600),
    "rosters/qq/liar.xlsx": lambda: understated(shared_strings_bomb(600), SST, 1024),
    "rosters/qq/laughs.xlsx": lambda: billion_laughs("xl/workbook.xml"),
    "rosters/qq/truncated.xlsx": lambda: small_workbook()[:-200],
    "rosters/qq/far.xlsx": far_cell_workbook,
    "rosters/qq/dup.csv": lambda: csv_bytes(["QQ号,群名片,QQ号", "10001,张三,20001"]),
}
NUL_ROSTER, BIG_CELL_ROSTER = "rosters/qq/nul/876543210.csv", "rosters/qq/big/765432109.csv"
# The worst workbooks the limits still accept: read, within the same memory limit.
WIDEST_STRINGS, LARGEST_SHEET = "rosters/qq/543210987.xlsx", "rosters/qq/432109876.xlsx"


def noise(size: int, alphabet: bytes) -> bytes:
    """`size` random bytes over `alphabet`: compresses about as a real export does."""
    table = bytes(alphabet[i % len(alphabet)] for i in range(256))
    return os.urandom(size).translate(table)


def widest_strings_workbook() -> bytes:
    """Shared strings just under max_strings_bytes, compressing ~3:1 (under max_part_ratio)."""
    workbook = small_workbook()
    own = zipfile.ZipFile(io.BytesIO(workbook)).read(SST)  # the header's strings come first
    size = DEFAULT_SETTINGS.max_strings_bytes // 1000 - len(own)
    extra = b"".join(b"<si><t>" + noise(size, b"ACGT") + b"</t></si>" for _ in range(1000))
    return replaced(workbook, SST, own.replace(b"</sst>", extra + b"</sst>"))


def largest_sheet_workbook() -> bytes:
    """One sheet of inline strings just under max_part_bytes, compressing ~7:1."""
    cell, rows = 30_000, (DEFAULT_SETTINGS.max_part_bytes - 4096) // 30_100
    body = b"".join(
        b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>%s</t></is></c></row>'
        % (r, r, noise(cell, b"AB"))
        for r in range(2, rows + 2)
    )
    head = b'<row r="1"><c r="A1" t="inlineStr"><is><t>QQ\xe5\x8f\xb7</t></is></c></row>'
    xml = b'<worksheet xmlns="%s"><sheetData>%s%s</sheetData></worksheet>' % (MAIN_NS, head, body)
    return replaced(small_workbook(), "xl/worksheets/sheet1.xml", xml)


def run_scan_limited(data: Path, out: Path) -> subprocess.CompletedProcess[str]:
    """`python -m jobs scan` in a child whose address space is capped at MEMORY_LIMIT."""

    def cap_memory() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))

    command = [sys.executable, "-m", "jobs", "scan", "--data", str(data), "--today"]
    command += [TODAY.isoformat(), "--out", str(out)]
    return subprocess.run(
        command, cwd=ROOT, preexec_fn=cap_memory, capture_output=True, text=True, timeout=600
    )


def finding_keys(findings: list[dict[str, Any]]) -> set[tuple[str, str, str]]:
    return {(f["rule"], f["platform"], f["group_id"]) for f in findings}


def jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_scan_with_every_hostile_file_runs_under_1_gib_and_keeps_the_valid_findings(
    tmp_path: Path,
) -> None:
    """The scan of a sample college with every hostile file above dropped into rosters/,
    run as `python -m jobs scan` under RLIMIT_AS = 1 GiB (the clean scan needs ~60 MB of
    address space): it exits 0, lists each hostile file with its reason, loses only the
    damaged rows, and still reports every finding of the valid files."""
    data = tmp_path / "data"
    generate_college(data, today=TODAY, groups=20)
    clean = scan(LocalSource(data), TODAY, DEFAULT_SETTINGS)
    assert clean.findings
    hostile = {
        **HOSTILE,
        WIDEST_STRINGS: widest_strings_workbook,
        LARGEST_SHEET: largest_sheet_workbook,
    }
    for path, make in hostile.items():
        (data / path).write_bytes(make())
    nul = roster_csv(303, "876543210")
    nul[201] = nul[201].replace("成员202", "成员\x00202")
    big = roster_csv(303, "765432109")
    big[99] = big[99].replace("成员100", "长" * (50 * MIB // 3))
    for path, lines in ((NUL_ROSTER, nul), (BIG_CELL_ROSTER, big)):
        (data / path).parent.mkdir(parents=True, exist_ok=True)
        (data / path).write_bytes(csv_bytes(lines))

    done = run_scan_limited(data, tmp_path / "out")

    assert done.returncode == 0, done.stderr[-2000:]
    errors = jsonl(tmp_path / "out" / "errors.jsonl")
    by_file = {e["file"]: e for e in errors if e["row"] is None}
    assert f"{SST} 解压后 600 MB,压缩比约" in by_file["rosters/qq/bomb.xlsx"]["reason"]
    assert "与实际不符" in by_file["rosters/qq/liar.xlsx"]["reason"]
    assert "含有 DTD" in by_file["rosters/qq/laughs.xlsx"]["reason"]
    assert "不完整或已损坏" in by_file["rosters/qq/truncated.xlsx"]["reason"]
    assert "1048576 行 × 16384 列" in by_file["rosters/qq/far.xlsx"]["reason"]
    assert "“QQ号”列出现了 2 次" in by_file["rosters/qq/dup.csv"]["reason"]
    rows = {(e["file"], e["row"]): e["reason"] for e in errors if e["row"] is not None}
    assert "空字符" in rows[(NUL_ROSTER, 202)]
    assert "单元格超过 32767 个字符" in rows[(BIG_CELL_ROSTER, 100)]
    damaged = sorted(key for key in rows if key[0] in (NUL_ROSTER, BIG_CELL_ROSTER))
    assert damaged == [(BIG_CELL_ROSTER, 100), (NUL_ROSTER, 202)]
    assert WIDEST_STRINGS not in by_file and LARGEST_SHEET not in by_file  # read, not refused
    findings = jsonl(tmp_path / "out" / "findings.jsonl")
    assert finding_keys([f.to_json_dict() for f in clean.findings]) <= finding_keys(findings)
    counts = {
        f["group_id"]: f["evidence"]["member_count"] for f in findings if f["rule"] == "unfiled"
    }
    assert counts["876543210"] == counts["765432109"] == 302
