"""The stack's Outputs: every name an operator needs, and the line that points
`python -m jobs` at this stack."""

from __future__ import annotations

from jobs.template.api import portal_outputs
from jobs.template.common import Json
from jobs.template.functions import operator_environment


def outputs(stage: str, mail: str = "ses") -> Json:
    values = {
        "DataBucketName": ({"Ref": "DataBucket"}, "the data bucket: units upload to it"),
        "LedgerTableName": ({"Ref": "LedgerTable"}, "the findings ledger and send log"),
        "DigestQueueUrl": ({"Ref": "DigestQueue"}, "one message per digest"),
        "DigestQueueName": ({"Fn::GetAtt": ["DigestQueue", "QueueName"]}, "its name"),
        "DigestDeadLetterQueueUrl": ({"Ref": "DigestDeadLetterQueue"}, "digests not sent"),
        "UploadQueueUrl": ({"Ref": "UploadQueue"}, "one message per upload"),
        "UploadQueueName": ({"Fn::GetAtt": ["UploadQueue", "QueueName"]}, "its name"),
        "UploadDeadLetterQueueUrl": ({"Ref": "UploadDeadLetterQueue"}, "uploads not checked"),
        "MailEventsQueueName": (
            {"Fn::GetAtt": ["MailEventsQueue", "QueueName"]},
            "bounces and complaints, read by the weekly run",
        ),
        "FailedRunsQueueUrl": ({"Ref": "FailedRunsQueue"}, "scheduled runs that failed"),
        "AlarmTopicArn": ({"Ref": "AlarmTopic"}, "alarms go here (and to AlarmEmail)"),
        "SenderEmail": ({"Ref": "SenderEmail"}, "verify it in SES before the first run"),
        "OperatorEnvironment": (
            {"Fn::Sub": operator_environment(stage, mail)},
            "`export` this to run python -m jobs weekly|rollup|portal against this stack",
        ),
    }
    return {
        **{
            key: {"Description": description, "Value": value}
            for key, (value, description) in values.items()
        },
        **portal_outputs(),
    }
