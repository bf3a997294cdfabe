"""Each Lambda function's role allows the AWS actions its code calls, and nothing more.

The code a function runs is its handler in app.py (the portal's: every route's) and every
chalicelib module that reaches, by import; the calls are the boto3 client methods named in
that code, and the requests it presigns (made by the browser, with the function's role). What a
role allows is read from the template (jobs/template/roles.py). tests/jobs/test_stack.py checks the
other way round at run time: every call a handler made on the stack was allowed."""

from __future__ import annotations

import ast
import fnmatch
import re
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any

import botocore.session
import pytest
from botocore import xform_name

from chalicelib.core.layout import RECEIPTS
from chalicelib.intake.catalogue import DATA_FOLDERS
from jobs.handlers import handler_imports
from jobs.template import ACCESS, build_template, functions

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("s3", "dynamodb", "sqs", "ses", "ssm")
# API operations whose IAM action has another name (or needs two actions).
IAM_ACTIONS = {
    "s3:ListObjectsV2": ("s3:ListBucket",),
    "s3:HeadObject": ("s3:GetObject",),
    "s3:CopyObject": ("s3:GetObject", "s3:PutObject"),
}
CLIENT_CALL = re.compile(r"\b(?:s3|dynamodb|sqs|ses|ssm|client)\.(\w+)\(")
PAGINATOR = re.compile(r"get_paginator\(\"(\w+)\"\)")
# A presigned request is made by the browser, with the signer's (the function's) rights: a
# presigned POST uploads an object (s3:PutObject); a presigned URL does its operation.
PRESIGNED_POST = re.compile(r"\bgenerate_presigned_post\(")
PRESIGNED_URL = re.compile(r"\bgenerate_presigned_url\(\s*\"(\w+)\"")
# What Lambda itself does with a function's role: write its logs, poll its queue.
LAMBDA_NEEDS = {"logs:CreateLogStream", "logs:PutLogEvents"}
SQS_TRIGGER = {"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"}
# Calls a function's modules hold that its own code never makes: not granted, and why.
NOT_CALLED = {
    "weekly_watch": (
        {"dynamodb:Scan", "dynamodb:Query", "dynamodb:PutItem"},
        "it reads one run record (DynamoLedger.run); the store's other methods are the weekly run's",
    ),
    "send_digest": (
        {"dynamodb:Query"},
        "the worker claims and records one send; listing a period's sends is the rollups'",
    ),
}
SIGNS_LINKS = {"ssm:GetParameter"}  # the link signers and the portal read the keys
TEMPLATES = {mail: build_template("prod", "deployment.zip", mail=mail) for mail in ("ses", "smtp")}
TEMPLATE = TEMPLATES["ses"]
# What the code of both providers holds, but only one provider's template grants: SES sends;
# the SMTP transport reads its password (ssm:GetParameter, also the link signers' grant).
OTHER_PROVIDER = {"ses": {"ssm:GetParameter"}, "smtp": {"ses:SendRawEmail"}}


def iam_actions(calls: Iterable[str]) -> set[str]:
    """`<service>:<Operation>` calls as the IAM actions they need."""
    return {action for call in calls for action in IAM_ACTIONS.get(call, (call,))}


FAILED_RUNS = [{"Fn::GetAtt": ["FailedRunsQueue", "Arn"]}]  # Lambda's destination, not code


def statements(template: dict[str, Any], function: str) -> list[dict[str, Any]]:
    logical = "".join(part.capitalize() for part in function.split("_"))
    role = template["Resources"][f"{logical}Role"]["Properties"]
    return [s for policy in role["Policies"] for s in policy["PolicyDocument"]["Statement"]]


def role_actions(template: dict[str, Any], function: str) -> set[str]:
    """What the role lets the function's code do (not what Lambda does with it: sending a
    scheduled run that failed to the failed-runs queue)."""
    return {
        action
        for statement in statements(template, function)
        if statement["Resource"] != FAILED_RUNS
        for action in statement["Action"]
    }


@cache
def operations() -> dict[str, str]:
    session = botocore.session.get_session()
    return {
        xform_name(name): f"{service}:{name}"
        for service in SERVICES
        for name in session.get_service_model(service).operation_names
    }


