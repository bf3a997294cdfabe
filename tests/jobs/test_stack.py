"""The whole stack on moto's CloudFormation, and one weekly cycle on what it created.

moto creates the buckets, table, queues, functions, roles, log groups, schedules and
topics of the template, and ignores some settings (tests/jobs/test_template.py checks those on
the template itself). The handlers run in process (chalice.test.Client) with the
environment the template gives the functions, against the resources by the names in the
stack's Outputs; every AWS call each handler makes is recorded and must be allowed by
that function's own role."""

from __future__ import annotations

import fnmatch
import json
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from chalice.test import Client

import app as app_module
from chalicelib.aws.clients import Clients, aws_clients
from jobs.sample import generate_college
from jobs.template import build_template
from tests.aws import REGION, bare_aws, sent_emails
from tests.jobs.test_policy import iam_actions, role_actions, statements

STAGE = "dev"
PARAMETERS = {
    "BucketName": "qungov-data-college-dev",
    "SenderEmail": "qungov@college.example.com",
    "AlarmEmail": "it@college.example.com",
}
MONDAY_8 = "2026-11-16T00:00:00Z"
# moto's CloudFormation skips queue policies, subscriptions and alarms with a warning;
# tests/jobs/test_template.py checks them on the template
pytestmark = pytest.mark.filterwarnings("ignore::UserWarning:moto.cloudformation.parsing")


@pytest.fixture
def stack(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    """The stack's Outputs, created on moto from the template of stage `dev`."""
    with bare_aws(monkeypatch):
        clients = aws_clients(REGION)
        clients.s3.create_bucket(Bucket="artifacts")
        clients.s3.put_object(Bucket="artifacts", Key="code.zip", Body=b"PK\x05\x06" + bytes(18))
        code = {"S3Bucket": "artifacts", "S3Key": "code.zip"}
        template = build_template(STAGE, code, event_mappings=False)
        cloudformation = _client("cloudformation")
        cloudformation.create_stack(
            StackName="qungov-dev",
            TemplateBody=json.dumps(template),
            Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in PARAMETERS.items()],
            Capabilities=["CAPABILITY_IAM"],
        )
        (described,) = cloudformation.describe_stacks(StackName="qungov-dev")["Stacks"]
        assert described["StackStatus"] == "CREATE_COMPLETE"
        outputs = {o["OutputKey"]: o["OutputValue"] for o in described["Outputs"]}
        # moto ignores these two settings of the template: apply them as AWS would
        notifications = template["Resources"]["DataBucket"]["Properties"][
            "NotificationConfiguration"
        ]
        clients.s3.put_bucket_notification_configuration(
            Bucket=outputs["DataBucketName"],
            NotificationConfiguration=_as_api(notifications, outputs["UploadQueueUrl"], clients),
        )
        clients.ses.verify_email_identity(EmailAddress=PARAMETERS["SenderEmail"])
        ses = template["Resources"]["MailConfigurationSet"]["Properties"]
        clients.ses.create_configuration_set(ConfigurationSet={"Name": ses["Name"]})
        yield {**outputs, "template": json.dumps(template)}


