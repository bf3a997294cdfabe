"""One IAM role per function, allowing only what its code calls (`ACCESS`), on the stack's
own resources. tests/jobs/test_policy.py matches each grant to the code's calls."""

from __future__ import annotations

from chalicelib.core.layout import INVENTORY, OUTBOX, QUARANTINE, RECEIPTS, REPORTS
from chalicelib.intake.catalogue import DATA_FOLDERS
from jobs.template.common import Json, arn

# What each function may do: (actions, resources). A resource is `bucket`, `objects:<prefix>`
# (a prefix of the bucket), `table`, `digests`, `uploads` (the queues) or `sender` (SES,
# for the configured sender only). tests/jobs/test_policy.py matches them to the code's calls.
Grant = tuple[tuple[str, ...], tuple[str, ...]]
DATA = " ".join(f"objects:{folder}/" for folder in DATA_FOLDERS)
SQS_TRIGGER = "sqs:ReceiveMessage sqs:DeleteMessage sqs:GetQueueAttributes"  # Lambda polls


def grant(actions: str, resources: str) -> Grant:
    return tuple(actions.split()), tuple(resources.split())


ROLLUP = [
    grant("s3:ListBucket", "bucket"),
    grant("s3:GetObject", f"objects:config/ objects:{INVENTORY} objects:{REPORTS}"),
    grant("s3:PutObject", f"objects:{REPORTS}"),
    grant("dynamodb:Scan dynamodb:Query dynamodb:GetItem dynamodb:UpdateItem", "table"),
    grant("ses:SendRawEmail", "sender"),
]
ACCESS: dict[str, list[Grant]] = {
    "weekly_scan": [
        grant("s3:ListBucket", "bucket"),
        grant("s3:GetObject", f"{DATA} objects:{RECEIPTS}"),  # receipts: rejected uploads
        grant("s3:PutObject", f"objects:{OUTBOX} objects:{INVENTORY}"),
        grant(
            "dynamodb:Scan dynamodb:Query dynamodb:GetItem dynamodb:PutItem dynamodb:UpdateItem",
            "table",
        ),
        grant("sqs:GetQueueUrl sqs:SendMessage", "digests"),
    ],
    "send_digest": [
        grant("s3:GetObject", f"objects:{OUTBOX}"),
        grant("dynamodb:GetItem dynamodb:UpdateItem", "table"),
        grant("ses:SendRawEmail", "sender"),
        grant(f"sqs:GetQueueUrl sqs:ChangeMessageVisibility {SQS_TRIGGER}", "digests"),
    ],
    "validate_upload": [
        grant("s3:ListBucket", "bucket"),
        grant("s3:GetObject s3:DeleteObject", DATA),
        grant("s3:PutObject", f"objects:{RECEIPTS} objects:{QUARANTINE} objects:{OUTBOX}"),
        grant(SQS_TRIGGER, "uploads"),
        grant("sqs:GetQueueUrl sqs:SendMessage", "digests"),  # a rejected file's receipt
    ],
    "weekly_rollup": ROLLUP,
    "monthly_rollup": ROLLUP,
    "weekly_watch": [grant("dynamodb:GetItem", "table")],
}


def role(name: str) -> Json:
    statements = [
        {
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": arn(
                "logs:${AWS::Region}:${AWS::AccountId}:log-group:/aws/lambda/qungov-${Stage}-"
                + name.replace("_", "-")
                + ":*"
            ),
        }
    ]
    for actions, resources in ACCESS[name]:
        statement: Json = {
            "Effect": "Allow",
            "Action": list(actions),
            "Resource": [resource(each) for each in resources],
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
                    "PolicyName": f"{name}-least-privilege",
                    "PolicyDocument": {"Version": "2012-10-17", "Statement": statements},
                }
            ],
        },
    }


def resource(resource: str) -> Json:
    if resource == "bucket":
        return arn("s3:::${BucketName}")
    if resource.startswith("objects:"):
        return arn(f"s3:::${{BucketName}}/{resource.removeprefix('objects:')}*")
    if resource == "table":
        return {"Fn::GetAtt": ["LedgerTable", "Arn"]}
    if resource in ("digests", "uploads"):
        return {"Fn::GetAtt": [f"{resource[:-1].capitalize()}Queue", "Arn"]}
    if resource == "sender":
        return arn("ses:${AWS::Region}:${AWS::AccountId}:identity/*")
    raise ValueError(f"unknown resource {resource!r}")
