"""boto3 clients for the handlers and the command line, made when asked, never at import.

boto3 honours AWS_ENDPOINT_URL (and AWS_ENDPOINT_URL_<SERVICE>), so the same code runs
against AWS, a local endpoint, or moto."""

from __future__ import annotations

import boto3

from chalicelib.pipeline import Clients


def aws_clients(region: str | None = None) -> Clients:
    session = boto3.session.Session(region_name=region)
    return Clients(
        s3=session.client("s3"),
        dynamodb=session.client("dynamodb"),
        sqs=session.client("sqs"),
        ses=session.client("ses"),
    )
