"""The functions of the Chalice app (app.py), each with its role, log group, error alarm
and its schedule or queue, and the API function (the portal: the app object itself, behind
API Gateway, jobs/template/api.py); memory and timeouts per stage from `.chalice/config.json`."""

from __future__ import annotations

import json
from dataclasses import dataclass

from chalice.app import ScheduledEventConfig, SQSEventConfig

import app as chalice_app
from chalicelib.core.settings import AWS_NAME_VARIABLES, Settings, resource_names
from jobs.handlers import API_FUNCTION
from jobs.template.alarms import alarm
from jobs.template.api import PORTAL_URL
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
    api: bool = False  # the app's routes, behind API Gateway

    @property
    def handler(self) -> str:
        """What Lambda calls: the handler, or for the API the app object (Chalice routes
        API Gateway's proxy events itself)."""
        return "app.app" if self.api else f"app.{self.name}"


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
    if chalice_app.app.routes:
        own = per_function.get(API_FUNCTION, {})
        memory = own.get("lambda_memory_size", config["lambda_memory_size"])
        timeout = own.get("lambda_timeout", config["lambda_timeout"])
        found.append(Function(API_FUNCTION, memory, timeout, api=True))
    return found


def functions_of_any_stage() -> list[Function]:
    """The functions with the longest timeouts any stage gives them (for the queues)."""
    config = json.loads((ROOT / ".chalice" / "config.json").read_text(encoding="utf-8"))
    stages = [functions(stage) for stage in config["stages"]]
    return [max(same, key=lambda f: f.timeout) for same in zip(*stages, strict=True)]


RETRIES = {"weekly_watch": 0}  # a scheduled run retried once, the watch never (it only reads)
UPLOAD_CONCURRENCY = 2  # uploads checked at once: a unit's folder of files, a few at a time


def function_resources(
    stage: str, function: Function, code: Json | str, mappings: bool, mail: str
) -> Json:
    own = logical(function.name)
    name = f"qungov-{stage}-{function.name.replace('_', '-')}"
    scheduled = function.schedule is not None
    resources: Json = {
        f"{own}Role": role(function.name, stage, scheduled=scheduled, mail=mail),
        f"{own}LogGroup": {
            "Type": "AWS::Logs::LogGroup",
            "Properties": {
                "LogGroupName": f"/aws/lambda/{name}",
                "RetentionInDays": {"Ref": "LogRetentionDays"},
            },
        },
        f"{own}Function": {
            "Type": "AWS::Lambda::Function",
            "DependsOn": f"{own}LogGroup",
            "Properties": {
                "FunctionName": name,
                "Runtime": RUNTIME,
                "Handler": function.handler,
                "Code": code,
                "MemorySize": function.memory,
                "Timeout": function.timeout,
                "Role": {"Fn::GetAtt": [f"{own}Role", "Arn"]},
                "Environment": {"Variables": environment(stage, mail)},
            },
        },
        f"{own}ThrottlesAlarm": alarm(
            f"{function.name} was throttled: the account's concurrency is used up",
            "AWS/Lambda",
            "Throttles",
            {"FunctionName": {"Ref": f"{own}Function"}},
            period=300,
        ),
    }
    if scheduled:
        resources.update(_scheduled(own, function))
    if function.api:  # a crash, a timeout (a route's exception is a 500: the API's alarm)
        resources[f"{own}ErrorsAlarm"] = _errors_alarm(own, function)
    if function.queue is not None:
        queue = "DigestQueue" if function.queue == "digests" else "UploadQueue"
        most = {"Ref": "DigestConcurrency"} if function.queue == "digests" else UPLOAD_CONCURRENCY
        resources[f"{own}Messages"] = {
            "Type": "AWS::Lambda::EventSourceMapping",
            "Properties": {
                "EventSourceArn": {"Fn::GetAtt": [queue, "Arn"]},
                "FunctionName": {"Ref": f"{own}Function"},
                "BatchSize": 1,
                "Enabled": mappings,
                "ScalingConfig": {"MaximumConcurrency": most},
            },
        }
    return resources


