"""boto3 clients for the handlers and the command line, made when asked, never at import.

boto3 honours AWS_ENDPOINT_URL (and AWS_ENDPOINT_URL_<SERVICE>), so the same code runs
against AWS, a local endpoint, or moto."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import boto3
from botocore.config import Config

# SES is called exactly once per attempt: botocore would otherwise resend a message whose
# answer timed out (it may have been accepted), and the send log decides what to retry.
SES_CONFIG = Config(retries={"mode": "standard", "max_attempts": 1})


# Signature version 4 everywhere, presigned URLs and POSTs included (botocore would sign
# those the legacy way in us-east-1; AWS China accepts only version 4).
S3_CONFIG = Config(signature_version="s3v4")


@dataclass(frozen=True)
class Clients:
    """boto3 clients, made by the caller (handler or command line), never at import."""

    s3: Any
    dynamodb: Any
    sqs: Any
    ses: Any
    ssm: Any = None  # the portal's keys (Parameter Store)


def aws_clients(region: str | None = None) -> Clients:
    session = boto3.session.Session(region_name=region)
    return Clients(
        s3=session.client("s3", config=S3_CONFIG),
        dynamodb=session.client("dynamodb"),
        sqs=session.client("sqs"),
        ses=session.client("ses", config=SES_CONFIG),
        ssm=session.client("ssm"),
    )
