"""The queues: digests and uploads, each with its dead-letter queue and alarms; the
scheduled functions' failed runs; who may send to the upload queue (the data bucket)."""

from __future__ import annotations

from chalicelib.core.settings import dead_letter_queue
from jobs.template.alarms import alarm
from jobs.template.common import Json, arn
from jobs.template.functions import functions_of_any_stage

MAX_RECEIVES = 5  # a message delivered this often without success goes to its dead letters
RETENTION = 14 * 24 * 3600  # the most SQS keeps: a broken trigger loses nothing for 2 weeks
OLDEST_AGE = {"Digest": 2 * 3600, "Upload": 3600}  # seconds: waiting longer, a trigger is broken


def visibility_timeout(queue: str) -> int:
    """Of the `digests` or `uploads` queue: AWS asks for 6 × its function's timeout, so that
    retries fit (the longest timeout any stage gives that function)."""
    return 6 * max(f.timeout for f in functions_of_any_stage() if f.queue == queue)


def queues(names: dict[str, str]) -> Json:
    resources: Json = {}
    for queue, name in (("Digest", names["digest_queue"]), ("Upload", names["upload_queue"])):
        resources[f"{queue}DeadLetterQueue"] = sqs_queue(dead_letter_queue(name))
        resources[f"{queue}Queue"] = sqs_queue(
            name,
            VisibilityTimeout=visibility_timeout(f"{queue.lower()}s"),
            RedrivePolicy={
                "deadLetterTargetArn": {"Fn::GetAtt": [f"{queue}DeadLetterQueue", "Arn"]},
                "maxReceiveCount": MAX_RECEIVES,
            },
        )
        resources[f"{queue}DeadLetterAlarm"] = _visible_alarm(
            f"{queue}DeadLetterQueue",
            f"messages in the {queue.lower()} dead-letter queue: see the README's runbook",
        )
        resources[f"{queue}WaitingAlarm"] = alarm(
            f"the {queue.lower()} queue's oldest message waited over {OLDEST_AGE[queue]} s:"
            " is its function's trigger broken?",
            "AWS/SQS",
            "ApproximateAgeOfOldestMessage",
            {"QueueName": {"Fn::GetAtt": [f"{queue}Queue", "QueueName"]}},
            period=300,
            statistic="Maximum",
            threshold=OLDEST_AGE[queue],
        )
    resources["FailedRunsQueue"] = sqs_queue(names["failed_runs_queue"])
    resources["FailedRunsAlarm"] = _visible_alarm(
        "FailedRunsQueue", "a scheduled run failed after its retries: see the failed-runs queue"
    )
    resources["UploadQueuePolicy"] = queue_policy(
        "UploadQueue",
        "s3.amazonaws.com",
        {
            "ArnEquals": {"aws:SourceArn": arn("s3:::${BucketName}")},
            "StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}},
        },
    )
    return resources


def sqs_queue(name: str, **properties: object) -> Json:
    """A queue keeping messages 14 days, encrypted by SQS."""
    return {
        "Type": "AWS::SQS::Queue",
        "Properties": {
            "QueueName": name,
            "MessageRetentionPeriod": RETENTION,
            "SqsManagedSseEnabled": True,
            **properties,
        },
    }


def _visible_alarm(queue: str, description: str) -> Json:
    return alarm(
        description,
        "AWS/SQS",
        "ApproximateNumberOfMessagesVisible",
        {"QueueName": {"Fn::GetAtt": [queue, "QueueName"]}},
        period=300,
        statistic="Maximum",
    )


def queue_policy(queue: str, service: str, condition: Json) -> Json:
    """Lets `service` (for this stack's resource, in `condition`) send to `queue`."""
    return {
        "Type": "AWS::SQS::QueuePolicy",
        "Properties": {
            "Queues": [{"Ref": queue}],
            "PolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Sid": f"{service.split('.')[0].upper()}Sends",
                        "Effect": "Allow",
                        "Principal": {"Service": service},
                        "Action": "sqs:SendMessage",
                        "Resource": {"Fn::GetAtt": [queue, "Arn"]},
                        "Condition": condition,
                    }
                ],
            },
        },
    }
