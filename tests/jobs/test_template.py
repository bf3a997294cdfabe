"""The template itself: cfn-lint, and the settings moto's CloudFormation ignores (encryption,
public access, versioning, lifecycle, notifications, queue policy, recovery, alarms, the
API's stage and its throttle, the API's endpoint type), so that tests/jobs/test_stack.py
standing the stack up is not the only proof."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import app as app_module
from chalicelib.core.layout import OUTBOX, QUARANTINE, RECEIPTS
from chalicelib.core.settings import TABLE_KEYS, Settings, resource_names
from chalicelib.intake.catalogue import DATA_FOLDERS
from jobs.package import run_package
from jobs.template import ACCESS, MAX_RECEIVES, RUNTIME, build_template, functions
from jobs.template.api import STAGE_NAME, THROTTLING_BURST_LIMIT, THROTTLING_RATE_LIMIT

TEMPLATE = build_template("prod", "deployment.zip")
RESOURCES: dict[str, Any] = TEMPLATE["Resources"]


def of_type(kind: str) -> dict[str, Any]:
    return {name: r for name, r in RESOURCES.items() if r["Type"] == kind}


def alarms_on(resource: str, metric: str) -> list[dict[str, Any]]:
    """The properties of each alarm on `metric` of `resource` (a queue's or function's)."""
    found = []
    for alarm in of_type("AWS::CloudWatch::Alarm").values():
        properties = alarm["Properties"]
        values = [dimension["Value"] for dimension in properties["Dimensions"]]
        targets = {
            value.get("Ref") or value.get("Fn::GetAtt", [None])[0]
            for value in values
            if isinstance(value, dict)
        }
        if properties["MetricName"] == metric and resource in targets:
            found.append(properties)
    return found


def alarm_on(resource: str, metric: str) -> dict[str, Any]:
    (properties,) = alarms_on(resource, metric)
    return properties


def _lint(template: Path, *regions: str) -> subprocess.CompletedProcess[str]:
    lint = Path(sys.executable).with_name("cfn-lint")
    return subprocess.run(
        [str(lint), "--regions", *regions,
         # W3002: Code is the local deployment.zip, for `aws cloudformation package`
         "--ignore-checks", "W3002", "--", str(template)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip


def test_cfn_lint_passes_with_ses_and_with_smtp_in_aws_china(tmp_path: Path) -> None:
    assert run_package("prod", tmp_path / "ses", with_code=False) == 0
    result = _lint(tmp_path / "ses" / "template.json", "us-east-1", "eu-west-1")
    assert result.returncode == 0, result.stdout + result.stderr
    # the regions without SES refuse a template naming any SES type: the smtp one has none
    assert run_package("prod", tmp_path / "smtp", with_code=False, mail="smtp") == 0
    smtp = tmp_path / "smtp" / "template.json"
    result = _lint(smtp, "us-east-1", "ap-east-1", "cn-north-1", "cn-northwest-1")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "AWS::SES::" not in smtp.read_text(encoding="utf-8")
    assert "AWS::ApiGateway::Stage" in smtp.read_text(encoding="utf-8")  # the portal's, linted
    assert _lint(tmp_path / "ses" / "template.json", "cn-north-1").returncode != 0


def test_the_data_bucket_is_private_encrypted_versioned_and_kept() -> None:
    bucket = RESOURCES["DataBucket"]
    properties = bucket["Properties"]
    # kept when the stack goes, but not after a failed first create (its name would block
    # the retry)
    assert bucket["DeletionPolicy"] == "RetainExceptOnCreate"
    assert bucket["UpdateReplacePolicy"] == "Retain"
    assert properties["BucketName"] == {"Ref": "BucketName"}
    assert all(properties["PublicAccessBlockConfiguration"].values())
    assert len(properties["PublicAccessBlockConfiguration"]) == 4
    (encryption,) = properties["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert encryption["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    assert properties["VersioningConfiguration"] == {"Status": "Enabled"}


def test_only_quarantine_outbox_and_receipts_expire_and_nothing_lingers() -> None:
    rules = RESOURCES["DataBucket"]["Properties"]["LifecycleConfiguration"]["Rules"]
    assert all(rule["Status"] == "Enabled" for rule in rules)
    expiring = {rule["Prefix"]: rule["ExpirationInDays"] for rule in rules if "Prefix" in rule}
    assert expiring == {QUARANTINE: 180, OUTBOX: 400, RECEIPTS: 400}
    assert not set(expiring) & {f"{folder}/" for folder in DATA_FOLDERS}  # data is kept
    whole_bucket = [rule for rule in rules if "Prefix" not in rule]
    (versions,) = [rule for rule in whole_bucket if "NoncurrentVersionExpiration" in rule]
    assert versions["NoncurrentVersionExpiration"] == {"NoncurrentDays": 90}
    assert versions["AbortIncompleteMultipartUpload"] == {"DaysAfterInitiation": 7}
    # a quarantine move leaves a delete marker; once the versions behind it expired, it goes
    (markers,) = [rule for rule in whole_bucket if "ExpiredObjectDeleteMarker" in rule]
    assert markers["ExpiredObjectDeleteMarker"] is True
    assert "ExpirationInDays" not in markers  # S3 refuses both in one rule


def test_the_bucket_refuses_every_request_without_tls() -> None:
    policy = RESOURCES["DataBucketPolicy"]["Properties"]
    assert policy["Bucket"] == {"Ref": "DataBucket"}
    (statement,) = policy["PolicyDocument"]["Statement"]
    assert (statement["Effect"], statement["Principal"], statement["Action"]) == (
        "Deny", "*", "s3:*"
    )  # fmt: skip
    assert statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert statement["Resource"] == [
        {"Fn::GetAtt": ["DataBucket", "Arn"]}, {"Fn::Sub": "${DataBucket.Arn}/*"}
    ]  # fmt: skip


def test_every_uploaded_folder_notifies_the_upload_queue_which_lets_s3_send() -> None:
    notifications = RESOURCES["DataBucket"]["Properties"]["NotificationConfiguration"]
    prefixes = [
        rule["Value"]
        for entry in notifications["QueueConfigurations"]
        for rule in entry["Filter"]["S3Key"]["Rules"]
    ]
    assert sorted(prefixes) == sorted(f"{folder}/" for folder in DATA_FOLDERS)
    assert "config/" in prefixes
    for entry in notifications["QueueConfigurations"]:
        assert entry["Queue"] == {"Fn::GetAtt": ["UploadQueue", "Arn"]}
    # S3 checks it may send before it saves the configuration: the policy comes first
    assert RESOURCES["DataBucket"]["DependsOn"] == "UploadQueuePolicy"
    policy = RESOURCES["UploadQueuePolicy"]["Properties"]
    (statement,) = policy["PolicyDocument"]["Statement"]
    assert statement["Principal"] == {"Service": "s3.amazonaws.com"}
    assert statement["Action"] == "sqs:SendMessage"
    assert statement["Condition"]["StringEquals"]["aws:SourceAccount"] == {"Ref": "AWS::AccountId"}
    assert "aws:SourceArn" in statement["Condition"]["ArnEquals"]


def test_the_ledger_table_recovers_to_any_point_and_is_kept() -> None:
    table = RESOURCES["LedgerTable"]
    properties = table["Properties"]
    assert table["DeletionPolicy"] == "RetainExceptOnCreate"
    assert table["UpdateReplacePolicy"] == "Retain"
    assert properties["DeletionProtectionEnabled"] is True
    assert properties["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert [key["AttributeName"] for key in properties["KeySchema"]] == list(TABLE_KEYS)
    assert properties["BillingMode"] == "PAY_PER_REQUEST"


def test_each_queue_outlasts_its_function_and_gives_up_into_a_dead_letter_queue() -> None:
    timeouts = {f.queue: f.timeout for f in functions("prod") if f.queue}
    for queue, consumer in (("DigestQueue", "digests"), ("UploadQueue", "uploads")):
        properties = RESOURCES[queue]["Properties"]
        assert properties["VisibilityTimeout"] > timeouts[consumer]
        assert properties["RedrivePolicy"]["maxReceiveCount"] == MAX_RECEIVES
        dead = properties["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0]
        assert RESOURCES[dead]["Properties"]["MessageRetentionPeriod"] == 14 * 24 * 3600
        assert properties["SqsManagedSseEnabled"] is True


def test_every_queue_keeps_its_messages_14_days() -> None:
    queues = of_type("AWS::SQS::Queue")
    assert {"DigestQueue", "UploadQueue", "FailedRunsQueue", "MailEventsQueue"} <= set(queues)
    for name, queue in queues.items():
        assert queue["Properties"]["MessageRetentionPeriod"] == 14 * 24 * 3600, name
        assert queue["Properties"]["SqsManagedSseEnabled"] is True, name


def test_a_broken_trigger_pages_by_the_age_of_the_oldest_message() -> None:
    for queue, most in (("DigestQueue", 7200), ("UploadQueue", 3600)):
        properties = alarm_on(queue, "ApproximateAgeOfOldestMessage")
        assert properties["Statistic"] == "Maximum"
        assert properties["Threshold"] == most
    # the dead letters are what pages: a message there gave up after MAX_RECEIVES tries
    for queue in ("DigestDeadLetterQueue", "UploadDeadLetterQueue", "FailedRunsQueue"):
        properties = alarm_on(queue, "ApproximateNumberOfMessagesVisible")
        assert (properties["Threshold"], properties["ComparisonOperator"]) == (
            0, "GreaterThanThreshold"
        )  # fmt: skip
    # and nothing pages on a main queue's backlog (a transient error the back-off heals)
    for queue in ("DigestQueue", "UploadQueue"):
        assert not alarms_on(queue, "ApproximateNumberOfMessagesVisible")


def test_each_queue_trigger_runs_a_bounded_number_of_copies_and_nothing_reserves() -> None:
    mappings = of_type("AWS::Lambda::EventSourceMapping")
    most = {
        mapping["Properties"]["EventSourceArn"]["Fn::GetAtt"][0]: mapping["Properties"][
            "ScalingConfig"
        ]["MaximumConcurrency"]
        for mapping in mappings.values()
    }
    assert most == {"DigestQueue": {"Ref": "DigestConcurrency"}, "UploadQueue": 2}
    concurrency = TEMPLATE["Parameters"]["DigestConcurrency"]
    assert concurrency["MinValue"] >= 2  # the least MaximumConcurrency Lambda accepts
    assert concurrency["MinValue"] <= concurrency["Default"] <= concurrency["MaxValue"] <= 1000
    for function in of_type("AWS::Lambda::Function").values():
        assert "ReservedConcurrentExecutions" not in function["Properties"]


def test_a_scheduled_run_is_retried_as_its_function_allows_then_recorded() -> None:
    configs = of_type("AWS::Lambda::EventInvokeConfig")
    retries = {
        config["Properties"]["FunctionName"]["Ref"]: config["Properties"]["MaximumRetryAttempts"]
        for config in configs.values()
    }
    assert retries == {
        "WeeklyScanFunction": 1, "WeeklyRollupFunction": 1, "MonthlyRollupFunction": 1,
        "WeeklyWatchFunction": 0,
    }  # fmt: skip
    for config in configs.values():
        destination = config["Properties"]["DestinationConfig"]["OnFailure"]["Destination"]
        assert destination == {"Fn::GetAtt": ["FailedRunsQueue", "Arn"]}
        function = config["Properties"]["FunctionName"]["Ref"]
        role = RESOURCES[function]["Properties"]["Role"]["Fn::GetAtt"][0]
        (sends,) = [
            statement
            for statement in RESOURCES[role]["Properties"]["Policies"][0]["PolicyDocument"][
                "Statement"
            ]
            if statement["Resource"] == [destination]
        ]
        assert sends["Action"] == ["sqs:SendMessage"]  # Lambda sends it with this role


def test_throttles_and_a_scan_nearing_its_timeout_page() -> None:
    for name in of_type("AWS::Lambda::Function"):
        assert alarms_on(name, "Throttles"), name
    (scan,) = [f for f in functions("prod") if f.name == "weekly_scan"]
    duration = alarm_on("WeeklyScanFunction", "Duration")
    assert duration["Statistic"] == "Maximum"
    assert duration["Threshold"] == 0.8 * scan.timeout * 1000  # milliseconds


def test_the_alarm_topic_is_encrypted_with_a_key_cloudwatch_may_use() -> None:
    topic = RESOURCES["AlarmTopic"]["Properties"]
    assert topic["KmsMasterKeyId"] == {"Ref": "AlarmKey"}
    key = RESOURCES["AlarmKey"]["Properties"]
    assert key["EnableKeyRotation"] is True
    services = [
        statement
        for statement in key["KeyPolicy"]["Statement"]
        if "Service" in statement["Principal"]
    ]
    (publish,) = services
    assert "cloudwatch.amazonaws.com" in publish["Principal"]["Service"]
    assert set(publish["Action"]) == {"kms:Decrypt", "kms:GenerateDataKey*"}
    assert publish["Condition"]["StringEquals"]["aws:SourceAccount"] == {"Ref": "AWS::AccountId"}
    # and the account keeps the key manageable (a key no one may administer is lost)
    (admin,) = [s for s in key["KeyPolicy"]["Statement"] if s not in services]
    assert admin["Action"] == "kms:*"


def test_bounces_and_complaints_reach_the_queue_the_weekly_run_reads() -> None:
    destination = RESOURCES["MailEventsDestination"]["Properties"]
    assert destination["ConfigurationSetName"] == {"Ref": "MailConfigurationSet"}
    event = destination["EventDestination"]
    assert sorted(event["MatchingEventTypes"]) == ["bounce", "complaint"]
    assert event["SnsDestination"]["TopicARN"] == {"Ref": "MailEventsTopic"}
    topic = RESOURCES["MailEventsTopic"]["Properties"]
    assert topic["KmsMasterKeyId"] == {"Ref": "AlarmKey"}
    (ses_publishes,) = RESOURCES["MailEventsTopicPolicy"]["Properties"]["PolicyDocument"][
        "Statement"
    ]
    assert ses_publishes["Principal"] == {"Service": "ses.amazonaws.com"}
    key_users = {
        service
        for statement in RESOURCES["AlarmKey"]["Properties"]["KeyPolicy"]["Statement"]
        for service in statement["Principal"].get("Service", [])
    }
    assert "ses.amazonaws.com" in key_users  # SES encrypts what it publishes to the topic
    subscription = RESOURCES["MailEventsSubscription"]["Properties"]
    assert subscription["Endpoint"] == {"Fn::GetAtt": ["MailEventsQueue", "Arn"]}
    assert subscription["RawMessageDelivery"] is True
    (sns_sends,) = RESOURCES["MailEventsQueuePolicy"]["Properties"]["PolicyDocument"]["Statement"]
    assert sns_sends["Condition"] == {"ArnEquals": {"aws:SourceArn": {"Ref": "MailEventsTopic"}}}
    # every function sends through the configuration set; the weekly run reads the queue
    for function in of_type("AWS::Lambda::Function").values():
        variables = function["Properties"]["Environment"]["Variables"]
        assert variables["SES_CONFIGURATION_SET"] == "qungov-prod"
        assert variables["MAIL_EVENTS_QUEUE"] == {"Fn::Sub": "${MailEventsQueue.QueueName}"}


def test_the_sender_domain_is_an_identity_signed_with_dkim() -> None:
    identity = RESOURCES["SenderIdentity"]["Properties"]
    domain = {"Fn::Select": [1, {"Fn::Split": ["@", {"Ref": "SenderEmail"}]}]}
    assert identity["EmailIdentity"] == domain
    assert identity["DkimSigningAttributes"] == {"NextSigningKeyLength": "RSA_2048_BIT"}
    assert identity["ConfigurationSetAttributes"] == {
        "ConfigurationSetName": {"Ref": "MailConfigurationSet"}
    }
    # one identity per account and region: a second stack (make smoke) uses the existing one
    assert RESOURCES["SenderIdentity"]["Condition"] == "CreateSenderIdentity"
    assert TEMPLATE["Parameters"]["SenderDomainIdentity"]["Default"] == "create"
    assert TEMPLATE["Conditions"]["CreateSenderIdentity"] == {
        "Fn::Equals": [{"Ref": "SenderDomainIdentity"}, "create"]
    }


def test_a_template_for_smtp_names_no_ses_resource_and_no_configuration_set() -> None:
    smtp = build_template("prod", "deployment.zip", mail="smtp")
    kinds = {resource["Type"] for resource in smtp["Resources"].values()}
    assert not {kind for kind in kinds if kind.startswith("AWS::SES::")}
    assert "MailEventsQueue" in smtp["Resources"]  # the functions' environment names it
    assert "SenderDomainIdentity" not in smtp["Parameters"] and "Conditions" not in smtp
    for function in smtp["Resources"].values():
        if function["Type"] == "AWS::Lambda::Function":
            variables = function["Properties"]["Environment"]["Variables"]
            assert "SES_CONFIGURATION_SET" not in variables
            assert variables["MAIL_TRANSPORT"] == "smtp"
            assert variables["SMTP_HOST"] == {"Fn::Sub": "${SmtpHost}"}
            assert variables["SMTP_PASSWORD_PARAMETER"] == "/qungov/prod/smtp-password"
    # the server is the operator's to name; its password is no parameter of the template
    assert set(smtp["Parameters"]) >= {"SmtpHost", "SmtpPort", "SmtpSecurity", "SmtpUsername"}
    assert smtp["Parameters"]["SmtpSecurity"]["AllowedValues"] == ["tls", "starttls"]
    assert not any("assword" in name for name in smtp["Parameters"])
    operator = smtp["Outputs"]["OperatorEnvironment"]["Value"]["Fn::Sub"].split()
    assert {"MAIL_TRANSPORT=smtp", "SMTP_HOST=${SmtpHost}"} <= set(operator)
    assert "SMTP_PASSWORD_PARAMETER=/qungov/prod/smtp-password" in operator
    ses_variables = RESOURCES["SendDigestFunction"]["Properties"]["Environment"]["Variables"]
    assert "MAIL_TRANSPORT" not in ses_variables and "SMTP_HOST" not in ses_variables
    with pytest.raises(ValueError, match="sendgrid"):
        build_template("prod", "deployment.zip", mail="sendgrid")


def test_the_weekly_scan_gets_its_full_time_and_memory_in_every_stage() -> None:
    for stage in ("dev", "prod"):
        (scan,) = [f for f in functions(stage) if f.name == "weekly_scan"]
        assert (scan.timeout, scan.memory) == (900, 3008)


def test_every_function_has_its_role_its_log_group_and_an_alarm() -> None:
    functions_ = of_type("AWS::Lambda::Function")
    assert len(functions_) == len(ACCESS)
    roles = {f["Properties"]["Role"]["Fn::GetAtt"][0] for f in functions_.values()}
    assert len(roles) == len(functions_)
    alarmed = {
        dimension["Value"]["Ref"]
        for alarm in of_type("AWS::CloudWatch::Alarm").values()
        for dimension in alarm["Properties"]["Dimensions"]
        if dimension["Name"] == "FunctionName"
    }
    assert alarmed == set(functions_)
    for name, function in functions_.items():
        log_group = RESOURCES[function["DependsOn"]]
        assert log_group["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}
        assert function["Properties"]["Runtime"].startswith("python3.")
        assert name.removesuffix("Function") in function["DependsOn"]


def test_alarms_cover_dead_letters_errors_and_a_missed_weekly_run() -> None:
    alarms = of_type("AWS::CloudWatch::Alarm")
    assert {"DigestDeadLetterAlarm", "UploadDeadLetterAlarm", "WeeklyRunMissedAlarm"} <= set(alarms)
    for alarm in alarms.values():
        assert alarm["Properties"]["AlarmActions"] == [{"Ref": "AlarmTopic"}]
    subscription = RESOURCES["AlarmEmailSubscription"]["Properties"]
    assert subscription == {
        "TopicArn": {"Ref": "AlarmTopic"}, "Protocol": "email", "Endpoint": {"Ref": "AlarmEmail"}
    }  # fmt: skip
    # the watch runs after the scan, and fails when the week's run is missing
    schedules = {
        name: rule["Properties"]["ScheduleExpression"]
        for name, rule in of_type("AWS::Events::Rule").items()
    }
    assert schedules["WeeklyScanSchedule"] == "cron(0 0 ? * MON *)"  # 08:00 Asia/Shanghai
    assert schedules["WeeklyWatchSchedule"] == "cron(0 4 ? * MON *)"  # noon


def test_the_template_takes_its_parameters_and_names_no_partition() -> None:
    assert set(TEMPLATE["Parameters"]) == {
        "BucketName", "SenderEmail", "AlarmEmail", "DigestConcurrency", "LogRetentionDays",
        "SenderDomainIdentity",
    }  # fmt: skip
    text = json.dumps(TEMPLATE)
    assert "arn:aws:" not in text  # arn:${AWS::Partition}: also serves AWS China (aws-cn)
    assert "000000000000" not in text
    assert {"DataBucketName", "LedgerTableName", "DigestDeadLetterQueueUrl"} <= set(
        TEMPLATE["Outputs"]
    )


def test_an_unknown_stage_is_refused_rather_than_given_default_timeouts() -> None:
    with pytest.raises(ValueError, match="staging"):
        build_template("staging", "deployment.zip")


# -- the portal: its function, its API, what every function is told -------------------------

PORTAL_URL = "https://${PortalApi}.execute-api.${AWS::Region}.${AWS::URLSuffix}/api/portal/"


def test_the_portal_function_is_the_app_object_with_its_own_role_log_group_and_alarms() -> None:
    portal = RESOURCES["PortalFunction"]["Properties"]
    assert portal["FunctionName"] == "qungov-prod-portal"
    assert portal["Handler"] == "app.app"  # Chalice routes API Gateway's proxy events itself
    assert (portal["Runtime"], portal["MemorySize"], portal["Timeout"]) == (RUNTIME, 512, 30)
    assert portal["Role"] == {"Fn::GetAtt": ["PortalRole", "Arn"]}
    assert RESOURCES["PortalFunction"]["DependsOn"] == "PortalLogGroup"
    group = RESOURCES["PortalLogGroup"]["Properties"]
    assert group["LogGroupName"] == "/aws/lambda/qungov-prod-portal"
    assert alarm_on("PortalFunction", "Errors")["Threshold"] == 0
    assert alarm_on("PortalFunction", "Throttles")["Threshold"] == 0
    # a route's exception is Chalice's 500, not a Lambda error: the API's 5XX count pages
    (server_errors,) = [
        a["Properties"]
        for a in of_type("AWS::CloudWatch::Alarm").values()
        if a["Properties"]["MetricName"] == "5XXError"
    ]
    assert server_errors["Namespace"] == "AWS/ApiGateway"
    assert server_errors["Dimensions"] == [
        {"Name": "ApiName", "Value": "qungov-prod"}, {"Name": "Stage", "Value": "api"}
    ]  # fmt: skip
    assert server_errors["Threshold"] == 0
    assert server_errors["AlarmActions"] == [{"Ref": "AlarmTopic"}]
    # memory and timeout are the stage's (.chalice/config.json), in every stage
    for stage in ("dev", "smoke", "prod"):
        (api,) = [f for f in functions(stage) if f.api]
        assert (api.name, api.handler, api.memory, api.timeout) == ("portal", "app.app", 512, 30)


def test_every_path_and_method_of_the_regional_api_goes_to_the_portal_function() -> None:
    (api,) = of_type("AWS::ApiGateway::RestApi").values()
    assert api["Properties"]["Name"] == "qungov-prod"
    assert api["Properties"]["EndpointConfiguration"] == {"Types": ["REGIONAL"]}
    (proxy,) = of_type("AWS::ApiGateway::Resource").values()
    assert proxy["Properties"] == {
        "RestApiId": {"Ref": "PortalApi"},
        "ParentId": {"Fn::GetAtt": ["PortalApi", "RootResourceId"]},
        "PathPart": "{proxy+}",
    }
    methods = of_type("AWS::ApiGateway::Method")
    on = [method["Properties"]["ResourceId"] for method in methods.values()]
    assert len(on) == 2 and {"Ref": "PortalApiProxyResource"} in on
    assert {"Fn::GetAtt": ["PortalApi", "RootResourceId"]} in on  # `/` itself
    invocations = (
        "arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/"
        "${PortalFunction.Arn}/invocations"
    )
    for method in methods.values():
        properties = method["Properties"]
        assert (properties["HttpMethod"], properties["AuthorizationType"]) == ("ANY", "NONE")
        assert properties["Integration"] == {
            "Type": "AWS_PROXY", "IntegrationHttpMethod": "POST", "Uri": {"Fn::Sub": invocations}
        }  # fmt: skip
    # the deployment follows the methods (a new logical id when they change)
    ((deployment_id, deployment),) = of_type("AWS::ApiGateway::Deployment").items()
    assert sorted(deployment["DependsOn"]) == sorted(methods)
    assert deployment_id.startswith("PortalApiDeployment")


def test_the_stage_api_throttles_every_method_of_every_path() -> None:
    (stage,) = of_type("AWS::ApiGateway::Stage").values()
    properties = stage["Properties"]
    assert properties["StageName"] == STAGE_NAME == "api"
    (deployment,) = of_type("AWS::ApiGateway::Deployment")
    assert properties["DeploymentId"] == {"Ref": deployment}
    assert properties["MethodSettings"] == [
        {"ResourcePath": "/*", "HttpMethod": "*", "ThrottlingBurstLimit": 20,
         "ThrottlingRateLimit": 10}
    ]  # fmt: skip
    assert (THROTTLING_BURST_LIMIT, THROTTLING_RATE_LIMIT) == (20, 10)


def test_only_this_apis_stage_may_invoke_the_portal_function() -> None:
    permissions = [
        p["Properties"]
        for p in of_type("AWS::Lambda::Permission").values()
        if p["Properties"]["FunctionName"] == {"Ref": "PortalFunction"}
    ]
    assert permissions == [
        {
            "Action": "lambda:InvokeFunction",
            "FunctionName": {"Ref": "PortalFunction"},
            "Principal": "apigateway.amazonaws.com",
            "SourceArn": {
                "Fn::Sub": "arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:"
                "${PortalApi}/api/*"
            },
        }
    ]
    # and nothing else invokes it (no schedule, no queue)
    assert not [
        r for r in of_type("AWS::Lambda::EventSourceMapping").values()
        if r["Properties"]["FunctionName"] == {"Ref": "PortalFunction"}
    ]  # fmt: skip


def test_the_portal_url_is_an_output_and_every_function_knows_it_and_its_keys(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert TEMPLATE["Outputs"]["PortalUrl"]["Value"] == {"Fn::Sub": PORTAL_URL}
    assert all(route.startswith("/portal/") for route in app_module.app.routes)  # its path
    for name, function in of_type("AWS::Lambda::Function").items():
        variables = function["Properties"]["Environment"]["Variables"]
        assert variables["PORTAL_URL"] == {"Fn::Sub": PORTAL_URL}, name
        assert variables["PORTAL_KEY_PARAMETER"] == "/qungov/prod/portal-keys", name
    operator = TEMPLATE["Outputs"]["OperatorEnvironment"]["Value"]["Fn::Sub"]
    assert f"PORTAL_URL={PORTAL_URL}" in operator.split()
    assert "PORTAL_KEY_PARAMETER=/qungov/prod/portal-keys" in operator.split()
    # the names the settings read
    monkeypatch.setenv("PORTAL_URL", "https://x.example/api/portal/")
    monkeypatch.setenv("PORTAL_KEY_PARAMETER", "/qungov/prod/portal-keys")
    settings = Settings()
    assert settings.portal_url == "https://x.example/api/portal/"
    assert settings.portal_key_parameter == resource_names("prod")["portal_key_parameter"]


def test_the_template_has_no_dependency_cycle_and_the_api_depends_on_no_function() -> None:
    """Every function's environment names the API (its URL); the API's methods name the
    portal function: the RestApi itself must depend on nothing."""
    graph = {name: _dependencies(resource) for name, resource in RESOURCES.items()}
    assert graph["PortalApi"] == set()
    assert "PortalApi" in graph["WeeklyScanFunction"]
    assert "PortalFunction" in graph["PortalApiProxyMethod"]
    done: set[str] = set()
    while len(done) < len(graph):  # take whatever depends only on what is taken
        ready = {name for name, needs in graph.items() if name not in done and needs <= done}
        assert ready, f"a cycle among {sorted(set(graph) - done)}"
        done |= ready


def _dependencies(node: Any) -> set[str]:
    """The resources a resource refers to: Ref, Fn::GetAtt, ${…} of Fn::Sub, DependsOn."""
    found: set[str] = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "Ref" and value in RESOURCES:
                found.add(value)
            elif key == "Fn::GetAtt":
                found.add(value[0])
            elif key == "Fn::Sub":
                text = value if isinstance(value, str) else value[0]
                found |= {n.split(".")[0] for n in re.findall(r"\$\{([^}!]+)\}", text)}
            elif key == "DependsOn":
                found |= {value} if isinstance(value, str) else set(value)
            found |= _dependencies(value)
    elif isinstance(node, list):
        for value in node:
            found |= _dependencies(value)
    return found & set(RESOURCES)


def _role(function: str) -> list[dict[str, Any]]:
    logical = "".join(part.capitalize() for part in function.split("_"))
    return [
        statement
        for policy in RESOURCES[f"{logical}Role"]["Properties"]["Policies"]
        for statement in policy["PolicyDocument"]["Statement"]
    ]


def test_the_portal_role_reads_its_folders_writes_uploads_and_waivers_and_nothing_else() -> None:
    bucket = "arn:${AWS::Partition}:s3:::${BucketName}"
    granted = {action: statement for statement in _role("portal") for action in statement["Action"]}
    assert set(granted) == {
        "logs:CreateLogStream", "logs:PutLogEvents", "s3:ListBucket", "s3:GetObject",
        "s3:PutObject", "dynamodb:Scan", "dynamodb:Query", "dynamodb:GetItem",
        "dynamodb:PutItem", "ssm:GetParameter",
    }  # fmt: skip
    assert granted["s3:ListBucket"]["Condition"] == {
        "StringLike": {
            "s3:prefix": ["config/*", "rosters/*", "receipts/rosters/*", "posts/*",
                          "receipts/posts/*", "reports/*", "waivers/portal/*"]
        }
    }  # fmt: skip
    assert granted["s3:GetObject"]["Resource"] == [
        {"Fn::Sub": f"{bucket}/{prefix}*"}
        for prefix in ("config/", "receipts/rosters/", "receipts/posts/", "reports/")
    ]
    # the upload form (a presigned POST, signed with this role) and approved waivers only
    assert granted["s3:PutObject"]["Resource"] == [
        {"Fn::Sub": f"{bucket}/{prefix}*"} for prefix in ("rosters/", "posts/", "waivers/portal/")
    ]
    assert granted["dynamodb:PutItem"]["Resource"] == [{"Fn::GetAtt": ["LedgerTable", "Arn"]}]


def test_the_signing_keys_are_read_from_their_one_parameter_without_any_kms_grant() -> None:
    parameter = {
        "Fn::Sub": "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:"
        "parameter/qungov/prod/portal-keys"
    }
    readers = set()
    for function in ACCESS:
        for statement in _role(function):
            assert not any(a.startswith("kms:") for a in statement["Action"])  # aws/ssm's policy
            if any(a.startswith("ssm:") for a in statement["Action"]):
                assert statement == {
                    "Effect": "Allow", "Action": ["ssm:GetParameter"], "Resource": [parameter]
                }  # fmt: skip
                readers.add(function)
    # the portal, and the functions whose emails carry its signed links
    assert readers == {
        "portal",
        "weekly_scan",
        "weekly_rollup",
        "monthly_rollup",
        "validate_upload",
    }
    assert resource_names("prod")["portal_key_parameter"] == "/qungov/prod/portal-keys"


def test_with_smtp_the_key_of_the_topics_lets_no_ses_use_it() -> None:
    """Only SES publishes encrypted mail events; a template for SMTP (AWS China, a region
    without SES) has none, so its key lets CloudWatch alone use it."""
    smtp = build_template("prod", "deployment.zip", mail="smtp")
    services = {
        service
        for statement in smtp["Resources"]["AlarmKey"]["Properties"]["KeyPolicy"]["Statement"]
        for service in statement["Principal"].get("Service", [])
    }
    assert services == {"cloudwatch.amazonaws.com"}
