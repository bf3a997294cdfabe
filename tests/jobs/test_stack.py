"""The whole stack on moto's CloudFormation, and one weekly cycle on what it created.

moto creates the buckets, table, queues, functions, roles, log groups, schedules, topics and
the portal's REST API (its resource, methods and deployment) of the template, and ignores
some settings and types (tests/jobs/test_template.py checks those on the template itself),
among them `AWS::ApiGateway::Stage`: moto 5.2.1 has no CloudFormation support for it (a
warning, the stack still completes), so the stage `api`, its throttle and the API's URL are
proven on the template, not here. The portal's signing keys are made as `make deploy` makes
them (jobs/deploy.py), before the stack. The handlers run in process (chalice.test.Client)
with the environment the template gives the functions, against the resources by the names
in the stack's Outputs; every AWS call each handler makes (the portal's pages too) is
recorded and must be allowed by that function's own role."""

from __future__ import annotations

import email
import email.policy
import fnmatch
import json
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from chalice.test import Client
from moto.core.models import DEFAULT_ACCOUNT_ID

import app as app_module
from chalicelib.aws.clients import Clients, aws_clients
from chalicelib.aws.ledger import DynamoLedger
from chalicelib.aws.portalkeys import forget_cached, ssm_keyring
from chalicelib.aws.s3source import S3Source
from chalicelib.core.dates import shanghai_today
from chalicelib.core.settings import Settings
from chalicelib.intake.config import load_offices
from chalicelib.portal.links import Links
from jobs.deploy import create_portal_keys
from jobs.sample import generate_college
from jobs.template import build_template
from tests.aws import REGION, bare_aws, sent_emails
from tests.jobs.test_policy import iam_actions, role_actions, statements
from tests.portal.page_forms import Forms

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
    forget_cached()  # the signing keys an earlier test's moto held under the same name
    with bare_aws(monkeypatch):
        clients = aws_clients(REGION)
        assert create_portal_keys(clients.ssm, STAGE)  # as make deploy does, before the stack
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
            "monthly-rollup", "portal", "send-digest", "validate-upload", "weekly-rollup",
            "weekly-scan", "weekly-watch",
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
    assert len(operator) == 10 and operator["AWS_DEFAULT_REGION"] == REGION
    assert operator["SES_CONFIGURATION_SET"] == "qungov-dev"  # a rollup run by hand, as SES
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
    # every function knows the portal's URL and its keys' parameter, which make deploy made
    api = _client("apigateway")
    (rest_api,) = api.get_rest_apis()["items"]
    # (its REGIONAL endpoint is checked on the template: moto keeps CloudFormation's
    # `EndpointConfiguration` as given, `Types`, which its API then answers without)
    assert rest_api["name"] == "qungov-dev"
    url = f"https://{rest_api['id']}.execute-api.{REGION}.amazonaws.com/api/portal/"
    assert stack["PortalUrl"] == url
    for function in functions:
        variables = function["Environment"]["Variables"]
        assert variables["PORTAL_URL"] == url, function["FunctionName"]
        assert variables["PORTAL_KEY_PARAMETER"] == "/qungov/dev/portal-keys"
    keys = _client("ssm").get_parameter(Name="/qungov/dev/portal-keys")["Parameter"]
    assert keys["Type"] == "SecureString"
    # the API sends every path and method to the portal function, which only it may invoke
    portal = by_name["qungov-dev-portal"]
    assert (portal["Handler"], portal["MemorySize"], portal["Timeout"]) == ("app.app", 512, 30)
    resources = {r["path"]: r for r in api.get_resources(restApiId=rest_api["id"])["items"]}
    assert sorted(resources) == ["/", "/{proxy+}"]
    for resource in resources.values():
        method = api.get_method(
            restApiId=rest_api["id"], resourceId=resource["id"], httpMethod="ANY"
        )
        integration = method["methodIntegration"]
        assert (method["authorizationType"], integration["type"]) == ("NONE", "AWS_PROXY")
        assert f"/functions/{portal['FunctionArn']}/invocations" in integration["uri"]
    (allowed,) = json.loads(
        _client("lambda").get_policy(FunctionName="qungov-dev-portal")["Policy"]
    )["Statement"]
    assert allowed["Principal"] == {"Service": "apigateway.amazonaws.com"}
    source = allowed["Condition"]["ArnLike"]["AWS:SourceArn"]
    assert source == f"arn:aws:execute-api:{REGION}:{DEFAULT_ACCOUNT_ID}:{rest_api['id']}/api/*"
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
        for client in (made.s3, made.dynamodb, made.sqs, made.ses, made.ssm):
            client.meta.events.register("before-call", _recorder(calls, current))
            client.meta.events.register(
                "before-parameter-build.s3.ListObjectsV2", _lister(listed, current)
            )
        return made

    def as_function(name: str) -> None:
        current["function"] = name
        forget_cached()  # each function is its own container: it reads the keys itself

    monkeypatch.setattr(app_module, "aws_clients", recorded_clients)
    college = tmp_path / "college"
    generate_college(college, today=__import__("datetime").date(2026, 11, 16), groups=20)
    s3 = aws_clients(REGION).s3
    for path in sorted(p for p in college.rglob("*") if p.is_file()):
        s3.put_object(
            Bucket=stack["DataBucketName"], Key=path.relative_to(college).as_posix(),
            Body=path.read_bytes(),
        )  # fmt: skip

    # WHEN units' uploads are checked, the weekly run runs, its digests are sent, the
    # offices get their rollups, each by its own function, and a unit and an office use the
    # portal (every page, through the portal function's routes)
    with Client(app_module.app) as client:
        as_function("validate_upload")
        for body in _drain(stack["UploadQueueUrl"]):
            event = client.events.generate_sqs_event([body], queue_name=stack["UploadQueueName"])
            client.lambda_.invoke("validate_upload", event)
        as_function("weekly_scan")
        weekly = client.lambda_.invoke("weekly_scan", _schedule(client, MONDAY_8)).payload
        as_function("send_digest")
        for body in _drain(stack["DigestQueueUrl"]):
            event = client.events.generate_sqs_event([body], queue_name=stack["DigestQueueName"])
            client.lambda_.invoke("send_digest", event)
        as_function("weekly_rollup")
        rollup = client.lambda_.invoke(
            "weekly_rollup", _schedule(client, "2026-11-16T02:00:00Z")
        ).payload
        as_function("weekly_watch")
        watch = client.lambda_.invoke("weekly_watch", _schedule(client, "2026-11-16T04:00:00Z"))
        as_function("portal")
        answers = _walk_the_portal(client, Settings())

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
    # the digests link to the stack's portal, where every page answered
    linked = [e for e in sent_emails() if stack["PortalUrl"] + "open?t=" in _text(e)]
    assert len(linked) >= weekly["digests"]
    assert answers == {
        "open (unit)": 200, "unit": 200, "act": 303, "receipt": 200, "open (office)": 200,
        "office": 200, "decide": 303, "rollup": 303,
    }  # fmt: skip
    waivers = s3.list_objects_v2(Bucket=stack["DataBucketName"], Prefix="waivers/portal/")
    assert waivers["KeyCount"] == 1  # the office approved the unit's request
    assert {"ssm:GetParameter"} <= calls["weekly_scan"] and calls["portal"]
    # AND no function called anything its role does not allow
    template = json.loads(stack["template"])
    for function, made in calls.items():
        assert iam_actions(made) - role_actions(template, function) == set(), function
    # AND each listing was of a prefix its role's conditions allow
    for function, prefixes in listed.items():
        for prefix, delimiter in prefixes:
            assert _may_list(template, function, prefix, delimiter), (function, prefix)
    assert ("", "/") in listed["weekly_scan"]  # what lies beside the data folders
    # AND the portal's walk used every grant of its role, and listed under every prefix
    logs = {"logs:CreateLogStream", "logs:PutLogEvents"}
    assert iam_actions(calls["portal"]) == role_actions(template, "portal") - logs
    (listing,) = [s for s in statements(template, "portal") if s["Action"] == ["s3:ListBucket"]]
    for pattern in listing["Condition"]["StringLike"]["s3:prefix"]:
        assert any(fnmatch.fnmatchcase(p, pattern) for p, _ in listed["portal"]), pattern


