"""The functions of the Chalice app (app.py), each with its role, log group, error alarm
and its schedule or queue; memory and timeouts per stage from `.chalice/config.json`."""

from __future__ import annotations

import json
from dataclasses import dataclass

from chalice.app import ScheduledEventConfig, SQSEventConfig

import app as chalice_app
from chalicelib.core.settings import AWS_NAME_VARIABLES, Settings
from jobs.template.alarms import alarm
from jobs.template.common import ROOT, Json, logical
from jobs.template.roles import role

RUNTIME = "python3.13"  # Amazon Linux 2023 (glibc 2.34); jobs/package.py builds for it


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


def functions_of_any_stage() -> list[Function]:
    """The functions with the longest timeouts any stage gives them (for the queues)."""
    config = json.loads((ROOT / ".chalice" / "config.json").read_text(encoding="utf-8"))
    stages = [functions(stage) for stage in config["stages"]]
    return [max(same, key=lambda f: f.timeout) for same in zip(*stages, strict=True)]


def function_resources(stage: str, function: Function, code: Json | str, mappings: bool) -> Json:
    own = logical(function.name)
    name = {"Fn::Sub": f"qungov-${{Stage}}-{function.name.replace('_', '-')}"}
    resources: Json = {
        f"{own}Role": role(function.name),
        f"{own}LogGroup": {
            "Type": "AWS::Logs::LogGroup",
            "Properties": {
                "LogGroupName": {"Fn::Sub": ["/aws/lambda/${Name}", {"Name": name}]},
                "RetentionInDays": {"Ref": "LogRetentionDays"},
            },
        },
        f"{own}Function": {
            "Type": "AWS::Lambda::Function",
            "DependsOn": f"{own}LogGroup",
            "Properties": {
                "FunctionName": name,
                "Runtime": RUNTIME,
                "Handler": f"app.{function.name}",
                "Code": code,
                "MemorySize": function.memory,
                "Timeout": function.timeout,
                "Role": {"Fn::GetAtt": [f"{own}Role", "Arn"]},
                "Environment": {"Variables": environment(stage)},
            },
        },
    }
    # the watch failing is the weekly run missing: its own alarm says so
    watch = function.name == "weekly_watch"
    resources["WeeklyRunMissedAlarm" if watch else f"{own}ErrorsAlarm"] = alarm(
        "the weekly run had not run by Monday noon (Asia/Shanghai)"
        if watch
        else f"{function.name} failed: see its log group",
        "AWS/Lambda",
        "Errors",
        {"FunctionName": {"Ref": f"{own}Function"}},
        period=3600 if watch else 300,
    )
    if function.schedule is not None:
        resources[f"{own}Schedule"] = {
            "Type": "AWS::Events::Rule",
            "Properties": {
                "ScheduleExpression": function.schedule,
                "State": "ENABLED",
                "Targets": [
                    {"Id": function.name, "Arn": {"Fn::GetAtt": [f"{own}Function", "Arn"]}}
                ],
            },
        }
        resources[f"{own}SchedulePermission"] = {
            "Type": "AWS::Lambda::Permission",
            "Properties": {
                "Action": "lambda:InvokeFunction",
                "FunctionName": {"Ref": f"{own}Function"},
                "Principal": "events.amazonaws.com",
                "SourceArn": {"Fn::GetAtt": [f"{own}Schedule", "Arn"]},
            },
        }
    if function.queue is not None:
        queue = "DigestQueue" if function.queue == "digests" else "UploadQueue"
        resources[f"{own}Messages"] = {
            "Type": "AWS::Lambda::EventSourceMapping",
            "Properties": {
                "EventSourceArn": {"Fn::GetAtt": [queue, "Arn"]},
                "FunctionName": {"Ref": f"{own}Function"},
                "BatchSize": 1,
                "Enabled": mappings,
            },
        }
    return resources


# Each AWS name the code reads (chalicelib/core/settings.py), as the stack knows it.
AWS_NAMES = {
    "data_bucket": "${BucketName}",
    "ledger_table": "${LedgerTable}",
    "digest_queue": "${DigestQueue.QueueName}",
    "upload_queue": "${UploadQueue.QueueName}",
    "sender_email": "${SenderEmail}",
}


def environment(stage: str) -> Json:
    return {
        **{AWS_NAME_VARIABLES[name]: {"Fn::Sub": value} for name, value in AWS_NAMES.items()},
        "POWERTOOLS_SERVICE_NAME": "qungov",
        "LOG_LEVEL": "INFO",
        "QUNGOV_STAGE": stage,
    }


def operator_environment() -> str:
    """The functions' AWS names as one line of VARIABLE=value, for an operator's shell."""
    pairs = [f"{AWS_NAME_VARIABLES[name]}={value}" for name, value in AWS_NAMES.items()]
    return " ".join([*pairs, "AWS_DEFAULT_REGION=${AWS::Region}"])
