"""Bounces on moto: SES's event, published to an SNS topic and delivered raw to the
mail-events queue as the template wires it, is taken by the weekly run's drain into the
ledger table, where every sender looks before it sends."""

from __future__ import annotations

import json
from collections.abc import Callable

import boto3
import pytest

from chalicelib.aws.clients import Clients
from chalicelib.aws.mailevents import drain_events
from chalicelib.aws.mailhealth import DynamoMailHealth, DynamoMailHealthLog
from chalicelib.core.settings import Settings
from chalicelib.notify.mailhealth import events_of
from tests.aws import REGION
from tests.notify.test_mailhealth import COMPLAINT, bounce

SETTINGS = Settings()


def publish_through_sns(clients: Clients, *events: object) -> None:
    sns = boto3.client("sns", region_name=REGION)
    topic = sns.create_topic(Name="qungov-mail-events")["TopicArn"]
    url = clients.sqs.get_queue_url(QueueName=SETTINGS.mail_events_queue)["QueueUrl"]
    queue = clients.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
    sns.subscribe(
        TopicArn=topic,
        Protocol="sqs",
        Endpoint=queue["Attributes"]["QueueArn"],
        Attributes={"RawMessageDelivery": "true"},
    )
    for event in events:
        sns.publish(TopicArn=topic, Message=json.dumps(event))


def take_into(log: DynamoMailHealthLog) -> Callable[[str], None]:
    def take(body: str) -> None:
        for item in events_of(body):
            log.record(item)

    return take


def test_a_bounce_and_a_complaint_reach_the_table_and_the_queue_is_emptied(
    aws: Clients,
) -> None:
    publish_through_sns(aws, bounce(), COMPLAINT, bounce("Transient", "li@college.example.com"))
    log = DynamoMailHealthLog(aws.dynamodb, SETTINGS.ledger_table)

    taken = drain_events(aws.sqs, SETTINGS.mail_events_queue, take_into(log))

    assert taken == 3
    assert [item.address for item in log.all()] == [
        "wang@college.example.com", "zhao@college.example.com"
    ]  # fmt: skip
    health = DynamoMailHealth(aws.dynamodb, SETTINGS.ledger_table)  # what a sender reads
    blocked = health.undeliverable("Wang@College.Example.com")
    assert blocked is not None and blocked.reason == "smtp; 550 5.1.1 user unknown"
    assert health.undeliverable("li@college.example.com") is None  # a transient bounce
    assert drain_events(aws.sqs, SETTINGS.mail_events_queue, take_into(log)) == 0


def test_the_first_report_stands_when_the_same_address_bounces_again(aws: Clients) -> None:
    log = DynamoMailHealthLog(aws.dynamodb, SETTINGS.ledger_table)
    (first,) = events_of(json.dumps(bounce()))
    later = first.model_copy(update={"reason": "smtp; 552 mailbox full", "at": "2026-12-01"})
    log.record(first)
    log.record(later)
    assert log.all() == [first]


def test_an_event_that_cannot_be_taken_stays_in_the_queue_for_the_next_run(aws: Clients) -> None:
    publish_through_sns(aws, bounce())

    def fails(body: str) -> None:
        raise OSError("table unreachable")

    with pytest.raises(OSError):
        drain_events(aws.sqs, SETTINGS.mail_events_queue, fails)
    url = aws.sqs.get_queue_url(QueueName=SETTINGS.mail_events_queue)["QueueUrl"]
    counts = aws.sqs.get_queue_attributes(
        QueueUrl=url, AttributeNames=["ApproximateNumberOfMessagesNotVisible"]
    )
    # received, not deleted: visible again once its visibility timeout ran out
    assert counts["Attributes"]["ApproximateNumberOfMessagesNotVisible"] == "1"
