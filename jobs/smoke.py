"""`make smoke` (`python -m jobs smoke`): a rehearsal on a real account. Deploys the
throwaway stage `smoke`, uploads the sample college with every address in it replaced by
the operator's, runs the weekly job against the stack (from here, as `python -m jobs
weekly` does), waits until the stack's sending function has sent the digests it queued,
and deletes the stage: stack, data bucket (every version), table, portal keys and uploaded
code.

It needs what `make deploy` needs (credentials, SENDER already verified in SES,
ARTIFACT_BUCKET in the region) and TO, the address the digests go to (in the SES sandbox,
a verified one). tests/jobs/test_smoke.py rehearses it on moto's server."""

from __future__ import annotations

import os
import re
import secrets
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError, WaiterError

from chalicelib.aws.clients import aws_clients
from chalicelib.aws.sendlog import DynamoSendLog
from chalicelib.core.dates import iso_period, shanghai_today
from chalicelib.core.settings import Settings, resource_names
from chalicelib.flows import weekly
from chalicelib.notify.sending import SendKind, SendRecord, SendStatus
from jobs.deploy import (
    Deployment,
    Refused,
    aws_cli,
    check_artifact_bucket,
    check_mail,
    create_portal_keys,
    deploy_stack,
    stack_status,
    why_it_failed,
)
from jobs.package import run_package
from jobs.sample import generate_college
from jobs.sample.catalog import MAIL_DOMAIN

STAGE = "smoke"
ADDRESS = re.compile(rf"[\w.+-]+@{re.escape(MAIL_DOMAIN)}", re.ASCII)
TEXT_ENCODINGS = ("utf-8-sig", "gb18030", "utf-16")  # the sample's CSV files


@dataclass(frozen=True)
class Smoke:
    to: str  # where every email of the rehearsal goes
    sender: str  # verified in SES
    artifact_bucket: str
    bucket: str = ""  # the stage's data bucket ("" : a fresh random name)
    keep: bool = False  # leave the stage standing (to look at it); delete it later
    wait_seconds: int = 600  # for the sending function to send what was queued
    today: date | None = None


REQUIRED = {
    "TO": "演练邮件发往的地址(SES 沙盒中须已验证)",
    "SENDER": "已在 SES 验证的发件地址",
    "ARTIFACT_BUCKET": "与栈同一区域、已有的存储桶,用于上传代码包",
}


def smoke_from_environment(
    bucket: str, keep: bool, only_teardown: bool, wait: int, out: Path
) -> int:
    values = {name: os.environ.get(name, "").strip() for name in REQUIRED}
    if only_teardown:
        if not bucket or not values["ARTIFACT_BUCKET"]:
            print("删除演练栈需要 --bucket <它的数据桶> 和 ARTIFACT_BUCKET=…", file=sys.stderr)
            return 2
        left = teardown(boto3.session.Session(), bucket, values["ARTIFACT_BUCKET"])
        for problem in left:
            print(f"未能删除:{problem}", file=sys.stderr)
        return 1 if left else 0
    missing = [f"  {name}=…  {REQUIRED[name]}" for name, value in values.items() if not value]
    if missing:
        print("请设置(见 README,Runbook):\n" + "\n".join(missing), file=sys.stderr)
        return 2
    smoke = Smoke(values["TO"], values["SENDER"], values["ARTIFACT_BUCKET"], bucket, keep, wait)
    return run_smoke(smoke, out)


def say(text: str) -> None:
    print(text, flush=True)  # in order with the AWS CLI's output


