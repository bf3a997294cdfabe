"""The data bucket and the ledger table: kept when the stack is deleted or replaced, but
removed with a first create that failed (`RetainExceptOnCreate`), so that the retry is not
blocked by their names. The bucket refuses every request without TLS."""

from __future__ import annotations

from chalicelib.core.layout import OUTBOX, QUARANTINE, RECEIPTS
from chalicelib.core.settings import TABLE_KEYS
from chalicelib.intake.catalogue import DATA_FOLDERS
from jobs.template.common import Json


def storage(names: dict[str, str]) -> Json:
    uploads = [
        {
            "Event": "s3:ObjectCreated:*",
            "Queue": {"Fn::GetAtt": ["UploadQueue", "Arn"]},
            "Filter": {"S3Key": {"Rules": [{"Name": "prefix", "Value": f"{folder}/"}]}},
        }
        for folder in DATA_FOLDERS
    ]
    # rejected uploads; rendered emails; receipts (the portal shows 8 weeks of them)
    expire = [(QUARANTINE, 180), (OUTBOX, 400), (RECEIPTS, 400)]
    return {
        "DataBucket": {
            "Type": "AWS::S3::Bucket",
            "DeletionPolicy": "RetainExceptOnCreate",
            "UpdateReplacePolicy": "Retain",
            "DependsOn": "UploadQueuePolicy",  # S3 checks it may send before it saves this
            "Properties": {
                "BucketName": {"Ref": "BucketName"},
                "BucketEncryption": {
                    "ServerSideEncryptionConfiguration": [
                        {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}
                    ]
                },
                "PublicAccessBlockConfiguration": {
                    "BlockPublicAcls": True,
                    "BlockPublicPolicy": True,
                    "IgnorePublicAcls": True,
                    "RestrictPublicBuckets": True,
                },
                "VersioningConfiguration": {"Status": "Enabled"},
                "LifecycleConfiguration": {
                    "Rules": [
                        *(
                            {
                                "Id": f"expire-{prefix.strip('/')}",
                                "Status": "Enabled",
                                "Prefix": prefix,
                                "ExpirationInDays": days,
                            }
                            for prefix, days in expire
                        ),
                        {
                            "Id": "expire-old-versions",
                            "Status": "Enabled",
                            "NoncurrentVersionExpiration": {"NoncurrentDays": 90},
                            "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 7},
                        },
                        {  # a quarantine move leaves one; once its versions expire: gone
                            "Id": "remove-expired-delete-markers",
                            "Status": "Enabled",
                            "ExpiredObjectDeleteMarker": True,
                        },
                    ]
                },
                "NotificationConfiguration": {"QueueConfigurations": uploads},
            },
        },
        "LedgerTable": {
            "Type": "AWS::DynamoDB::Table",
            "DeletionPolicy": "RetainExceptOnCreate",
            "UpdateReplacePolicy": "Retain",
            "Properties": {
                "TableName": names["ledger_table"],
                "BillingMode": "PAY_PER_REQUEST",
                "AttributeDefinitions": [
                    {"AttributeName": key, "AttributeType": "S"} for key in TABLE_KEYS
                ],
                "KeySchema": [
                    {"AttributeName": key, "KeyType": kind}
                    for key, kind in zip(TABLE_KEYS, ("HASH", "RANGE"), strict=True)
                ],
                "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
                "SSESpecification": {"SSEEnabled": True},
                "DeletionProtectionEnabled": True,
            },
        },
        "DataBucketPolicy": {
            "Type": "AWS::S3::BucketPolicy",
            "Properties": {
                "Bucket": {"Ref": "DataBucket"},
                "PolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Sid": "TlsOnly",
                            "Effect": "Deny",
                            "Principal": "*",
                            "Action": "s3:*",
                            "Resource": [
                                {"Fn::GetAtt": ["DataBucket", "Arn"]},
                                {"Fn::Sub": "${DataBucket.Arn}/*"},
                            ],
                            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                        }
                    ],
                },
            },
        },
    }
