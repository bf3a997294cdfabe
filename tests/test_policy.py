"""The Lambda role allows exactly the AWS actions the deployed code calls, on named resources."""

from __future__ import annotations

import json
import re
from pathlib import Path

import botocore.session
from botocore import xform_name

ROOT = Path(__file__).resolve().parents[1]
SERVICES = ("s3", "dynamodb", "sqs", "ses")
# API operations whose IAM action has another name (or needs two actions).
IAM_ACTIONS = {
    "s3:ListObjectsV2": ("s3:ListBucket",),
    "s3:HeadObject": ("s3:GetObject",),
    "s3:CopyObject": ("s3:GetObject", "s3:PutObject"),
}
CLIENT_CALL = re.compile(r"\b(?:s3|dynamodb|sqs|ses|client)\.(\w+)\(")
PAGINATOR = re.compile(r"get_paginator\(\"(\w+)\"\)")


def policy_actions() -> set[str]:
    policy = json.loads((ROOT / ".chalice" / "policy.json").read_text(encoding="utf-8"))
    return {action for statement in policy["Statement"] for action in statement["Action"]}


def called_actions() -> set[str]:
    """`<service>:<Operation>` for every boto3 client method named in deployed code."""
    session = botocore.session.get_session()
    operations = {
        xform_name(name): f"{service}:{name}"
        for service in SERVICES
        for name in session.get_service_model(service).operation_names
    }
    names: set[str] = set()
    for path in [ROOT / "app.py", *sorted((ROOT / "chalicelib").rglob("*.py"))]:
        source = path.read_text(encoding="utf-8")
        names.update(CLIENT_CALL.findall(source), PAGINATOR.findall(source))
    boto_calls = {operations[name] for name in names if name in operations}
    return {action for call in boto_calls for action in IAM_ACTIONS.get(call, (call,))}


def test_every_aws_action_the_code_calls_is_allowed() -> None:
    assert called_actions() - policy_actions() == set()


def test_no_action_is_allowed_beyond_what_is_called_or_what_lambda_needs() -> None:
    lambda_needs = {"logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"}
    event_source_needs = {"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"}
    extra = policy_actions() - called_actions() - lambda_needs - event_source_needs

    assert extra == set()


def test_statements_name_their_resources() -> None:
    policy = json.loads((ROOT / ".chalice" / "policy.json").read_text(encoding="utf-8"))
    for statement in policy["Statement"]:
        assert "*" not in "".join(statement["Action"])
        resources = statement["Resource"]
        if resources == "*":  # SES identities: limited to the sender by a condition
            assert statement["Condition"]["StringEquals"]["ses:FromAddress"]
            continue
        for resource in [resources] if isinstance(resources, str) else resources:
            assert "qungov" in resource or resource.startswith("arn:aws:logs:")
