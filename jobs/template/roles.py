"""One IAM role per function, allowing only what its code calls (`ACCESS`), on the stack's
own resources. tests/jobs/test_policy.py matches each grant to the code's calls."""

from __future__ import annotations

from chalicelib.aws.mailhealth import PK as MAIL_HEALTH_KEY
from chalicelib.core.layout import INVENTORY, OUTBOX, QUARANTINE, RECEIPTS, REPORTS
from chalicelib.core.settings import resource_names
from chalicelib.intake.catalogue import DATA_FOLDERS, POSTS, ROSTERS, UNITS
from chalicelib.portal.uploads import PORTAL_WAIVERS
from jobs.template.common import Json, arn

# What each function may do: (actions, resources). A resource is `objects:<prefix>` (a prefix
# of the bucket), `list:<prefix>` (listing keys under a prefix only), `top` (listing the
# top of the bucket, one level), `table`, `digests`, `uploads`, `mail-events` (the queues),
# `sender` (SES, for the configured sender and configuration set only), `portal-keys` or
# `smtp-password` (an SSM parameter, `resource_names(stage)`), `mail-health` (the table's
# MAILHEALTH items only).
# tests/jobs/test_policy.py matches the actions to the code's calls, tests/jobs/test_stack.py
# the listed prefixes to what each function lists on a stack.
Grant = tuple[tuple[str, ...], tuple[str, ...]]
DATA = " ".join(f"objects:{folder}/" for folder in DATA_FOLDERS)
LIST_DATA = " ".join(f"list:{folder}/" for folder in DATA_FOLDERS)
SQS_TRIGGER = "sqs:ReceiveMessage sqs:DeleteMessage sqs:GetQueueAttributes"  # Lambda polls


def grant(actions: str, resources: str) -> Grant:
    return tuple(actions.split()), tuple(resources.split())


# Reading the portal's signing keys, to sign the links an email carries (and, for the
# portal, to check them). Only ssm:GetParameter, on the one parameter: it is a SecureString
# under the AWS managed key `aws/ssm`, whose key policy already lets every principal of the
# account decrypt through Parameter Store (kms:ViaService ssm.<region>, kms:CallerAccount),
# so no kms:Decrypt is granted here. Encrypting the parameter with a customer managed key
# instead would need kms:Decrypt on that key, conditioned on kms:ViaService.
SIGNS_LINKS = grant("ssm:GetParameter", "portal-keys")
# Sending mail, as the template's provider needs (`mail_grants`): with SES, sending as the
# sender through the configuration set; with SMTP, reading the SMTP password (one SSM
# parameter). Either way, noting an address the provider refused for good: PutItem on the
# table's MAILHEALTH items only (`dynamodb:LeadingKeys`).
SENDS_MAIL = grant("mail:Send", "mail")
NOTES_REFUSALS = grant("dynamodb:PutItem", "mail-health")
ROLLUP = [
    grant("s3:ListBucket", f"list:config/ list:{INVENTORY}"),
    grant("s3:GetObject", f"objects:config/ objects:{INVENTORY} objects:{REPORTS}"),
    grant("s3:PutObject", f"objects:{REPORTS}"),
    grant("dynamodb:Scan dynamodb:Query dynamodb:GetItem dynamodb:UpdateItem", "table"),
    SENDS_MAIL,
    NOTES_REFUSALS,
    SIGNS_LINKS,
]
# <folder><platform>/<unit>/: where a unit's browser uploads member lists and post exports
UPLOAD_FOLDERS = (ROSTERS.prefix, POSTS.prefix)
UPLOADS = " ".join(f"list:{f} list:{RECEIPTS}{f}" for f in UPLOAD_FOLDERS)
UPLOAD_OBJECTS = " ".join(f"objects:{f}" for f in UPLOAD_FOLDERS)
UPLOAD_RECEIPTS = " ".join(f"objects:{RECEIPTS}{f}" for f in UPLOAD_FOLDERS)
ACCESS: dict[str, list[Grant]] = {
    "weekly_scan": [
        # receipts: S3 answers a read of a missing one 404 only to a role that may list there
        grant("s3:ListBucket", f"{LIST_DATA} list:{QUARANTINE} list:{RECEIPTS}"),
        grant("s3:ListBucket", "top"),  # what lies beside the data folders (misplaced files)
        grant("s3:GetObject", f"{DATA} objects:{RECEIPTS}"),  # receipts: rejected uploads
        grant("s3:PutObject", f"objects:{OUTBOX} objects:{INVENTORY}"),
        grant(
            "dynamodb:Scan dynamodb:Query dynamodb:GetItem dynamodb:PutItem dynamodb:UpdateItem",
            "table",
        ),
        grant("sqs:GetQueueUrl sqs:SendMessage", "digests"),
        grant("sqs:GetQueueUrl sqs:ReceiveMessage sqs:DeleteMessage", "mail-events"),
        SIGNS_LINKS,
    ],
    "send_digest": [
        grant("s3:GetObject", f"objects:{OUTBOX}"),
        grant("dynamodb:GetItem dynamodb:UpdateItem", "table"),
        SENDS_MAIL,
        NOTES_REFUSALS,
        grant(f"sqs:GetQueueUrl sqs:ChangeMessageVisibility {SQS_TRIGGER}", "digests"),
    ],
    "validate_upload": [
        # the unit list; the account register, which says whose a post export is; and every
        # data folder, as S3 answers a read of a missing upload (a replayed message after
        # the quarantine) with 404 only to a role that may list there, else 403
        grant("s3:ListBucket", LIST_DATA),
        grant("s3:GetObject s3:DeleteObject", DATA),
        grant("s3:PutObject", f"objects:{RECEIPTS} objects:{QUARANTINE} objects:{OUTBOX}"),
        # a quarantine copy of a version the unit replaced during the check is taken back
        grant("s3:DeleteObject", f"objects:{QUARANTINE}"),
        grant(SQS_TRIGGER, "uploads"),
        grant("sqs:GetQueueUrl sqs:SendMessage", "digests"),  # a rejected file's receipt
        SIGNS_LINKS,
    ],
    "weekly_rollup": ROLLUP,
    "monthly_rollup": ROLLUP,
    "weekly_watch": [grant("dynamodb:GetItem", "table")],
    # The portal (app.app behind API Gateway): reads the units, the unit's uploads and their
    # receipts, lists the rollups; writes only approved waivers (and lists them, to write one
    # whose write failed). Its upload form is an S3 presigned POST and a rollup's download a
    # presigned GET, both signed with this role, so S3 checks this role's s3:PutObject
    # (upload folders) and s3:GetObject (reports/).
    "portal": [
        grant(
            "s3:ListBucket",
            f"list:{UNITS.prefix} {UPLOADS} list:{REPORTS} list:{PORTAL_WAIVERS}",
        ),
        grant(
            "s3:GetObject",
            f"objects:{UNITS.prefix} {UPLOAD_RECEIPTS} objects:{REPORTS}",
        ),
        grant("s3:PutObject", f"{UPLOAD_OBJECTS} objects:{PORTAL_WAIVERS}"),
        # the ledger (Scan), its actions (Query, GetItem, PutItem), revocations (GetItem)
        grant("dynamodb:Scan dynamodb:Query dynamodb:GetItem dynamodb:PutItem", "table"),
        SIGNS_LINKS,
    ],
}


