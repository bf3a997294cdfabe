"""`python -m jobs demo`: three weeks of a sample college on embedded AWS (moto, in process).

Week 1 is the college as generated. Before week 2 the unit secretaries file the unfiled
group and review a stale filing, and a new unfiled group appears; before week 3 the owner
of a group is corrected in its filing. So the emails show new, still-open, fixed,
escalation copies (weeks open >= 3) and coming-due items. Each week's files are uploaded
at 07:30 on Monday (moto's S3 clock is set to it) and checked as the validate_upload
Lambda checks them: the broken workbook is quarantined and its receipt emailed. Every
sent email is written to `out/demo/outbox/` as `.eml` with an `.html` preview. Two units
name a group robot: their notices are written to `out/demo/robots/` as `.md`, never posted
(the demo stays offline).
"""

from __future__ import annotations

import csv
import io
import os
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path, PurePosixPath
from unittest import mock

from chalicelib.aws.clients import Clients, aws_clients
from chalicelib.aws.sendlog import DynamoSendLog
from chalicelib.core.layout import digest_key, report_prefix, upload_notice_key
from chalicelib.core.models import RollupKind
from chalicelib.core.robots import robot_label
from chalicelib.core.settings import Settings
from chalicelib.core.values import safe_filename
from chalicelib.evaluate.scan import ScanResult
from chalicelib.flows.rollup import ports as rollup_ports
from chalicelib.flows.rollup import run_rollup
from chalicelib.flows.uploads import ports as upload_ports
from chalicelib.flows.uploads import s3_objects_in, validate_upload
from chalicelib.flows.weekly import ports as weekly_ports
from chalicelib.flows.weekly import run_weekly
from chalicelib.intake.config import load_offices, load_units
from chalicelib.intake.source import LocalSource
from chalicelib.notify.mail.mime import preview_html
from chalicelib.notify.robots.message import RobotNotice
from chalicelib.notify.sending import DIGEST, UPLOAD_REJECTED, Handed, SendStatus
from chalicelib.portal.links import Links
from jobs.portal import DEMO_KEYRING, LOCAL_PORTAL, use_demo_keys
from jobs.provision import provision, upload_folder
from jobs.sample import SamplePlan, generate_college
from jobs.weekly import drain_digests

REGION = "us-east-1"
DEMO_MARK = ".qungov-demo"  # a demo's output folder: the next demo may clear it
WEEKS = 3
SEED = 7
FILING_HEADER = [
    "platform", "group_id", "group_name", "unit", "category", "owner_id", "owner_name",
    "responsible_name", "responsible_email", "filed_on", "reviewed_on", "end_on", "purpose",
    "status",
]  # fmt: skip


def run_demo(out: Path, first_day: date, settings: Settings) -> None:
    os.environ.setdefault("AWS_DEFAULT_REGION", REGION)
    for variable in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        os.environ.setdefault(variable, "demo")
    from moto import mock_aws  # a development dependency: the demo is never deployed

    if out.exists() and any(out.iterdir()) and not (out / DEMO_MARK).exists():
        raise FileExistsError(None, "not a demo's folder", str(out))  # never delete a user's
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    (out / DEMO_MARK).write_text("python -m jobs demo 写出的目录:再次运行演示时会被清空\n")
    if not settings.portal_url:  # the emails link to the portal `make portal` serves
        settings = settings.model_copy(update={"portal_url": LOCAL_PORTAL})
    # Mail goes to moto's SES, never to the SMTP server an operator's shell may name.
    settings = settings.model_copy(update={"mail_transport": "ses"})
    with mock.patch.dict(os.environ), mock_aws():
        _forget_operators_aws()
        clients = aws_clients(REGION)
        provision(clients, settings)
        use_demo_keys(clients.ssm, settings.portal_key_parameter)
        previous: ScanResult | None = None
        for week in range(WEEKS):
            day = first_day + timedelta(days=7 * week)
            data = out / "data" / f"week{week + 1}"
            plan = generate_college(data, today=day, seed=SEED, robots=True)
            if previous is not None:
                STORY[week](data, plan, previous, day)
            uploaded = datetime.combine(day - timedelta(days=1), time(23, 30))  # UTC
            with mock.patch("moto.s3.models.utcnow", return_value=uploaded):
                upload_folder(clients.s3, settings.data_bucket, data)
            rejected = check_uploads(clients, settings)
            now = datetime.combine(day, time(0, 5), UTC)  # Monday 08:05 in Shanghai
            summary, _, result = run_weekly(weekly_ports(clients, settings), settings, day)
            robots = RobotsToFolder(out / "robots")
            sent = drain_digests(clients, settings, now, robots)
            emails = write_outbox(clients, settings, summary.period, out / "outbox")
            print(f"第 {week + 1} 周 " + "\n".join(summary.lines()))
            print(
                f"  上传检查:{rejected} 个文件被拒收(已移到 quarantine/,回执已发邮件);"
                f"已发送 {sent.get('sent', 0)} 封,邮件写入 {out / 'outbox'}({len(emails)} 个 .eml)"
            )
            if robots.written:
                print(
                    f"  群机器人通知 {len(robots.written)} 条(演示不联网,未发出)写入 {out / 'robots'}"
                )
            at_ten = datetime.combine(day, time(2, 0), UTC)  # Monday 10:00 in Shanghai
            rollup = run_rollup(
                rollup_ports(clients, settings),
                settings,
                RollupKind.WEEK,
                day,
                at_ten,
                out=out / "reports",
            )
            folder = (
                out
                / "reports"
                / PurePosixPath(report_prefix(RollupKind.WEEK, day)).relative_to("reports")
            )
            print(f"  周报 {len(rollup.sent)} 份(HTML、XLSX、邮件)写入 {folder}")
            previous = result
    weeks = "、".join(str(out / "data" / f"week{n + 1}") for n in range(WEEKS))
    print(f"\n演示数据(每周一份数据目录):{weeks}")
    print(f"提醒邮件:{out / 'outbox'}(.eml 与可在浏览器打开的 .html);周报:{out / 'reports'}")
    print_portal_links(settings.portal_url, out / "data" / f"week{WEEKS}", settings)


