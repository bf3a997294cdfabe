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

from chalicelib.core.layout import OUTBOX, QUARANTINE
from chalicelib.core.settings import TABLE_KEYS
from chalicelib.intake.catalogue import DATA_FOLDERS
from jobs.package import run_package
from jobs.template import ACCESS, MAX_RECEIVES, build_template, functions

TEMPLATE = build_template("prod", "deployment.zip")
RESOURCES: dict[str, Any] = TEMPLATE["Resources"]


def of_type(kind: str) -> dict[str, Any]:
    return {name: r for name, r in RESOURCES.items() if r["Type"] == kind}


def test_cfn_lint_passes_in_aws_and_aws_china(tmp_path: Path) -> None:
    assert run_package("prod", tmp_path, with_code=False) == 0
    lint = Path(sys.executable).with_name("cfn-lint")
    result = subprocess.run(
        [str(lint), "--regions", "us-east-1", "ap-east-1", "cn-north-1", "cn-northwest-1",
         # W3002: Code is the local deployment.zip, for `aws cloudformation package`
         "--ignore-checks", "W3002", "--", str(tmp_path / "template.json")],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_data_bucket_is_private_encrypted_versioned_and_kept() -> None:
    bucket = RESOURCES["DataBucket"]
    properties = bucket["Properties"]
    assert bucket["DeletionPolicy"] == bucket["UpdateReplacePolicy"] == "Retain"
    assert properties["BucketName"] == {"Ref": "BucketName"}
    assert all(properties["PublicAccessBlockConfiguration"].values())
    assert len(properties["PublicAccessBlockConfiguration"]) == 4
    (encryption,) = properties["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert encryption["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    assert properties["VersioningConfiguration"] == {"Status": "Enabled"}


def test_rejected_uploads_and_rendered_digests_expire_and_nothing_else_does() -> None:
    rules = RESOURCES["DataBucket"]["Properties"]["LifecycleConfiguration"]["Rules"]
    expiring = {rule["Prefix"]: rule["ExpirationInDays"] for rule in rules if "Prefix" in rule}
    assert set(expiring) == {QUARANTINE, OUTBOX}
    assert all(days >= 30 for days in expiring.values())
    (versions,) = [rule for rule in rules if "NoncurrentVersionExpiration" in rule]
    assert "Prefix" not in versions  # old versions of every object are dropped in time


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
    assert table["DeletionPolicy"] == "Retain"
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


def test_the_template_takes_the_four_parameters_and_names_no_partition() -> None:
    assert {"Stage", "BucketName", "SenderEmail", "AlarmEmail"} <= set(TEMPLATE["Parameters"])
    text = json.dumps(TEMPLATE)
    assert "arn:aws:" not in text  # arn:${AWS::Partition}: also serves AWS China (aws-cn)
    assert "000000000000" not in text
    assert {"DataBucketName", "LedgerTableName", "DigestDeadLetterQueueUrl"} <= set(
        TEMPLATE["Outputs"]
    )


def test_an_unknown_stage_is_refused_rather_than_given_default_timeouts() -> None:
    with pytest.raises(ValueError, match="staging"):
        build_template("staging", "deployment.zip")
