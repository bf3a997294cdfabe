"""The digest and upload queues, each with its dead-letter queue, and who may send to the
upload queue (the data bucket's notifications)."""

from __future__ import annotations

from chalicelib.core.settings import dead_letter_queue
from jobs.template.common import Json, arn
from jobs.template.functions import functions_of_any_stage

MAX_RECEIVES = 5  # a message delivered this often without success goes to its dead letters


def visibility_timeout(queue: str) -> int:
    """Of the `digests` or `uploads` queue: AWS asks for 6 × its function's timeout, so that
    retries fit (the longest timeout any stage gives that function)."""
    return 6 * max(f.timeout for f in functions_of_any_stage() if f.queue == queue)


def queues(names: dict[str, str]) -> Json:
    resources: Json = {}
    for queue, name in (("Digest", names["digest_queue"]), ("Upload", names["upload_queue"])):
        resources[f"{queue}DeadLetterQueue"] = {
            "Type": "AWS::SQS::Queue",
            "Properties": {
                "QueueName": dead_letter_queue(name),
                "MessageRetentionPeriod": 1209600,  # 14 days, the most SQS keeps
                "SqsManagedSseEnabled": True,
            },
        }
        resources[f"{queue}Queue"] = {
            "Type": "AWS::SQS::Queue",
            "Properties": {
                "QueueName": name,
                "VisibilityTimeout": visibility_timeout(f"{queue.lower()}s"),
                "SqsManagedSseEnabled": True,
                "RedrivePolicy": {
                    "deadLetterTargetArn": {"Fn::GetAtt": [f"{queue}DeadLetterQueue", "Arn"]},
                    "maxReceiveCount": MAX_RECEIVES,
                },
            },
        }
    resources["UploadQueuePolicy"] = {
        "Type": "AWS::SQS::QueuePolicy",
        "Properties": {
            "Queues": [{"Ref": "UploadQueue"}],
            "PolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Sid": "DataBucketNotifications",
                        "Effect": "Allow",
                        "Principal": {"Service": "s3.amazonaws.com"},
                        "Action": "sqs:SendMessage",
                        "Resource": {"Fn::GetAtt": ["UploadQueue", "Arn"]},
                        "Condition": {
                            "ArnEquals": {"aws:SourceArn": arn("s3:::${BucketName}")},
                            "StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}},
                        },
                    }
                ],
            },
        },
    }
    return resources
