"""Alarms and where they go: one SNS topic, mailed to `AlarmEmail`."""

from __future__ import annotations

from chalicelib.flows.observability import NAMESPACE
from jobs.template.common import Json


def alarm_topic() -> Json:
    return {
        "AlarmTopic": {
            "Type": "AWS::SNS::Topic",
            "Properties": {"TopicName": {"Fn::Sub": "qungov-${Stage}-alarms"}},
        },
        "AlarmEmailSubscription": {
            "Type": "AWS::SNS::Subscription",
            "Properties": {
                "TopicArn": {"Ref": "AlarmTopic"},
                "Protocol": "email",
                "Endpoint": {"Ref": "AlarmEmail"},
            },
        },
    }


def dead_letter_alarms() -> Json:
    return {
        f"{queue}DeadLetterAlarm": alarm(
            f"messages in the {queue.lower()} dead-letter queue: see the README's runbook",
            "AWS/SQS",
            "ApproximateNumberOfMessagesVisible",
            {"QueueName": {"Fn::GetAtt": [f"{queue}DeadLetterQueue", "QueueName"]}},
            period=300,
            statistic="Maximum",
        )
        for queue in ("Digest", "Upload")
    }


def held_findings_alarm() -> Json:
    """The weekly run held new findings (a rejected file or a mass change): an operator
    looks at the data, then fixes it or accepts the change (README, Runbook)."""
    return {
        "FindingsHeldAlarm": alarm(
            "the weekly run held new findings: data in doubt, see the rollup's 待确认",
            NAMESPACE,
            "FindingsHeld",
            {"service": NAMESPACE, "job": "weekly_scan"},
            period=3600,
            statistic="Maximum",
        )
    }


def alarm(
    description: str,
    namespace: str,
    metric: str,
    dimensions: Json,
    *,
    period: int,
    statistic: str = "Sum",
) -> Json:
    return {
        "Type": "AWS::CloudWatch::Alarm",
        "Properties": {
            "AlarmDescription": {"Fn::Sub": f"qungov ${{Stage}}: {description}"},
            "Namespace": namespace,
            "MetricName": metric,
            "Dimensions": [{"Name": name, "Value": value} for name, value in dimensions.items()],
            "Statistic": statistic,
            "Period": period,
            "EvaluationPeriods": 1,
            "Threshold": 0,
            "ComparisonOperator": "GreaterThanThreshold",
            "TreatMissingData": "notBreaching",
            "AlarmActions": [{"Ref": "AlarmTopic"}],
        },
    }