def run_smoke(smoke: Smoke, out: Path) -> int:
    bucket = smoke.bucket or f"qungov-smoke-{secrets.token_hex(6)}"
    deployment = Deployment(
        STAGE,
        "ses",
        out,
        {"BUCKET": bucket, "SENDER": smoke.sender, "ALARM_EMAIL": smoke.to,
         "ARTIFACT_BUCKET": smoke.artifact_bucket},
        {"SenderDomainIdentity": "existing"},
    )  # fmt: skip
    session = boto3.session.Session()
    try:
        aws = _preflight(session, deployment)
    except Refused as refused:
        print(refused, file=sys.stderr)
        return 2
    names = {**resource_names(STAGE), "data_bucket": bucket, "sender_email": smoke.sender}
    settings = Settings().model_copy(
        update={key: value for key, value in names.items() if key in Settings.model_fields}
    )
    ok = False
    try:
        say(f"1/4 打包并部署演练栈 qungov-{STAGE}(数据桶 {bucket})")
        try:
            create_portal_keys(session.client("ssm"), STAGE)
        except Refused as refused:
            print(refused, file=sys.stderr)
            return 1
        if run_package(STAGE, out, mail="ses") != 0 or not deploy_stack(deployment, aws):
            print(
                why_it_failed(session.client("cloudformation"), deployment.stack), file=sys.stderr
            )
            return 1
        today = smoke.today or shanghai_today(datetime.now(UTC))
        say(f"2/4 上传样例学校(所有邮箱改为 {smoke.to})")
        _upload_sample(session.client("s3"), bucket, smoke.to, today)
        say("3/4 对演练栈运行每周检查")
        summary, _, _ = weekly.run_weekly(weekly.ports(aws_clients(), settings), settings, today)
        if not summary.messages:
            print(f"每周检查没有排队任何提醒(问题:{summary.problems})", file=sys.stderr)
            return 1
        say(
            f"    已排队 {len(summary.messages)} 封提醒;等待发送函数发出(至多 {smoke.wait_seconds} 秒)"
        )
        sent, waiting = _wait_for_sends(settings, iso_period(today), smoke.wait_seconds)
        for record in waiting:
            print(
                f"    未发出:{record.recipient} {record.status}{record.error or ''}",
                file=sys.stderr,
            )
        ok = not waiting and len(sent) >= len(summary.messages)
        say(f"    已发出 {len(sent)} 封到 {smoke.to}" if ok else "    提醒没有全部发出")
        return 0 if ok else 1
    finally:
        if smoke.keep:
            say(f"4/4 按 --keep 保留演练栈;删除:python -m jobs smoke --teardown --bucket {bucket}")
        else:
            say("4/4 删除演练栈、数据桶、表和代码包")
            left = teardown(session, bucket, smoke.artifact_bucket)
            for problem in left:
                print(f"    未能删除:{problem}", file=sys.stderr)
            say("演练通过" if ok and not left else "演练未通过")


def _preflight(session: Any, deployment: Deployment) -> str:
    region = session.region_name
    if not region:
        raise Refused("未配置 AWS 区域:请设置 AWS_DEFAULT_REGION 或 AWS_PROFILE")
    check_mail(session, region, deployment.mail)
    sender = deployment.values["SENDER"]
    identities = [sender, sender.rpartition("@")[2]]
    verified = session.client("ses").get_identity_verification_attributes(Identities=identities)
    statuses = [a.get("VerificationStatus") for a in verified["VerificationAttributes"].values()]
    if "Success" not in statuses:
        raise Refused(
            f"发件地址 {sender}(及其域名)在 SES 中尚未验证:演练只用已验证的发件人"
            "(先完成正式部署的 DKIM 验证,或 aws ses verify-email-identity)"
        )
    aws = aws_cli()
    check_artifact_bucket(session.client("s3"), deployment.values["ARTIFACT_BUCKET"], region)
    if stack_status(session.client("cloudformation"), deployment.stack) is not None:
        raise Refused(
            f"栈 {deployment.stack} 已存在(上次演练没有删除?):"
            "python -m jobs smoke --teardown --bucket <它的数据桶> 删除后再演练"
        )
    return aws


def _upload_sample(s3: Any, bucket: str, to: str, today: date) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "college"
        generate_college(root, today=today, groups=12, formats="csv")
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            body = _readdressed(path.read_bytes(), to)
            s3.put_object(Bucket=bucket, Key=path.relative_to(root).as_posix(), Body=body)


