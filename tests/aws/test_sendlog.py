"""The send log reads what older code wrote: a deployment upgraded mid-week keeps its
records and queued messages (`digest_hash` before it was `content_hash`)."""

from __future__ import annotations

from chalicelib.aws.clients import Clients
from chalicelib.aws.sendlog import DynamoSendLog
from chalicelib.core.settings import Settings
from chalicelib.notify.sending import MailMessage, SendStatus


def test_records_and_messages_written_by_older_code_are_read(aws: Clients) -> None:
    aws.dynamodb.put_item(
        TableName=Settings().ledger_table,
        Item={
            "pk": {"S": "SEND#2026-W47"},
            "sk": {"S": "old@example.edu.cn"},
            "recipient": {"S": "old@example.edu.cn"},
            "period": {"S": "2026-W47"},
            "digest_hash": {"S": "0123abcd"},
            "status": {"S": "sent"},
            "attempts": {"N": "1"},
        },
    )

    (record,) = DynamoSendLog(aws.dynamodb, Settings().ledger_table).records("2026-W47")

    assert (record.kind, record.content_hash, record.status) == (
        "digest",
        "0123abcd",
        SendStatus.SENT,
    )
    queued = '{"recipient": "a@example.edu.cn", "period": "2026-W47", "digest_hash": "0123abcd", "eml_key": "outbox/2026-W47/0123abcd.eml"}'
    assert MailMessage.from_json(queued).content_hash == "0123abcd"