def mail_grants(mail: str) -> list[Grant]:
    if mail == "ses":
        return [grant("ses:SendRawEmail", "sender")]
    return [grant("ssm:GetParameter", "smtp-password")]


def access(name: str, mail: str) -> list[Grant]:
    """The function's grants in a template for `mail` (ses or smtp)."""
    grants: list[Grant] = []
    for each in ACCESS[name]:
        grants += mail_grants(mail) if each == SENDS_MAIL else [each]
    return grants


def role(name: str, stage: str, *, scheduled: bool = False, mail: str = "ses") -> Json:
    """The function's own role; a scheduled function may also send its failed runs to the
    failed-runs queue (Lambda does, with the function's role)."""
    log_group = f"log-group:/aws/lambda/qungov-{stage}-{name.replace('_', '-')}:*"
    statements: list[Json] = [
        {
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": arn(f"logs:${{AWS::Region}}:${{AWS::AccountId}}:{log_group}"),
        }
    ]
    if scheduled:
        statements.append(
            {
                "Effect": "Allow",
                "Action": ["sqs:SendMessage"],
                "Resource": [{"Fn::GetAtt": ["FailedRunsQueue", "Arn"]}],
            }
        )
    statements += [_statement(a, resources, stage) for a, resources in access(name, mail)]
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


def _statement(actions: tuple[str, ...], resources: tuple[str, ...], stage: str) -> Json:
    statement: Json = {"Effect": "Allow", "Action": list(actions)}
    bucket = arn("s3:::${BucketName}")
    if resources == ("top",):  # one level of the top: the data folders and what is beside them
        prefix = {"s3:prefix": "", "s3:delimiter": "/"}
        return statement | {"Resource": [bucket], "Condition": {"StringEquals": prefix}}
    if all(r.startswith("list:") for r in resources):
        prefixes = [f"{r.removeprefix('list:')}*" for r in resources]
        return statement | {
            "Resource": [bucket],
            "Condition": {"StringLike": {"s3:prefix": prefixes}},
        }
    parameters = {"portal-keys": "portal_key_parameter", "smtp-password": "smtp_password_parameter"}
    if len(resources) == 1 and resources[0] in parameters:  # /qungov/<stage>/…, one each
        name = resource_names(stage)[parameters[resources[0]]]
        parameter = arn(f"ssm:${{AWS::Region}}:${{AWS::AccountId}}:parameter{name}")
        return statement | {"Resource": [parameter]}
    if resources == ("mail-health",):
        only = {"ForAllValues:StringEquals": {"dynamodb:LeadingKeys": [MAIL_HEALTH_KEY]}}
        return statement | {"Resource": [resource("table")], "Condition": only}
    if resources == ("sender",):
        configuration_set = resource_names(stage)["ses_configuration_set"]
        ses = "ses:${AWS::Region}:${AWS::AccountId}"
        targets = [arn(f"{ses}:identity/*"), arn(f"{ses}:configuration-set/{configuration_set}")]
        sender = {"StringEquals": {"ses:FromAddress": {"Ref": "SenderEmail"}}}
        return statement | {"Resource": targets, "Condition": sender}
    return statement | {"Resource": [resource(each) for each in resources]}


def resource(resource: str) -> Json:
    if resource.startswith("objects:"):
        return arn(f"s3:::${{BucketName}}/{resource.removeprefix('objects:')}*")
    if resource == "table":
        return {"Fn::GetAtt": ["LedgerTable", "Arn"]}
    if resource in ("digests", "uploads"):
        return {"Fn::GetAtt": [f"{resource[:-1].capitalize()}Queue", "Arn"]}
    if resource == "mail-events":
        return {"Fn::GetAtt": ["MailEventsQueue", "Arn"]}
    raise ValueError(f"unknown resource {resource!r}")