def _scheduled(own: str, function: Function) -> Json:
    """A scheduled function: its rule and permission; one retry (none for the watch), then
    the failed-runs queue (alarmed); its errors alarmed (the watch's error is the weekly run
    missing); the weekly scan's duration alarmed as it nears its timeout."""
    watch = function.name == "weekly_watch"
    resources: Json = {
        f"{own}Schedule": {
            "Type": "AWS::Events::Rule",
            "Properties": {
                "ScheduleExpression": function.schedule,
                "State": "ENABLED",
                "Targets": [
                    {"Id": function.name, "Arn": {"Fn::GetAtt": [f"{own}Function", "Arn"]}}
                ],
            },
        },
        f"{own}SchedulePermission": {
            "Type": "AWS::Lambda::Permission",
            "Properties": {
                "Action": "lambda:InvokeFunction",
                "FunctionName": {"Ref": f"{own}Function"},
                "Principal": "events.amazonaws.com",
                "SourceArn": {"Fn::GetAtt": [f"{own}Schedule", "Arn"]},
            },
        },
        f"{own}InvokeConfig": {
            "Type": "AWS::Lambda::EventInvokeConfig",
            "Properties": {
                "FunctionName": {"Ref": f"{own}Function"},
                "Qualifier": "$LATEST",
                "MaximumRetryAttempts": RETRIES.get(function.name, 1),
                "DestinationConfig": {
                    "OnFailure": {"Destination": {"Fn::GetAtt": ["FailedRunsQueue", "Arn"]}}
                },
            },
        },
        "WeeklyRunMissedAlarm" if watch else f"{own}ErrorsAlarm": _errors_alarm(
            own,
            function,
            "the weekly run had not run by Monday noon (Asia/Shanghai)" if watch else "",
            period=3600 if watch else 300,
        ),
    }
    if function.name == "weekly_scan":
        resources[f"{own}DurationAlarm"] = alarm(
            f"{function.name} ran over 80% of its {function.timeout} s timeout: it is outgrowing it",
            "AWS/Lambda",
            "Duration",
            {"FunctionName": {"Ref": f"{own}Function"}},
            period=3600,
            statistic="Maximum",
            threshold=0.8 * function.timeout * 1000,
        )
    return resources


# Each AWS name the code reads (chalicelib/core/settings.py), as the stack knows it.
AWS_NAMES = {
    "data_bucket": "${BucketName}",
    "ledger_table": "${LedgerTable}",
    "digest_queue": "${DigestQueue.QueueName}",
    "upload_queue": "${UploadQueue.QueueName}",
    "sender_email": "${SenderEmail}",
    "mail_events_queue": "${MailEventsQueue.QueueName}",
}


# With SMTP, the server from the template's parameters (jobs/template/mail.py).
SMTP_VARIABLES = {
    "SMTP_HOST": "${SmtpHost}",
    "SMTP_PORT": "${SmtpPort}",
    "SMTP_SECURITY": "${SmtpSecurity}",
    "SMTP_USERNAME": "${SmtpUsername}",
}
PORTAL_URL_VARIABLE = "PORTAL_URL"  # Settings.portal_url: the base of the emails' links


def portal_names(stage: str) -> dict[str, str]:
    """Each function's portal settings (Fn::Sub strings): the portal's URL (the links it
    signs, or serves) and the SSM parameter of the signing keys (made by `make deploy`:
    CloudFormation cannot create a SecureString)."""
    return {
        PORTAL_URL_VARIABLE: PORTAL_URL,
        AWS_NAME_VARIABLES["portal_key_parameter"]: resource_names(stage)["portal_key_parameter"],
    }


def environment(stage: str, mail: str) -> Json:
    """What every function is told: the stack's names and the portal's; with SES, its
    configuration set (whose bounce events the weekly run reads); with SMTP, the server
    and the name of its password's parameter."""
    given = {**portal_names(stage), **mail_names(stage, mail)}
    return {
        **{AWS_NAME_VARIABLES[name]: {"Fn::Sub": value} for name, value in AWS_NAMES.items()},
        **{v: {"Fn::Sub": s} if "${" in s else s for v, s in given.items()},
        "POWERTOOLS_SERVICE_NAME": "qungov",
        "LOG_LEVEL": "INFO",
        "QUNGOV_STAGE": stage,
    }


def mail_names(stage: str, mail: str) -> dict[str, str]:
    """The mail provider's settings (Fn::Sub strings): SES's configuration set, or the
    SMTP server and the name of its password's parameter."""
    names = resource_names(stage)
    if mail == "ses":
        return {AWS_NAME_VARIABLES["ses_configuration_set"]: names["ses_configuration_set"]}
    password = AWS_NAME_VARIABLES["smtp_password_parameter"]
    return {"MAIL_TRANSPORT": "smtp", **SMTP_VARIABLES, password: names["smtp_password_parameter"]}


def operator_environment(stage: str, mail: str = "ses") -> str:
    """The functions' AWS names, the portal's and the mail provider's as one line of
    VARIABLE=value, for an operator's shell (python -m jobs weekly|rollup|portal)."""
    pairs = [f"{AWS_NAME_VARIABLES[name]}={value}" for name, value in AWS_NAMES.items()]
    given = {**portal_names(stage), **mail_names(stage, mail)}
    pairs += [f"{variable}={value}" for variable, value in given.items()]
    return " ".join([*pairs, "AWS_DEFAULT_REGION=${AWS::Region}"])


def _errors_alarm(own: str, function: Function, why: str = "", period: int = 300) -> Json:
    """The function's `Errors` alarm: a crash, a timeout, a failed run."""
    return alarm(
        why or f"{function.name} failed: see its log group",
        "AWS/Lambda",
        "Errors",
        {"FunctionName": {"Ref": f"{own}Function"}},
        period=period,
    )