def test_the_stack_creates_every_resource_by_the_names_the_code_reads(
    stack: dict[str, str],
) -> None:
    functions = _client("lambda").list_functions()["Functions"]
    by_name = {f["FunctionName"]: f for f in functions}
    assert sorted(by_name) == [
        f"qungov-dev-{name}"
        for name in (
            "monthly-rollup", "send-digest", "validate-upload", "weekly-rollup", "weekly-scan",
            "weekly-watch",
        )
    ]  # fmt: skip
    environment = by_name["qungov-dev-weekly-scan"]["Environment"]["Variables"]
    assert environment["DATA_BUCKET"] == stack["DataBucketName"] == PARAMETERS["BucketName"]
    assert environment["LEDGER_TABLE"] == stack["LedgerTableName"] == "qungov-ledger-dev"
    assert environment["DIGEST_QUEUE"] == stack["DigestQueueName"] == "qungov-digests-dev"
    assert environment["UPLOAD_QUEUE"] == stack["UploadQueueName"] == "qungov-uploads-dev"
    operator = dict(pair.split("=") for pair in stack["OperatorEnvironment"].split())
    assert {k: v for k, v in operator.items() if k in environment} == {
        k: v for k, v in environment.items() if k in operator
    }
    assert len(operator) == 7 and operator["AWS_DEFAULT_REGION"] == REGION
    assert environment["MAIL_EVENTS_QUEUE"] == stack["MailEventsQueueName"]
    assert environment["SES_CONFIGURATION_SET"] == "qungov-dev"
    roles = {f["Role"] for f in functions}
    assert len(roles) == len(functions)  # one role each
    sqs = _client("sqs")
    attributes = sqs.get_queue_attributes(QueueUrl=stack["DigestQueueUrl"], AttributeNames=["All"])[
        "Attributes"
    ]
    assert json.loads(attributes["RedrivePolicy"])["maxReceiveCount"] == 5
    for url in sqs.list_queues(QueueNamePrefix="qungov-")["QueueUrls"]:
        kept = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["MessageRetentionPeriod"])
        assert kept["Attributes"]["MessageRetentionPeriod"] == str(14 * 24 * 3600), url
    groups = _client("logs").describe_log_groups(logGroupNamePrefix="/aws/lambda/qungov-dev")
    assert {g["retentionInDays"] for g in groups["logGroups"]} == {90}
    rules = _client("events").list_rules()["Rules"]
    assert sorted(r["ScheduleExpression"] for r in rules) == [
        "cron(0 0 ? * MON *)", "cron(0 2 ? * MON *)", "cron(0 2 ? * MON#1 *)",
        "cron(0 4 ? * MON *)",
    ]  # fmt: skip


