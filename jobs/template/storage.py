"""The data bucket and the ledger table: kept when the stack is deleted."""

from __future__ import annotations

from chalicelib.core.layout import OUTBOX, QUARANTINE
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
    expire = [(QUARANTINE, 180), (OUTBOX, 400)]  # rejected uploads; rendered digests
    return {
        "DataBucket": {
            "Type": "AWS::S3::Bucket",
            "DeletionPolicy": "Retain",
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
                        },
                    ]
                },
                "NotificationConfiguration": {"QueueConfigurations": uploads},
            },
        },
        "LedgerTable": {
            "Type": "AWS::DynamoDB::Table",
            "DeletionPolicy": "Retain",
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
            },
        },
    }