def _forget_operators_aws() -> None:
    """No profile, endpoint or config file of this machine reaches the demo's clients
    (an operator's shell may point boto3 at a stack or a local endpoint): moto only."""
    for name in list(os.environ):
        if name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE") or name.startswith("AWS_ENDPOINT_URL"):
            del os.environ[name]
    os.environ["AWS_CONFIG_FILE"] = os.environ["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull


def print_portal_links(portal_url: str, data: Path, settings: Settings) -> None:
    """A unit's and an office's link into the demo college's portal (`make portal`)."""
    source = LocalSource(data)
    units = [u for u in load_units(source, settings, []).units if u.contact_email]
    unit = next((u for u in units if u.name.endswith("学院")), units[0])
    office = load_offices(source, settings, [])[0]
    links = Links(portal_url, DEMO_KEYRING, datetime.now(UTC))
    print("\n门户(本地演示,链接 28 天内有效):先运行 make portal,再在浏览器中打开")
    print(f"  单位工作台({unit.name}):{links.unit(unit.contact_email or '', [unit.unit_id])}")
    print(f"  部门工作台({office.office}):{links.office(office)}")


@dataclass
class RobotsToFolder:
    """The demo's group robots: each notice is written to `folder` as markdown, never
    posted, so the demo stays offline (and its made-up keys reach no provider)."""

    folder: Path
    written: list[Path] = field(default_factory=list)

    def send(self, raw: bytes, sender: str, recipients: Sequence[str]) -> Handed:
        notice = RobotNotice.from_bytes(raw)
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / safe_filename(f"{notice.unit_id}-{notice.content_hash()[:8]}.md")
        path.write_text(f"<!-- {robot_label(notice.robot)} -->\n{notice.markdown}\n", "utf-8")
        self.written.append(path)
        return Handed(f"demo file {path.name}")


def check_uploads(clients: Clients, settings: Settings) -> int:
    """Every upload notification now in the queue, checked as the validate_upload Lambda
    checks it; how many files were rejected."""
    queue_url = clients.sqs.get_queue_url(QueueName=settings.upload_queue)["QueueUrl"]
    rejected = 0
    while batch := clients.sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get(
        "Messages", []
    ):
        for message in batch:
            for bucket, key in s3_objects_in(message["Body"]):
                receipt = validate_upload(upload_ports(clients, settings, bucket), key, settings)
                rejected += receipt is not None and receipt.rejected is not None
            clients.sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
    return rejected


def write_outbox(clients: Clients, settings: Settings, period: str, outbox: Path) -> list[Path]:
    """Every digest and upload receipt the send log records as sent this period, as .eml
    and .html."""
    outbox.mkdir(parents=True, exist_ok=True)
    written = []
    for record in DynamoSendLog(clients.dynamodb, settings.ledger_table).records(period):
        if record.status is not SendStatus.SENT or record.robot:  # robots: RobotsToFolder
            continue
        if record.kind == DIGEST:
            key, name = digest_key(period, record.content_hash), record.recipient
        elif record.kind.startswith(UPLOAD_REJECTED):
            identity = record.kind.partition(":")[2]
            key = upload_notice_key(period, identity)
            name = f"上传回执-{record.recipient}-{identity[:8]}"
        else:
            continue
        raw = clients.s3.get_object(Bucket=settings.data_bucket, Key=key)["Body"].read()
        stem = outbox / safe_filename(f"{period}-{name}")
        Path(f"{stem}.eml").write_bytes(raw)
        Path(f"{stem}.html").write_text(preview_html(raw), encoding="utf-8")
        written.append(Path(f"{stem}.eml"))
    return written


# What changes between the weeks, written into that week's freshly generated data root.


def _append_filings(data: Path, rows: list[dict[str, str]]) -> None:
    path = data / "filings" / "demo_changes.csv"
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, FILING_HEADER)
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")