def code_of(function: str) -> set[Path]:
    """The files a function runs: app.py and the chalicelib modules its handler reaches
    (app.py's imports it uses, and those it imports when it first runs)."""
    imports = handler_imports(function)
    return {ROOT / "app.py", *_closure(set(imports.shared | imports.own))}


def called_by(function: str) -> set[str]:
    calls = (_calls_in(path.read_text(encoding="utf-8")) for path in code_of(function))
    return iam_actions(call for found in calls for call in found)


@pytest.mark.parametrize("mail", sorted(TEMPLATES))
@pytest.mark.parametrize("function", sorted(ACCESS))
def test_a_role_allows_every_call_its_function_makes(function: str, mail: str) -> None:
    not_called, _ = NOT_CALLED.get(function, (set(), ""))
    allowed = role_actions(TEMPLATES[mail], function) | OTHER_PROVIDER[mail]
    assert called_by(function) - not_called - allowed == set()


@pytest.mark.parametrize("mail", sorted(TEMPLATES))
@pytest.mark.parametrize("function", sorted(ACCESS))
def test_a_role_allows_nothing_its_function_does_not_call(function: str, mail: str) -> None:
    role = role_actions(TEMPLATES[mail], function)
    assert role - called_by(function) - LAMBDA_NEEDS - SQS_TRIGGER == set()


def test_with_smtp_only_the_senders_read_its_password_and_no_role_names_ses() -> None:
    smtp = TEMPLATES["smtp"]
    password = {"Fn::Sub": "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}"
                ":parameter/qungov/prod/smtp-password"}  # fmt: skip
    readers = {f for f in ACCESS for s in statements(smtp, f) if password in _list(s["Resource"])}
    assert readers == {"send_digest", "weekly_rollup", "monthly_rollup"}
    assert not any(a.startswith("ses:") for f in ACCESS for a in role_actions(smtp, f))
    assert not any(
        password in _list(s["Resource"]) for f in ACCESS for s in statements(TEMPLATE, f)
    )


def _list(resource: Any) -> list[Any]:
    return resource if isinstance(resource, list) else [resource]


def test_the_senders_may_write_only_the_mail_health_items_of_the_table() -> None:
    for function in ("send_digest", "weekly_rollup", "monthly_rollup"):
        (put,) = [s for s in statements(TEMPLATE, function) if "dynamodb:PutItem" in s["Action"]]
        leading = put["Condition"]["ForAllValues:StringEquals"]["dynamodb:LeadingKeys"]
        assert (put["Action"], leading) == (["dynamodb:PutItem"], ["MAILHEALTH"])


def test_only_the_link_signers_and_the_portal_read_the_signing_keys() -> None:
    readers = {f for f in ACCESS if any(a.startswith("ssm:") for a in role_actions(TEMPLATE, f))}
    signers = {"weekly_scan", "weekly_rollup", "monthly_rollup", "validate_upload", "portal"}
    assert readers == signers
    assert all(called_by(f) >= SIGNS_LINKS for f in signers)


def test_presigned_requests_count_as_the_calls_the_browser_makes_with_them() -> None:
    """The portal signs an upload form and a download link: S3 checks the signer's role."""
    source = (ROOT / "chalicelib" / "aws" / "presign.py").read_text(encoding="utf-8")
    assert _calls_in(source) == {"s3:PutObject", "s3:GetObject"}
    assert {"s3:PutObject", "s3:GetObject"} <= called_by("portal")


def test_the_upload_validator_cannot_send_email_and_the_sender_cannot_delete() -> None:
    assert not any(a.startswith("ses:") for a in role_actions(TEMPLATE, "validate_upload"))
    assert not any("Delete" in a for a in role_actions(TEMPLATE, "send_digest") - SQS_TRIGGER)


def test_statements_name_their_resources_with_the_partition_of_the_region() -> None:
    for function in ACCESS:
        logical = "".join(part.capitalize() for part in function.split("_"))
        role = TEMPLATE["Resources"][f"{logical}Role"]["Properties"]
        for statement in role["Policies"][0]["PolicyDocument"]["Statement"]:
            assert "*" not in "".join(statement["Action"])
            resources = statement["Resource"]
            for resource in resources if isinstance(resources, list) else [resources]:
                text = str(resource)
                assert "arn:aws:" not in text  # arn:${AWS::Partition}: serves AWS China too
                assert "${AWS::Partition}" in text or "Fn::GetAtt" in text, text
            if any(action.startswith("ses:") for action in statement["Action"]):
                assert statement["Condition"]["StringEquals"]["ses:FromAddress"]