def _walk_the_portal(client: Client, settings: Settings) -> dict[str, int]:
    """A unit opens its link, asks for a waiver and looks at an upload's receipt; an office
    opens its link, approves the request and downloads its rollup. Each page's status."""
    aws = aws_clients(REGION)  # not recorded: what the test itself does
    links = Links(
        settings.portal_url,
        ssm_keyring(aws.ssm, settings.portal_key_parameter),
        datetime.now(UTC),
    )
    forget_cached()
    entries = DynamoLedger(aws.dynamodb, settings.ledger_table).entries().values()
    unit = sorted(e.unit_id for e in entries if e.active and e.unit_id)[0]
    answers: dict[str, int] = {}

    def visit(name: str, path: str, cookie: str = "", form: dict[str, str] | None = None) -> Any:
        headers = {"cookie": cookie}
        if form is None:
            response = client.http.get(path, headers=headers)
        else:
            headers["content-type"] = "application/x-www-form-urlencoded"
            response = client.http.post(path, body=urlencode(form), headers=headers)
        answers[name] = response.status_code
        return response

    def session(name: str, link: str) -> str:
        opened = visit(name, "/portal/open?" + link.split("?", 1)[1])
        return str(opened.headers.get("Set-Cookie", "")).split(";", 1)[0]

    cookie = session("open (unit)", links.unit("secretary@college.example.com", [unit]))
    page = visit("unit", "/portal/unit", cookie).body.decode()
    waiver = next(f for f in Forms(page).forms if f.get("kind") == "waiver")
    until = shanghai_today(datetime.now(UTC)) + timedelta(days=30)
    visit("act", "/portal/act", cookie, waiver | {"reason": "迎新季临时扩容", "until": str(until)})
    upload = f"rosters/qq/{unit}/新名单.csv"
    aws.s3.put_object(Bucket=settings.data_bucket, Key=upload, Body=b"\xef\xbb\xbf")
    visit("receipt", f"/portal/receipt?{urlencode({'u': unit, 'key': upload})}", cookie)

    offices = load_offices(S3Source(aws.s3, settings.data_bucket), settings, [])
    office = next(o for o in offices if o.scope is None)  # every category: sees the request
    cookie = session("open (office)", links.office(office))
    page = visit("office", "/portal/office", cookie).body.decode()
    decide = next(f for f in Forms(page).forms if f.get("decision") == "approved")
    visit("decide", "/portal/decide", cookie, decide | {"decision": "approved", "note": "同意"})
    visit("rollup", "/portal/rollup", cookie)
    return answers


def _text(sent: Any) -> str:
    """The text parts of an email moto's SES accepted, decoded."""
    message = email.message_from_string(sent.raw_data, policy=email.policy.default)
    return "".join(
        part.get_content() for part in message.walk() if part.get_content_maintype() == "text"
    )


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
