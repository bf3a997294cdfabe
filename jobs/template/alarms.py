"""Alarms and where they go: one SNS topic, mailed to `AlarmEmail`."""

from __future__ import annotations

from chalicelib.flows.observability import NAMESPACE
from jobs.template.common import Json, arn


def alarm_topic(stage: str, mail: str = "ses") -> Json:
    """The topic, encrypted with a key of the stack's own whose policy lets CloudWatch (and,
    in a template for SES, SES for its bounce events) publish to it."""
    services = ["cloudwatch.amazonaws.com", *(["ses.amazonaws.com"] if mail == "ses" else [])]
    return {
        "AlarmKey": {
            "Type": "AWS::KMS::Key",
            "Properties": {
                "Description": f"qungov-{stage}: encrypts the alarm and mail-event topics",
                "EnableKeyRotation": True,
                "KeyPolicy": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Sid": "TheAccountManagesTheKey",
                            "Effect": "Allow",
                            "Principal": {"AWS": arn("iam::${AWS::AccountId}:root")},
                            "Action": "kms:*",
                            "Resource": "*",
                        },
                        {
                            "Sid": "ServicesPublishEncrypted",
                            "Effect": "Allow",
                            "Principal": {"Service": services},
                            "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
                            "Resource": "*",
                            "Condition": {
                                "StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}
                            },
                        },
                    ],
                },
            },
        },
        "AlarmTopic": {
            "Type": "AWS::SNS::Topic",
            "Properties": {
                "TopicName": f"qungov-{stage}-alarms",
                "KmsMasterKeyId": {"Ref": "AlarmKey"},
            },
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
    threshold: float = 0,
) -> Json:
    return {
        "Type": "AWS::CloudWatch::Alarm",
        "Properties": {
            "AlarmDescription": {"Fn::Sub": f"${{AWS::StackName}}: {description}"},
            "Namespace": namespace,
            "MetricName": metric,
            "Dimensions": [{"Name": name, "Value": value} for name, value in dimensions.items()],
            "Statistic": statistic,
            "Period": period,
            "EvaluationPeriods": 1,
            "Threshold": threshold,
            "ComparisonOperator": "GreaterThanThreshold",
            "TreatMissingData": "notBreaching",
            "AlarmActions": [{"Ref": "AlarmTopic"}],
        },
    }