def _closure(modules: set[str]) -> set[Path]:
    """The files of `modules` and of every chalicelib module they import, at any depth."""
    files: set[Path] = set()
    todo = list(modules)
    while todo:
        path = _path(todo.pop())
        if path is None or path in files:
            continue
        files.add(path)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("chalicelib"):
                todo.append(str(node.module))
                todo += [f"{node.module}.{alias.name}" for alias in node.names]
            elif isinstance(node, ast.Import):
                todo += [a.name for a in node.names if a.name.startswith("chalicelib")]
    return files


def _path(module: str) -> Path | None:
    base = ROOT / Path(*module.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def test_only_chalicelib_aws_calls_aws() -> None:
    """The pipeline, rollups, uploads and the rest reach AWS through chalicelib/aws/."""
    outside = [p for p in (ROOT / "chalicelib").rglob("*.py") if "aws" not in p.parts]
    calls = {
        path.relative_to(ROOT).as_posix(): found
        for path in outside
        if (found := _calls_in(path.read_text(encoding="utf-8")))
    }
    assert calls == {}


def _calls_in(source: str) -> set[str]:
    names = set(CLIENT_CALL.findall(source)) | set(PAGINATOR.findall(source))
    names |= set(PRESIGNED_URL.findall(source))
    presigned_post = {"s3:PutObject"} if PRESIGNED_POST.search(source) else set()
    return {operations()[name] for name in names if name in operations()} | presigned_post


@pytest.mark.parametrize("function", sorted(ACCESS))
def test_only_a_scheduled_function_may_send_its_failed_runs_and_only_there(function: str) -> None:
    scheduled = {f.name for f in functions("prod") if f.schedule is not None}
    destination = [s for s in statements(TEMPLATE, function) if s["Resource"] == FAILED_RUNS]
    if function in scheduled:
        assert [s["Action"] for s in destination] == [["sqs:SendMessage"]]
    else:
        assert destination == []


def test_listing_is_limited_to_the_prefixes_each_function_lists() -> None:
    """Every s3:ListBucket statement is conditioned on s3:prefix (tests/jobs/test_stack.py
    checks the prefixes against what each function lists on a stack)."""
    for function in ACCESS:
        for statement in statements(TEMPLATE, function):
            if "s3:ListBucket" in statement["Action"]:
                condition = statement["Condition"]
                prefixes = [
                    v
                    for values in condition.values()
                    for k, v in values.items()
                    if k == "s3:prefix"
                ]
                assert prefixes, (function, statement)


# S3 answers a read (GetObject, HeadObject) of a key that is not there with 404 NoSuchKey
# only to a caller that may list the bucket where the key would be; anyone else gets 403
# AccessDenied, which the code does not take for "gone". Where a function's code expects a
# missing object (it catches NoSuchKey/404), its role must list that prefix.
EXPECTS_MISSING = {
    # uploads.validate_upload: the upload already quarantined or deleted (a replayed
    # message) is nothing to do (S3Objects.stat -> None, S3Source.read -> SourceFileGone)
    "validate_upload": [f"{folder}/" for folder in DATA_FOLDERS],
    # intake.rejections: a quarantined file without its receipt gets a default reason
    "weekly_scan": [RECEIPTS],
}


@pytest.mark.parametrize("function", sorted(EXPECTS_MISSING))
def test_a_function_that_expects_an_object_gone_may_list_where_it_would_be(function: str) -> None:
    patterns = [
        pattern
        for statement in statements(TEMPLATE, function)
        if "s3:ListBucket" in statement["Action"]
        for pattern in statement["Condition"].get("StringLike", {}).get("s3:prefix", [])
    ]
    for prefix in EXPECTS_MISSING[function]:
        key = f"{prefix}unit/file.csv"
        assert any(fnmatch.fnmatchcase(key, pattern) for pattern in patterns), (function, prefix)
