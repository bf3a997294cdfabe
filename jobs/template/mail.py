"""Mail health on SES: a configuration set whose bounce and complaint events go, through an
encrypted topic, to a queue the weekly run reads (so that an address that bounced is
listed in the rollup and gets no more digests), and the sender's domain as an identity
with DKIM. Only in a template built for SES (`make package MAIL=ses`, the default): the
regions without SES (AWS China, ap-east-1) refuse a template that names SES types at
all, even under a false condition, so a template for SMTP leaves them out."""

from __future__ import annotations

from jobs.template.common import Json
from jobs.template.queues import queue_policy, sqs_queue

EVENTS = ["bounce", "complaint"]
MAIL_PROVIDERS = ("ses", "smtp")
# The sender's domain is an identity of the account and region, not of a stack: a second
# stack in the same account (`make smoke`) uses the one that exists.
SES_PARAMETERS = {
    "SenderDomainIdentity": {
        "Type": "String",
        "Default": "create",
        "AllowedValues": ["create", "existing"],
        "Description": "create the sender's domain as an SES identity (with DKIM), or use"
        " the one this account already has",
    }
}
# Where there is no SES: the SMTP server (its password is an SSM SecureString that
# `make deploy` checks exists, `/qungov/<stage>/smtp-password`, never a parameter here).
SMTP_PARAMETERS = {
    "SmtpHost": {
        "Type": "String",
        "MinLength": 1,
        "AllowedPattern": "^[A-Za-z0-9.-]+$",
        "Description": "the SMTP server, e.g. smtp.exmail.qq.com (腾讯企业邮)",
    },
    "SmtpPort": {"Type": "Number", "Default": 465, "MinValue": 1, "MaxValue": 65535},
    "SmtpSecurity": {
        "Type": "String",
        "Default": "tls",
        "AllowedValues": ["tls", "starttls"],
        "Description": "tls: implicit TLS (port 465); starttls: STARTTLS (port 587)",
    },
    "SmtpUsername": {
        "Type": "String",
        "Default": "",
        "Description": "the SMTP login; empty: the sender's address",
    },
}
SES_CONDITIONS = {
    "CreateSenderIdentity": {"Fn::Equals": [{"Ref": "SenderDomainIdentity"}, "create"]}
}


def mail_events_queue(names: dict[str, str]) -> Json:
    """Where mail events wait for the weekly run (empty with SMTP: a bounce comes back as
    the SMTP server's answer, recorded by the sender)."""
    return {"MailEventsQueue": sqs_queue(names["mail_events_queue"])}


def ses(names: dict[str, str]) -> Json:
    domain = {"Fn::Select": [1, {"Fn::Split": ["@", {"Ref": "SenderEmail"}]}]}
    return {
        "MailConfigurationSet": {
            "Type": "AWS::SES::ConfigurationSet",
            "Properties": {"Name": names["ses_configuration_set"]},
        },
        "MailEventsTopic": {
            "Type": "AWS::SNS::Topic",
            "Properties": {"KmsMasterKeyId": {"Ref": "AlarmKey"}},
        },
        "MailEventsTopicPolicy": {  # SES publishes, for this account only
            "Type": "AWS::SNS::TopicPolicy",
            "Properties": {
                "Topics": [{"Ref": "MailEventsTopic"}],
                "PolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Sid": "SesPublishes",
                            "Effect": "Allow",
                            "Principal": {"Service": "ses.amazonaws.com"},
                            "Action": "sns:Publish",
                            "Resource": {"Ref": "MailEventsTopic"},
                            "Condition": {
                                "StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}
                            },
                        }
                    ],
                },
            },
        },
        "MailEventsDestination": {
            "Type": "AWS::SES::ConfigurationSetEventDestination",
            "Properties": {
                "ConfigurationSetName": {"Ref": "MailConfigurationSet"},
                "EventDestination": {
                    "Name": "bounces-and-complaints",
                    "Enabled": True,
                    "MatchingEventTypes": EVENTS,
                    "SnsDestination": {"TopicARN": {"Ref": "MailEventsTopic"}},
                },
            },
        },
        "MailEventsSubscription": {
            "Type": "AWS::SNS::Subscription",
            "Properties": {
                "TopicArn": {"Ref": "MailEventsTopic"},
                "Protocol": "sqs",
                "Endpoint": {"Fn::GetAtt": ["MailEventsQueue", "Arn"]},
                "RawMessageDelivery": True,
            },
        },
        "MailEventsQueuePolicy": queue_policy(
            "MailEventsQueue",
            "sns.amazonaws.com",
            {"ArnEquals": {"aws:SourceArn": {"Ref": "MailEventsTopic"}}},
        ),
        "SenderIdentity": {
            "Type": "AWS::SES::EmailIdentity",
            "Condition": "CreateSenderIdentity",
            "Properties": {
                "EmailIdentity": domain,
                "DkimSigningAttributes": {"NextSigningKeyLength": "RSA_2048_BIT"},
                "ConfigurationSetAttributes": {
                    "ConfigurationSetName": {"Ref": "MailConfigurationSet"}
                },
            },
        },
    }