def _filing_row(
    result: ScanResult, platform: str, group_id: str, day: date, **changes: str
) -> dict[str, str]:
    group = next(g for g in result.groups if (g.platform.value, g.group_id) == (platform, group_id))
    filing = group.filing
    unit = group.unit
    row = {
        "platform": platform,
        "group_id": group_id,
        "group_name": group.name or "",
        "unit": unit.unit_id if unit else "",
        "category": filing.category.value if filing and filing.category else "work",
        "owner_id": (filing.owner_id if filing else None) or group.owner_id or "",
        "owner_name": filing.owner_name or "" if filing else "",
        "responsible_name": filing.responsible_name or "" if filing else "",
        "responsible_email": filing.responsible_email or "" if filing else "",
        "filed_on": day.isoformat(),
        "reviewed_on": "",
        "end_on": filing.end_on.isoformat() if filing and filing.end_on else "",
        "purpose": filing.purpose or "" if filing else "日常工作",
        "status": "filed",
    }
    return row | changes


def _week2(data: Path, plan: SamplePlan, previous: ScanResult, day: date) -> None:
    # a unit's secretary uploads a workbook that is not one: it is quarantined at upload,
    # its receipt is emailed to the unit, and the unit's digest lists it under 数据问题
    unit = next(u.unit_id for u in previous.units if u.name.endswith("学院"))
    (data / "rosters" / "qq" / unit).mkdir(parents=True, exist_ok=True)
    (data / "rosters" / "qq" / unit / "群成员导出.xlsx").write_bytes(b"PK\x03\x04" + bytes(600))
    unfiled = [g for g in plan.planted["unfiled"] if g[0] == "qq"][:1]
    stale = plan.planted["filing_stale"][:1]
    _append_filings(
        data,
        [_filing_row(previous, p, g, day) for p, g in unfiled]
        + [_filing_row(previous, p, g, day, reviewed_on=day.isoformat()) for p, g in stale],
    )
    new_group = data / "rosters" / "qq" / "demo_new_group.csv"
    members = [f"88{index:07d}" for index in range(12)]
    rows = ["群号,群名称,QQ号,身份,导出时间"] + [
        f"912345678,机电学院竞赛交流群,{m},{'群主' if i == 0 else '成员'},{day} 09:00"
        for i, m in enumerate(members)
    ]
    new_group.write_text("\n".join(rows) + "\n", encoding="utf-8")


def _week3(data: Path, plan: SamplePlan, previous: ScanResult, day: date) -> None:
    _week2(data, plan, previous, day - timedelta(days=7))  # what was fixed stays fixed
    mismatch = plan.planted["owner_mismatch"][:1]
    fixed = [
        _filing_row(previous, p, g, day, owner_id=_roster_owner(previous, p, g))
        for p, g in mismatch
    ]
    path = data / "filings" / "demo_changes.csv"
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    _append_filings(data, rows + fixed)


def _roster_owner(result: ScanResult, platform: str, group_id: str) -> str:
    group = next(g for g in result.groups if (g.platform.value, g.group_id) == (platform, group_id))
    assert group.snapshot is not None and group.snapshot.owner_id is not None
    return group.snapshot.owner_id


STORY: dict[int, Callable[[Path, SamplePlan, ScanResult, date], None]] = {1: _week2, 2: _week3}