def _readdressed(body: bytes, to: str) -> bytes:
    """The file with every sample address replaced by `to`, in its own encoding."""
    for encoding in TEXT_ENCODINGS:
        try:
            text = body.decode(encoding)
        except UnicodeDecodeError:
            continue
        if ADDRESS.search(text):
            return ADDRESS.sub(to, text).encode(encoding)
        return body
    return body


def _wait_for_sends(
    settings: Settings, period: str, seconds: int
) -> tuple[list[SendRecord], list[SendRecord]]:
    """The period's digests sent, and those not (yet), once all are sent or time is up."""
    log = DynamoSendLog(aws_clients().dynamodb, settings.ledger_table)
    deadline = time.monotonic() + seconds
    while True:
        digests = [
            r for r in log.records(period) if SendKind.of(r.kind) is SendKind.DIGEST and not r.robot
        ]
        sent = [r for r in digests if r.status is SendStatus.SENT]
        waiting = [r for r in digests if r.status is not SendStatus.SENT]
        if (digests and not waiting) or time.monotonic() > deadline:
            return sent, waiting
        time.sleep(5)


def teardown(session: Any, bucket: str, artifact_bucket: str) -> list[str]:
    """Delete the stage: its stack, then what the stack keeps when deleted (the data
    bucket and the table, `Retain`), then its uploaded code. What could not be deleted."""
    left: list[str] = []
    s3, dynamodb = session.client("s3"), session.client("dynamodb")
    cloudformation = session.client("cloudformation")
    names = resource_names(STAGE)
    table, keys = names["ledger_table"], names["portal_key_parameter"]
    ssm = session.client("ssm")
    steps: list[tuple[str, Callable[[], None]]] = [
        (f"数据桶 {bucket} 的内容", lambda: _empty(s3, bucket)),
        (f"表 {table} 的删除保护", lambda: _unprotect(dynamodb, table)),
        (f"栈 qungov-{STAGE}", lambda: _delete_stack(cloudformation)),
        (f"表 {table}", lambda: _gone_ok(lambda: dynamodb.delete_table(TableName=table))),
        (f"数据桶 {bucket}", lambda: _gone_ok(lambda: s3.delete_bucket(Bucket=bucket))),
        (f"门户签名密钥参数 {keys}", lambda: _gone_ok(lambda: ssm.delete_parameter(Name=keys))),
        (f"代码包 s3://{artifact_bucket}/qungov-{STAGE}/",
         lambda: _empty(s3, artifact_bucket, f"qungov-{STAGE}/")),
    ]  # fmt: skip
    for what, step in steps:
        try:
            step()
        except ClientError as error:
            left.append(f"{what}({error.response.get('Error', {}).get('Code', error)})")
        except (BotoCoreError, WaiterError) as error:
            left.append(f"{what}({error})")
    return left


def _empty(s3: Any, bucket: str, prefix: str = "") -> None:
    """Every version and delete marker under `prefix` (the data bucket is versioned)."""
    pages = s3.get_paginator("list_object_versions").paginate(Bucket=bucket, Prefix=prefix)
    try:
        for page in pages:
            found = [*page.get("Versions", []), *page.get("DeleteMarkers", [])]
            for start in range(0, len(found), 1000):
                batch = [
                    {"Key": v["Key"], "VersionId": v["VersionId"]}
                    for v in found[start : start + 1000]
                ]
                s3.delete_objects(Bucket=bucket, Delete={"Objects": batch, "Quiet": True})
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") != "NoSuchBucket":
            raise


def _delete_stack(cloudformation: Any) -> None:
    cloudformation.delete_stack(StackName=f"qungov-{STAGE}")
    cloudformation.get_waiter("stack_delete_complete").wait(
        StackName=f"qungov-{STAGE}", WaiterConfig={"Delay": 10, "MaxAttempts": 90}
    )


def _unprotect(dynamodb: Any, table: str) -> None:
    _gone_ok(lambda: dynamodb.update_table(TableName=table, DeletionProtectionEnabled=False))


def _gone_ok(call: Callable[[], object]) -> None:
    """Run `call`; what is already gone is deleted."""
    try:
        call()
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") not in (
            "ResourceNotFoundException",
            "NoSuchBucket",
            "ParameterNotFound",
        ):
            raise
