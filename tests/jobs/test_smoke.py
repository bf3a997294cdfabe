"""`make smoke` rehearsed on moto's server: the same command an operator runs on a real
account deploys the stage `smoke`, uploads the sample college, runs the week, waits for the
digests to be sent and deletes everything it made. moto's Lambda cannot run the code
(no docker), so a thread here plays the digest queue's trigger: it takes each message and
invokes the `send_digest` handler in process, with the environment the stack gave the
function, as Lambda would. (moto's own event source mapping also tries each message and
fails without docker, returning it to the queue: "error running docker" on stderr.)"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from chalice.test import Client
from moto.core.models import DEFAULT_ACCOUNT_ID
from moto.server import ThreadedMotoServer
from moto.ses.models import ses_backends

ROOT = Path(__file__).resolve().parents[2]
REGION = "us-east-1"
TO = "it-rehearsal@college.edu.cn"
SENDER = "qungov@college.edu.cn"
ARTIFACTS = "college-artifacts"
pytestmark = pytest.mark.filterwarnings("ignore::UserWarning:moto.cloudformation.parsing")


@pytest.fixture
def endpoint(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="localhost", port=0, verbose=False)
    server.start()
    _, port = server.get_host_and_port()
    url = f"http://localhost:{port}"
    urllib.request.urlopen(urllib.request.Request(f"{url}/moto-api/reset", method="POST"))
    for name, value in {
        "AWS_ENDPOINT_URL": url, "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": REGION,
    }.items():  # fmt: skip
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    try:
        yield url
    finally:
        server.stop()


def make_smoke(package_dir: Path, **variables: str) -> subprocess.CompletedProcess[str]:
    environment = {
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "HOME": os.environ.get("HOME", str(package_dir)),
        **{k: os.environ[k] for k in ("AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID",
                                      "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION")},
        "AWS_CONFIG_FILE": str(package_dir / "no-config"),
        "TO": TO, "SENDER": SENDER, "ARTIFACT_BUCKET": ARTIFACTS, **variables,
    }  # fmt: skip
    here = [f"BIN={Path(sys.executable).parent}", "STAMP=", f"SMOKE_DIR={package_dir}"]
    return subprocess.run(
        ["make", "--no-print-directory", "smoke", *here],
        cwd=ROOT, env=environment, capture_output=True, text=True, check=False, timeout=600,
    )  # fmt: skip


class DigestTrigger(threading.Thread):
    """What Lambda's SQS trigger does for `send_digest`: each message of the stage's digest
    queue, one at a time, to the handler; deleted once the handler returned."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.stop = threading.Event()
        self.invoked = 0
        self.errors: list[str] = []

    def run(self) -> None:
        import app as app_module

        saved = dict(os.environ)
        try:
            self._serve(app_module)
        finally:  # the function's environment leaves with it
            os.environ.clear()
            os.environ.update(saved)

    def _serve(self, app_module: Any) -> None:
        sqs = boto3.client("sqs")
        configured = False
        while not self.stop.is_set():
            try:
                url = sqs.get_queue_url(QueueName="qungov-digests-smoke")["QueueUrl"]
                messages = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1).get("Messages", [])
            except sqs.exceptions.QueueDoesNotExist:
                self.stop.wait(0.5)
                continue
            for message in messages:
                if not configured:  # the function's environment, as the stack set it
                    function = boto3.client("lambda").get_function_configuration(
                        FunctionName="qungov-smoke-send-digest"
                    )
                    os.environ.update(function["Environment"]["Variables"])
                    configured = True
                try:
                    with Client(app_module.app) as client:
                        event = client.events.generate_sqs_event(
                            [message["Body"]], queue_name="qungov-digests-smoke"
                        )
                        client.lambda_.invoke("send_digest", event)
                    sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
                    self.invoked += 1
                except Exception as error:  # Lambda would retry; the test reports it
                    self.errors.append(repr(error))


def sent_to() -> list[list[str]]:
    return [m.destinations for m in ses_backends[DEFAULT_ACCOUNT_ID][REGION].sent_messages]


def test_the_rehearsal_deploys_runs_a_week_sees_the_digests_sent_and_leaves_nothing(
    endpoint: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    boto3.client("s3").create_bucket(Bucket=ARTIFACTS)
    boto3.client("ses").verify_email_identity(EmailAddress=SENDER)
    for name in ("DATA_BUCKET", "LEDGER_TABLE", "DIGEST_QUEUE", "SENDER_EMAIL"):
        monkeypatch.delenv(name, raising=False)  # set by the trigger from the function
    trigger = DigestTrigger()
    trigger.start()
    try:
        result = make_smoke(tmp_path)
    finally:
        trigger.stop.set()
        trigger.join(timeout=10)

    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert trigger.errors == []
    assert "演练通过" in result.stdout
    # the digests went to the operator's address, and only there
    assert trigger.invoked >= 1
    assert sent_to() and all(set(destinations) == {TO} for destinations in sent_to())
    # and nothing of the stage is left
    cloudformation = boto3.client("cloudformation")
    live = [
        s for s in cloudformation.list_stacks()["StackSummaries"]
        if s["StackStatus"] != "DELETE_COMPLETE"
    ]  # fmt: skip
    assert live == []
    buckets = [b["Name"] for b in boto3.client("s3").list_buckets()["Buckets"]]
    assert buckets == [ARTIFACTS]
    assert boto3.client("s3").list_objects_v2(Bucket=ARTIFACTS)["KeyCount"] == 0
    assert "qungov-ledger-smoke" not in boto3.client("dynamodb").list_tables()["TableNames"]
    assert "已创建门户签名密钥参数 /qungov/smoke/portal-keys" in result.stdout
    assert boto3.client("ssm").describe_parameters()["Parameters"] == []


def test_a_sender_not_verified_in_ses_is_refused_before_anything_is_made(
    endpoint: str, tmp_path: Path
) -> None:
    boto3.client("s3").create_bucket(Bucket=ARTIFACTS)
    result = make_smoke(tmp_path)
    assert result.returncode != 0
    assert f"发件地址 {SENDER}(及其域名)在 SES 中尚未验证" in result.stderr
    assert boto3.client("cloudformation").list_stacks()["StackSummaries"] == []
    assert boto3.client("s3").list_objects_v2(Bucket=ARTIFACTS)["KeyCount"] == 0


def test_what_is_missing_is_named(endpoint: str, tmp_path: Path) -> None:
    result = make_smoke(tmp_path, TO="")
    assert result.returncode == 2
    assert "TO=…" in result.stderr
