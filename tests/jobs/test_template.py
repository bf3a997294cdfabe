"""The template itself: cfn-lint, and the settings moto's CloudFormation ignores (encryption,
public access, versioning, lifecycle, notifications, queue policy, recovery, alarms), so
that tests/jobs/test_stack.py standing the stack up is not the only proof."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from chalicelib.core.layout import OUTBOX, QUARANTINE, RECEIPTS
from chalicelib.core.settings import TABLE_KEYS
from chalicelib.intake.catalogue import DATA_FOLDERS
from jobs.package import run_package
from jobs.template import ACCESS, MAX_RECEIVES, build_template, functions

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
            assert "SES_CONFIGURATION_SET" not in function["Properties"]["Environment"]["Variables"]
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
