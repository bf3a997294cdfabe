"""`python -m jobs redrive`: a dead-letter queue's messages back onto their queue."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from chalicelib.aws.clients import Clients
from chalicelib.core.settings import Settings, dead_letter_queue
from jobs.__main__ import main
from tests.aws import embedded_aws

SETTINGS = Settings()


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[Clients]:
    with embedded_aws(monkeypatch) as clients:
        yield clients


def bodies(aws: Clients, queue: str) -> list[str]:
    url = aws.sqs.get_queue_url(QueueName=queue)["QueueUrl"]
    found: list[str] = []
    while batch := aws.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get(
        "Messages", []
    ):
        found += [message["Body"] for message in batch]
    return sorted(found)


@pytest.mark.parametrize("which", ["digests", "uploads"])
def test_redrive_moves_every_dead_letter_back_and_leaves_none(
    aws: Clients, which: str, capsys: pytest.CaptureFixture[str]
) -> None:
    queue = SETTINGS.digest_queue if which == "digests" else SETTINGS.upload_queue
    dead = aws.sqs.get_queue_url(QueueName=dead_letter_queue(queue))["QueueUrl"]
    sent = [f'{{"n": {n}}}' for n in range(23)]  # more than one batch of ten
    for body in sent:
        aws.sqs.send_message(QueueUrl=dead, MessageBody=body)

    assert main(["redrive", which]) == 0

    assert f"已将 23 条消息从 {dead_letter_queue(queue)} 移回 {queue}" in capsys.readouterr().out
    # (S3 puts a test event on the upload queue when its notifications are set)
    assert [b for b in bodies(aws, queue) if "s3:TestEvent" not in b] == sorted(sent)
    assert bodies(aws, dead_letter_queue(queue)) == []
