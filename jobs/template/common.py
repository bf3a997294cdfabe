"""What every part of the template shares: the JSON type, ARNs in the stack's partition,
logical ids and the stack's parameters."""

from __future__ import annotations

from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
LOG_RETENTION_DAYS = 90
LOG_RETENTION_CHOICES = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1827, 3653]
EMAIL_PATTERN = r"[^@\s]+@[^@\s]+\.[^@\s]+"  # one plain address, no display name
Json = dict[str, Any]


def parameters() -> Json:
    """What an operator gives each deployment. The stage is not one: every name of a stage
    is fixed when its template is built (`make package STAGE=…`)."""
    return {
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
        "DigestConcurrency": {
            "Type": "Number",
            "Default": 5,
            "MinValue": 2,  # what an SQS trigger's MaximumConcurrency allows at least
            "MaxValue": 50,
            "Description": "digests sent at once: near the mail provider's rate per second",
        },
        "LogRetentionDays": {
            "Type": "Number",
            "Default": LOG_RETENTION_DAYS,
            "AllowedValues": LOG_RETENTION_CHOICES,  # what CloudWatch Logs accepts
        },
    }


def arn(rest: str) -> Json:
    return {"Fn::Sub": f"arn:${{AWS::Partition}}:{rest}"}


def logical(name: str) -> str:
    """`weekly_scan` -> `WeeklyScan`, a CloudFormation logical id."""
    return "".join(part.capitalize() for part in name.split("_"))
