"""A small college for fault-injection tests, as files a unit would upload.

Two units, two offices, forty persons, three filed groups and their rosters. As written,
the weekly run finds:
- 100001 计算机学院工作群 (U01): a departed member -> departed_members, to wang@;
- 200002 外语学院工作群 (U02): an unknown account -> unidentified_members, to zhao@;
- 300003 计算机学院迎新临时群 (U01, temporary): ended 2026-10-01 -> expired, to the unit
  contact cs@ (its filing names no responsible person).
Tests change one file (or one value) and upload the college to embedded AWS.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path

from chalicelib.aws.clients import Clients
from chalicelib.core.dates import SHANGHAI
from chalicelib.core.settings import Settings
from jobs.provision import upload_folder

DAY = date(2026, 11, 16)  # a Monday
SETTINGS = Settings()
WANG, ZHAO, CS_CONTACT = (
    "wang@college.example.com",
    "zhao@college.example.com",
    "cs@college.example.com",
)

UNITS = """单位编码,单位名称,核心词,联系邮箱,第一责任人,第一责任人邮箱
U01,计算机学院,计算机,cs@college.example.com,张主任,cs-head@college.example.com
U02,外国语学院,外语;外国语,fl@college.example.com,李主任,fl-head@college.example.com
"""

OFFICES = """部门,邮箱,范围
党委工作部,dw@college.example.com,all
学生处,xsc@college.example.com,class
"""

FILING_HEADER = (
    "platform,group_id,group_name,unit,category,owner_id,owner_name,"
    "responsible_name,responsible_email,filed_on,reviewed_on,end_on,status"
)
FILINGS = {
    "100001": "qq,100001,计算机学院工作群,U01,work,10000,员工0,王老师,wang@college.example.com,2026-09-01,,,filed",
    "200002": "qq,200002,外语学院工作群,U02,work,10020,员工20,赵老师,zhao@college.example.com,2026-09-01,,,filed",
    "300003": "qq,300003,计算机学院迎新临时群,U01,temporary,10001,员工1,,,2026-08-01,,2026-10-01,filed",
}


def _persons() -> str:
    rows = ["工号,姓名,单位,状态,离职日期,QQ号"]
    for index in range(40):
        unit = "U01" if index < 20 else "U02"
        status, left_on = ("离职", "2026-06-30") if index == 5 else ("在职", "")
        rows.append(f"T{index:03d},员工{index},{unit},{status},{left_on},{10000 + index}")
    return "\n".join(rows) + "\n"


def roster(group_id: str, members: list[str], *, name: str = "", exported: date = DAY) -> str:
    """A QQ-style export: the first member is the owner."""
    lines = ["群号,群名称,QQ号,身份,导出时间"]
    for index, member in enumerate(members):
        role = "群主" if index == 0 else "成员"
        lines.append(f"{group_id},{name},{member},{role},{exported} 07:30")
    return "\n".join(lines) + "\n"


def _rosters() -> dict[str, str]:
    cs = [str(10000 + i) for i in range(12)]  # 10005 left in June: departed_members
    fl = [str(10020 + i) for i in range(12)] + ["99999"]  # not in the directory
    temporary = [str(10001 + i) for i in range(4)]
    return {
        "rosters/qq/100001.csv": roster("100001", cs, name="计算机学院工作群"),
        "rosters/qq/200002.csv": roster("200002", fl, name="外语学院工作群"),
        "rosters/qq/300003.csv": roster("300003", temporary, name="计算机学院迎新临时群"),
    }


@dataclass
class College:
    """The files of the data root, by path; change them, then `write` or `upload`."""

    files: dict[str, str | bytes] = field(
        default_factory=lambda: {
            "config/units.csv": UNITS,
            "config/offices.csv": OFFICES,
            "directory/staff.csv": _persons(),
            "filings/filings.csv": "\n".join([FILING_HEADER, *FILINGS.values()]) + "\n",
            **_rosters(),
        }
    )

    def replace(self, path: str, old: str, new: str) -> College:
        text = self.files[path]
        assert isinstance(text, str) and old in text, f"{old!r} not in {path}"
        self.files[path] = text.replace(old, new)
        return self

    def write(self, root: Path) -> Path:
        for path, content in self.files.items():
            target = root / path
            target.parent.mkdir(parents=True, exist_ok=True)
            data = content.encode("utf-8") if isinstance(content, str) else content
            target.write_bytes(data)
        return root

    def upload(self, clients: Clients, root: Path) -> Path:
        """Write under `root` and mirror it to the bucket: a file no longer here is gone
        from the bucket too (a unit that did not upload it this week)."""
        for old in root.rglob("*") if root.exists() else []:
            if old.is_file():
                old.unlink()
        self.write(root)
        upload_folder(clients.s3, SETTINGS.data_bucket, root)
        return root


def monday_morning(day: date = DAY) -> datetime:
    """08:05 in Shanghai, just after the schedule fired."""
    return datetime.combine(day, time(8, 5), SHANGHAI)