def test_one_weekly_cycle_runs_on_the_stack_and_each_function_stays_within_its_role(
    stack: dict[str, str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # GIVEN the environment the stack gave the functions, and every AWS call recorded by
    # function
    lambda_ = _client("lambda")
    function = lambda_.get_function_configuration(FunctionName="qungov-dev-weekly-scan")
    for variable, value in function["Environment"]["Variables"].items():
        monkeypatch.setenv(variable, value)
    calls: dict[str, set[str]] = defaultdict(set)
    listed: dict[str, set[tuple[str, str]]] = defaultdict(set)  # (prefix, delimiter)
    current = {"function": ""}

    def recorded_clients(region: str | None = None) -> Clients:
        made = aws_clients(region)
        for client in (made.s3, made.dynamodb, made.sqs, made.ses):
            client.meta.events.register("before-call", _recorder(calls, current))
            client.meta.events.register(
                "before-parameter-build.s3.ListObjectsV2", _lister(listed, current)
            )
        return made

    monkeypatch.setattr(app_module, "aws_clients", recorded_clients)
    college = tmp_path / "college"
    generate_college(college, today=__import__("datetime").date(2026, 11, 16), groups=20)
    s3 = aws_clients(REGION).s3
    for path in sorted(p for p in college.rglob("*") if p.is_file()):
        s3.put_object(
            Bucket=stack["DataBucketName"], Key=path.relative_to(college).as_posix(),
            Body=path.read_bytes(),
        )  # fmt: skip

    # WHEN units' uploads are checked, the weekly run runs, its digests are sent, and the
    # offices get their rollups, each by its own function
    with Client(app_module.app) as client:
        current["function"] = "validate_upload"
        for body in _drain(stack["UploadQueueUrl"]):
            event = client.events.generate_sqs_event([body], queue_name=stack["UploadQueueName"])
            client.lambda_.invoke("validate_upload", event)
        current["function"] = "weekly_scan"
        weekly = client.lambda_.invoke("weekly_scan", _schedule(client, MONDAY_8)).payload
        current["function"] = "send_digest"
        for body in _drain(stack["DigestQueueUrl"]):
            event = client.events.generate_sqs_event([body], queue_name=stack["DigestQueueName"])
            client.lambda_.invoke("send_digest", event)
        current["function"] = "weekly_rollup"
        rollup = client.lambda_.invoke(
            "weekly_rollup", _schedule(client, "2026-11-16T02:00:00Z")
        ).payload
        current["function"] = "weekly_watch"
        watch = client.lambda_.invoke("weekly_watch", _schedule(client, "2026-11-16T04:00:00Z"))

    # THEN the cycle went through on the stack's resources
    assert weekly["digests"] > 0 and weekly["problems"] == 0
    assert set(rollup["sent"].values()) == {"sent"}
    assert watch.payload == {"period": "2026-W47", "status": "complete"}
    receipts = s3.list_objects_v2(Bucket=stack["DataBucketName"], Prefix="receipts/")
    assert receipts["KeyCount"] > 0
    # the sample's broken workbook: quarantined, and its receipt emailed by the digest worker
    quarantined = s3.list_objects_v2(Bucket=stack["DataBucketName"], Prefix="quarantine/")
    assert quarantined["KeyCount"] == 1
    assert len(sent_emails()) == weekly["digests"] + len(rollup["sent"]) + 1
    # AND no function called anything its role does not allow
    template = json.loads(stack["template"])
    for function, made in calls.items():
        assert iam_actions(made) - role_actions(template, function) == set(), function
    # AND each listing was of a prefix its role's conditions allow
    for function, prefixes in listed.items():
        for prefix, delimiter in prefixes:
            assert _may_list(template, function, prefix, delimiter), (function, prefix)
    assert ("", "/") in listed["weekly_scan"]  # what lies beside the data folders


def _recorder(calls: dict[str, set[str]], current: dict[str, str]) -> Any:
    def record(model: Any, **_: Any) -> None:
        service = model.service_model.endpoint_prefix
        service = {"email": "ses"}.get(service, service)
        calls[current["function"]].add(f"{service}:{model.name}")

    return record


def _lister(listed: dict[str, set[tuple[str, str]]], current: dict[str, str]) -> Any:
    def record(params: dict[str, Any], **_: Any) -> None:
        listed[current["function"]].add((params.get("Prefix", ""), params.get("Delimiter", "")))

    return record


def _may_list(template: dict[str, Any], function: str, prefix: str, delimiter: str) -> bool:
    """Whether a ListBucket statement of the role allows this listing, as IAM reads its
    StringEquals (s3:prefix, s3:delimiter) and StringLike (s3:prefix, `*` a wildcard)."""
    for statement in statements(template, function):
        if "s3:ListBucket" not in statement["Action"]:
            continue
        condition = statement["Condition"]
        equals, like = condition.get("StringEquals", {}), condition.get("StringLike", {})
        if equals and equals == {"s3:prefix": prefix, "s3:delimiter": delimiter}:
            return True
        if any(fnmatch.fnmatchcase(prefix, pattern) for pattern in like.get("s3:prefix", [])):
            return True
    return False


def _drain(queue_url: str) -> list[str]:
    sqs = _client("sqs")
    bodies: list[str] = []
    while batch := sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get(
        "Messages", []
    ):
        for message in batch:
            bodies.append(message["Body"])
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
    return bodies


def _schedule(client: Client, time: str) -> dict[str, Any]:
    event: dict[str, Any] = client.events.generate_cw_event(
        source="aws.events", detail_type="Scheduled Event", detail={}, resources=[]
    )
    event["time"] = time
    return event


def _as_api(notifications: dict[str, Any], queue_url: str, clients: Clients) -> dict[str, Any]:
    """The template's notification configuration, with the queue's real ARN."""
    arn = clients.sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])
    return {
        "QueueConfigurations": [
            {
                "QueueArn": arn["Attributes"]["QueueArn"],
                "Events": [entry["Event"]],
                "Filter": {"Key": {"FilterRules": entry["Filter"]["S3Key"]["Rules"]}},
            }
            for entry in notifications["QueueConfigurations"]
        ]
    }


def _client(service: str) -> Any:
    import boto3

    return boto3.client(service, region_name=REGION)
