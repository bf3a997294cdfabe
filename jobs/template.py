"""The CloudFormation template of one stage: every resource qungov runs on.

Plain CloudFormation, not SAM: every function gets its own role, ARNs are built from
`${AWS::Partition}` (AWS China is `aws-cn`) and the stack's own resources, and the same
template stands up on moto in the tests. The functions, their schedules and queues come
from the Chalice app (app.py); their memory and timeouts from `.chalice/config.json`; the
names from chalicelib/core/settings.py; what each function may do from `ACCESS` below."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chalice.app import ScheduledEventConfig, SQSEventConfig

import app as chalice_app
from chalicelib.core.layout import INVENTORY, OUTBOX, QUARANTINE, RECEIPTS, REPORTS
from chalicelib.core.settings import (
    AWS_NAME_VARIABLES,
    TABLE_KEYS,
    Settings,
    dead_letter_queue,
    resource_names,
)
from chalicelib.intake.catalogue import DATA_FOLDERS

ROOT = Path(__file__).resolve().parents[1]
RUNTIME = "python3.13"  # Amazon Linux 2023 (glibc 2.34); jobs/package.py builds for it
MAX_RECEIVES = 5  # a message delivered this often without success goes to its dead letters
LOG_RETENTION_DAYS = 90
LOG_RETENTION_CHOICES = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1827, 3653]
EMAIL_PATTERN = r"[^@\s]+@[^@\s]+\.[^@\s]+"  # one plain address, no display name
Json = dict[str, Any]

# What each function may do: (actions, resources). A resource is `bucket`, `objects:<prefix>`
# (a prefix of the bucket), `table`, `digests`, `uploads` (the queues) or `sender` (SES,
# for the configured sender only). tests/jobs/test_policy.py matches them to the code's calls.
Grant = tuple[tuple[str, ...], tuple[str, ...]]
DATA = " ".join(f"objects:{folder}/" for folder in DATA_FOLDERS)
SQS_TRIGGER = "sqs:ReceiveMessage sqs:DeleteMessage sqs:GetQueueAttributes"  # Lambda polls


def _grant(actions: str, resources: str) -> Grant:
    return tuple(actions.split()), tuple(resources.split())


ROLLUP = [
    _grant("s3:ListBucket", "bucket"),
    _grant("s3:GetObject", f"objects:config/ objects:{INVENTORY} objects:{REPORTS}"),
    _grant("s3:PutObject", f"objects:{REPORTS}"),
    _grant("dynamodb:Scan dynamodb:Query dynamodb:GetItem dynamodb:UpdateItem", "table"),
    _grant("ses:SendRawEmail", "sender"),
]
ACCESS: dict[str, list[Grant]] = {
    "weekly_scan": [
        _grant("s3:ListBucket", "bucket"),
        _grant("s3:GetObject", f"{DATA} objects:{RECEIPTS}"),  # receipts: rejected uploads
        _grant("s3:PutObject", f"objects:{OUTBOX} objects:{INVENTORY}"),
        _grant(
            "dynamodb:Scan dynamodb:Query dynamodb:GetItem dynamodb:PutItem dynamodb:UpdateItem",
            "table",
        ),
        _grant("sqs:GetQueueUrl sqs:SendMessage", "digests"),
    ],
    "send_digest": [
        _grant("s3:GetObject", f"objects:{OUTBOX}"),
        _grant("dynamodb:GetItem dynamodb:UpdateItem", "table"),
        _grant("ses:SendRawEmail", "sender"),
        _grant(f"sqs:GetQueueUrl sqs:ChangeMessageVisibility {SQS_TRIGGER}", "digests"),
    ],
    "validate_upload": [
        _grant("s3:ListBucket", "bucket"),
        _grant("s3:GetObject s3:DeleteObject", DATA),
        _grant("s3:PutObject", f"objects:{RECEIPTS} objects:{QUARANTINE} objects:{OUTBOX}"),
        _grant(SQS_TRIGGER, "uploads"),
        _grant("sqs:GetQueueUrl sqs:SendMessage", "digests"),  # a rejected file's receipt
    ],
    "weekly_rollup": ROLLUP,
    "monthly_rollup": ROLLUP,
    "weekly_watch": [_grant("dynamodb:GetItem", "table")],
}


@dataclass(frozen=True)
class Function:
    name: str  # the Chalice handler's name
    memory: int
    timeout: int
    schedule: str | None = None  # a schedule expression
    queue: str | None = None  # `digests` or `uploads`


def functions(stage: str) -> list[Function]:
    """The app's functions, with the stage's memory and timeouts (.chalice/config.json)."""
    config = json.loads((ROOT / ".chalice" / "config.json").read_text(encoding="utf-8"))
    if stage not in config["stages"]:
        known = ", ".join(config["stages"])
        raise ValueError(f"stage {stage!r} is not in .chalice/config.json (known: {known})")
    per_function = config["stages"][stage].get("lambda_functions", {})
    queues = {Settings.model_fields[f"{q}_queue"].default: f"{q}s" for q in ("digest", "upload")}
    found = []
    for source in chalice_app.app.event_sources:
        own = per_function.get(source.name, {})
        memory = own.get("lambda_memory_size", config["lambda_memory_size"])
        timeout = own.get("lambda_timeout", config["lambda_timeout"])
        if isinstance(source, ScheduledEventConfig):
            expression = source.schedule_expression
            schedule = expression if isinstance(expression, str) else expression.to_string()
            found.append(Function(source.name, memory, timeout, schedule=schedule))
        elif isinstance(source, SQSEventConfig):
            found.append(Function(source.name, memory, timeout, queue=queues[source.queue]))
    return found


def build_template(stage: str, code: Json | str, *, event_mappings: bool = True) -> Json:
    """The template of `stage`. `code` is the functions' Code: a local zip path (for `aws
    cloudformation package`) or an S3 location. Without `event_mappings` the queues feed
    no function (a test drives the handlers itself)."""
    names = resource_names(stage)
    resources: Json = {
        **_storage(names),
        **_queues(names),
        **_alarm_topic(),
    }
    outputs: Json = {}
    for function in functions(stage):
        resources.update(_function(stage, function, code, event_mappings))
        outputs[f"{_logical(function.name)}Function"] = {
            "Description": f"the {function.name} Lambda function",
            "Value": {"Ref": f"{_logical(function.name)}Function"},
        }
    resources.update(_dead_letter_alarms())
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": f"qungov ({stage}): chat-group compliance checks on AWS Lambda",
        "Parameters": _parameters(stage),
        "Resources": resources,
        "Outputs": {**_outputs(), **outputs},
    }


def _parameters(stage: str) -> Json:
    return {
        "Stage": {"Type": "String", "Default": stage, "AllowedPattern": "[a-z0-9-]+"},
        "BucketName": {
            "Type": "String",
            "Description": "the data bucket (globally unique), e.g. qungov-data-<college>-prod",
            "AllowedPattern": "[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]",
        },
        "SenderEmail": {
            "Type": "String",
            "Description": "the From address of every email (verify it in SES first)",
            "AllowedPattern": EMAIL_PATTERN,
        },
        "AlarmEmail": {
            "Type": "String",
            "Description": "who is told when something fails",
            "AllowedPattern": EMAIL_PATTERN,
        },
        "LogRetentionDays": {
            "Type": "Number",
            "Default": LOG_RETENTION_DAYS,
            "AllowedValues": LOG_RETENTION_CHOICES,  # what CloudWatch Logs accepts
        },
    }


def _storage(names: dict[str, str]) -> Json:
    uploads = [
        {
            "Event": "s3:ObjectCreated:*",
            "Queue": {"Fn::GetAtt": ["UploadQueue", "Arn"]},
            "Filter": {"S3Key": {"Rules": [{"Name": "prefix", "Value": f"{folder}/"}]}},
        }
        for folder in DATA_FOLDERS
    ]
    expire = [(QUARANTINE, 180), (OUTBOX, 400)]  # rejected uploads; rendered digests
    return {
        "DataBucket": {
            "Type": "AWS::S3::Bucket",
            "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain",
            "DependsOn": "UploadQueuePolicy",  # S3 checks it may send before it saves this
            "Properties": {
                "BucketName": {"Ref": "BucketName"},
                "BucketEncryption": {
                    "ServerSideEncryptionConfiguration": [
                        {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}
                    ]
                },
                "PublicAccessBlockConfiguration": {
                    "BlockPublicAcls": True,
                    "BlockPublicPolicy": True,
                    "IgnorePublicAcls": True,
                    "RestrictPublicBuckets": True,
                },
                "VersioningConfiguration": {"Status": "Enabled"},
                "LifecycleConfiguration": {
                    "Rules": [
                        *(
                            {
                                "Id": f"expire-{prefix.strip('/')}",
                                "Status": "Enabled",
                                "Prefix": prefix,
                                "ExpirationInDays": days,
                            }
                            for prefix, days in expire
                        ),
                        {
                            "Id": "expire-old-versions",
                            "Status": "Enabled",
                            "NoncurrentVersionExpiration": {"NoncurrentDays": 90},
                        },
                    ]
                },
                "NotificationConfiguration": {"QueueConfigurations": uploads},
            },
        },
        "LedgerTable": {
            "Type": "AWS::DynamoDB::Table",
            "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain",
            "Properties": {
                "TableName": names["ledger_table"],
                "BillingMode": "PAY_PER_REQUEST",
                "AttributeDefinitions": [
                    {"AttributeName": key, "AttributeType": "S"} for key in TABLE_KEYS
                ],
                "KeySchema": [
                    {"AttributeName": key, "KeyType": kind}
                    for key, kind in zip(TABLE_KEYS, ("HASH", "RANGE"), strict=True)
                ],
                "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
                "SSESpecification": {"SSEEnabled": True},
            },
        },
    }


def visibility_timeout(queue: str) -> int:
    """Of the `digests` or `uploads` queue: AWS asks for 6 × its function's timeout, so that
    retries fit (the longest timeout any stage gives that function)."""
    return 6 * max(f.timeout for f in functions_of_any_stage() if f.queue == queue)


def _queues(names: dict[str, str]) -> Json:
    resources: Json = {}
    for queue, name in (("Digest", names["digest_queue"]), ("Upload", names["upload_queue"])):
        resources[f"{queue}DeadLetterQueue"] = {
            "Type": "AWS::SQS::Queue",
            "Properties": {
                "QueueName": dead_letter_queue(name),
                "MessageRetentionPeriod": 1209600,  # 14 days, the most SQS keeps
                "SqsManagedSseEnabled": True,
            },
        }
        resources[f"{queue}Queue"] = {
            "Type": "AWS::SQS::Queue",
            "Properties": {
                "QueueName": name,
                "VisibilityTimeout": visibility_timeout(f"{queue.lower()}s"),
                "SqsManagedSseEnabled": True,
                "RedrivePolicy": {
                    "deadLetterTargetArn": {"Fn::GetAtt": [f"{queue}DeadLetterQueue", "Arn"]},
                    "maxReceiveCount": MAX_RECEIVES,
                },
            },
        }
    resources["UploadQueuePolicy"] = {
        "Type": "AWS::SQS::QueuePolicy",
        "Properties": {
            "Queues": [{"Ref": "UploadQueue"}],
            "PolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Sid": "DataBucketNotifications",
                        "Effect": "Allow",
                        "Principal": {"Service": "s3.amazonaws.com"},
                        "Action": "sqs:SendMessage",
                        "Resource": {"Fn::GetAtt": ["UploadQueue", "Arn"]},
                        "Condition": {
                            "ArnEquals": {"aws:SourceArn": _arn("s3:::${BucketName}")},
                            "StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}},
                        },
                    }
                ],
            },
        },
    }
    return resources


def functions_of_any_stage() -> list[Function]:
    """The functions with the longest timeouts any stage gives them (for the queues)."""
    config = json.loads((ROOT / ".chalice" / "config.json").read_text(encoding="utf-8"))
    stages = [functions(stage) for stage in config["stages"]]
    return [max(same, key=lambda f: f.timeout) for same in zip(*stages, strict=True)]


def _function(stage: str, function: Function, code: Json | str, mappings: bool) -> Json:
    logical = _logical(function.name)
    name = {"Fn::Sub": f"qungov-${{Stage}}-{function.name.replace('_', '-')}"}
    resources: Json = {
        f"{logical}Role": _role(function),
        f"{logical}LogGroup": {
            "Type": "AWS::Logs::LogGroup",
            "Properties": {
                "LogGroupName": {"Fn::Sub": ["/aws/lambda/${Name}", {"Name": name}]},
                "RetentionInDays": {"Ref": "LogRetentionDays"},
            },
        },
        f"{logical}Function": {
            "Type": "AWS::Lambda::Function",
            "DependsOn": f"{logical}LogGroup",
            "Properties": {
                "FunctionName": name,
                "Runtime": RUNTIME,
                "Handler": f"app.{function.name}",
                "Code": code,
                "MemorySize": function.memory,
                "Timeout": function.timeout,
                "Role": {"Fn::GetAtt": [f"{logical}Role", "Arn"]},
                "Environment": {"Variables": _environment(stage)},
            },
        },
    }
    # the watch failing is the weekly run missing: its own alarm says so
    watch = function.name == "weekly_watch"
    resources["WeeklyRunMissedAlarm" if watch else f"{logical}ErrorsAlarm"] = _alarm(
        "the weekly run had not run by Monday noon (Asia/Shanghai)"
        if watch
        else f"{function.name} failed: see its log group",
        "AWS/Lambda",
        "Errors",
        {"FunctionName": {"Ref": f"{logical}Function"}},
        period=3600 if watch else 300,
    )
    if function.schedule is not None:
        resources[f"{logical}Schedule"] = {
            "Type": "AWS::Events::Rule",
            "Properties": {
                "ScheduleExpression": function.schedule,
                "State": "ENABLED",
                "Targets": [
                    {"Id": function.name, "Arn": {"Fn::GetAtt": [f"{logical}Function", "Arn"]}}
                ],
            },
        }
        resources[f"{logical}SchedulePermission"] = {
            "Type": "AWS::Lambda::Permission",
            "Properties": {
                "Action": "lambda:InvokeFunction",
                "FunctionName": {"Ref": f"{logical}Function"},
                "Principal": "events.amazonaws.com",
                "SourceArn": {"Fn::GetAtt": [f"{logical}Schedule", "Arn"]},
            },
        }
    if function.queue is not None:
        queue = "DigestQueue" if function.queue == "digests" else "UploadQueue"
        resources[f"{logical}Messages"] = {
            "Type": "AWS::Lambda::EventSourceMapping",
            "Properties": {
                "EventSourceArn": {"Fn::GetAtt": [queue, "Arn"]},
                "FunctionName": {"Ref": f"{logical}Function"},
                "BatchSize": 1,
                "Enabled": mappings,
            },
        }
    return resources


def _role(function: Function) -> Json:
    statements = [
        {
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": _arn(
                "logs:${AWS::Region}:${AWS::AccountId}:log-group:/aws/lambda/qungov-${Stage}-"
                + function.name.replace("_", "-")
                + ":*"
            ),
        }
    ]
    for actions, resources in ACCESS[function.name]:
        statement: Json = {
            "Effect": "Allow",
            "Action": list(actions),
            "Resource": [_resource(resource) for resource in resources],
        }
        if resources == ("sender",):
            statement["Condition"] = {"StringEquals": {"ses:FromAddress": {"Ref": "SenderEmail"}}}
        statements.append(statement)
    return {
        "Type": "AWS::IAM::Role",
        "Properties": {
            "AssumeRolePolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": "lambda.amazonaws.com"},
                        "Action": "sts:AssumeRole",
                    }
                ],
            },
            "Policies": [
                {
                    "PolicyName": f"{function.name}-least-privilege",
                    "PolicyDocument": {"Version": "2012-10-17", "Statement": statements},
                }
            ],
        },
    }


def _resource(resource: str) -> Json:
    if resource == "bucket":
        return _arn("s3:::${BucketName}")
    if resource.startswith("objects:"):
        return _arn(f"s3:::${{BucketName}}/{resource.removeprefix('objects:')}*")
    if resource == "table":
        return {"Fn::GetAtt": ["LedgerTable", "Arn"]}
    if resource in ("digests", "uploads"):
        return {"Fn::GetAtt": [f"{resource[:-1].capitalize()}Queue", "Arn"]}
    if resource == "sender":
        return _arn("ses:${AWS::Region}:${AWS::AccountId}:identity/*")
    raise ValueError(f"unknown resource {resource!r}")


def _arn(rest: str) -> Json:
    return {"Fn::Sub": f"arn:${{AWS::Partition}}:{rest}"}


# Each AWS name the code reads (chalicelib/core/settings.py), as the stack knows it.
_AWS_NAMES = {
    "data_bucket": "${BucketName}",
    "ledger_table": "${LedgerTable}",
    "digest_queue": "${DigestQueue.QueueName}",
    "upload_queue": "${UploadQueue.QueueName}",
    "sender_email": "${SenderEmail}",
}


def _environment(stage: str) -> Json:
    return {
        **{AWS_NAME_VARIABLES[name]: {"Fn::Sub": value} for name, value in _AWS_NAMES.items()},
        "POWERTOOLS_SERVICE_NAME": "qungov",
        "LOG_LEVEL": "INFO",
        "QUNGOV_STAGE": stage,
    }


def _alarm_topic() -> Json:
    return {
        "AlarmTopic": {
            "Type": "AWS::SNS::Topic",
            "Properties": {"TopicName": {"Fn::Sub": "qungov-${Stage}-alarms"}},
        },
        "AlarmEmailSubscription": {
            "Type": "AWS::SNS::Subscription",
            "Properties": {
                "TopicArn": {"Ref": "AlarmTopic"},
                "Protocol": "email",
                "Endpoint": {"Ref": "AlarmEmail"},
            },
        },
    }


def _dead_letter_alarms() -> Json:
    return {
        f"{queue}DeadLetterAlarm": _alarm(
            f"messages in the {queue.lower()} dead-letter queue: see the README's runbook",
            "AWS/SQS",
            "ApproximateNumberOfMessagesVisible",
            {"QueueName": {"Fn::GetAtt": [f"{queue}DeadLetterQueue", "QueueName"]}},
            period=300,
            statistic="Maximum",
        )
        for queue in ("Digest", "Upload")
    }


def _alarm(
    description: str,
    namespace: str,
    metric: str,
    dimensions: Json,
    *,
    period: int,
    statistic: str = "Sum",
) -> Json:
    return {
        "Type": "AWS::CloudWatch::Alarm",
        "Properties": {
            "AlarmDescription": {"Fn::Sub": f"qungov ${{Stage}}: {description}"},
            "Namespace": namespace,
            "MetricName": metric,
            "Dimensions": [{"Name": name, "Value": value} for name, value in dimensions.items()],
            "Statistic": statistic,
            "Period": period,
            "EvaluationPeriods": 1,
            "Threshold": 0,
            "ComparisonOperator": "GreaterThanThreshold",
            "TreatMissingData": "notBreaching",
            "AlarmActions": [{"Ref": "AlarmTopic"}],
        },
    }


def _outputs() -> Json:
    values = {
        "DataBucketName": ({"Ref": "DataBucket"}, "the data bucket: units upload to it"),
        "LedgerTableName": ({"Ref": "LedgerTable"}, "the findings ledger and send log"),
        "DigestQueueUrl": ({"Ref": "DigestQueue"}, "one message per digest"),
        "DigestQueueName": ({"Fn::GetAtt": ["DigestQueue", "QueueName"]}, "its name"),
        "DigestDeadLetterQueueUrl": ({"Ref": "DigestDeadLetterQueue"}, "digests not sent"),
        "UploadQueueUrl": ({"Ref": "UploadQueue"}, "one message per upload"),
        "UploadQueueName": ({"Fn::GetAtt": ["UploadQueue", "QueueName"]}, "its name"),
        "UploadDeadLetterQueueUrl": ({"Ref": "UploadDeadLetterQueue"}, "uploads not checked"),
        "AlarmTopicArn": ({"Ref": "AlarmTopic"}, "alarms go here (and to AlarmEmail)"),
        "SenderEmail": ({"Ref": "SenderEmail"}, "verify it in SES before the first run"),
        "OperatorEnvironment": (
            {"Fn::Sub": _operator_environment()},
            "`export` this to run python -m jobs weekly|rollup against this stack",
        ),
    }
    return {
        key: {"Description": description, "Value": value}
        for key, (value, description) in values.items()
    }


def _operator_environment() -> str:
    """The functions' AWS names as one line of VARIABLE=value, for an operator's shell."""
    pairs = [f"{AWS_NAME_VARIABLES[name]}={value}" for name, value in _AWS_NAMES.items()]
    return " ".join([*pairs, "AWS_DEFAULT_REGION=${AWS::Region}"])


def _logical(name: str) -> str:
    """`weekly_scan` -> `WeeklyScan`, a CloudFormation logical id."""
    return "".join(part.capitalize() for part in name.split("_"))
