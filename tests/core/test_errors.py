"""What went wrong, in a few words: an AWS error code, a client error's class, a message."""

from __future__ import annotations

from botocore.exceptions import ClientError, EndpointConnectionError, ReadTimeoutError

from chalicelib.core.errors import describe


def test_an_aws_answer_is_described_by_its_code() -> None:
    error = ClientError(
        {"Error": {"Code": "Throttling", "Message": "Rate exceeded"}}, "SendRawEmail"
    )

    assert describe(error) == "Throttling"


def test_a_client_side_error_is_described_by_its_class_never_its_url() -> None:
    timeout = ReadTimeoutError(endpoint_url="https://email.us-east-1.amazonaws.com/")
    unreachable = EndpointConnectionError(endpoint_url="https://sqs.cn-north-1.amazonaws.com.cn")

    assert (describe(timeout), describe(unreachable)) == (
        "ReadTimeoutError",
        "EndpointConnectionError",
    )


def test_anything_else_by_its_first_words_or_its_class() -> None:
    assert describe(ValueError("x" * 300)) == "x" * 200
    assert describe(KeyError()) == "KeyError"
