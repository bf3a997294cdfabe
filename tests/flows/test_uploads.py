"""Upload validation: a receipt for every data-root file, quarantine for a rejected one.

The checks run on an in-memory bucket; the last tests run on moto, where S3's
notifications reach SQS and a file can vanish between its notification and its reading."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, datetime
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from chalicelib.aws.clients import Clients
from chalicelib.aws.s3source import S3Source
from chalicelib.core.layout import receipt_key
from chalicelib.core.models import DataError
from chalicelib.flows.uploads import (
    Receipt,
    UploadPorts,
    format_receipt,
    ports,
    s3_objects_in,
    validate_upload,
)
from chalicelib.intake.readers.csvrows import plain_lines
from chalicelib.intake.source import MemoryBucket
from chalicelib.notify.memory import MemoryMailQueue
from tests.aws import BUCKET, REGION, client_error, fake_aws, injected, keys_under, put
from tests.intake.corpus import CLASS_GROUP, GROUP_ID
from tests.intake.corpus.qq_exports import greasyfork_csv
from tests.intake.readers import DEFAULT_SETTINGS

UNITS = "单位编码,单位名称,核心词\nU1,机电工程学院,机电\nU2,经济管理学院,经管\n"
ROSTER = "QQ号,身份,入群时间\n10001,群主,2024-03-05\n10002,成员,2024/3/6\n\n10003,成员,\n"
UPLOADED = datetime(2026, 11, 18, 15, 42)  # Shanghai time


@pytest.fixture
def bucket() -> MemoryBucket:
    store = MemoryBucket(now=UPLOADED)
    store.put("config/units.csv", UNITS.encode())
    return store


def in_memory(bucket: MemoryBucket) -> UploadPorts:
    return UploadPorts(source=bucket, objects=bucket, queue=MemoryMailQueue(bucket))


def stored_receipt(bucket: MemoryBucket, key: str) -> Receipt:
    body = bucket.get(receipt_key(key))
    assert "\\u" not in body.decode("utf-8")  # Chinese is written as UTF-8, not escaped
    return Receipt.model_validate_json(body)


def check(bucket: MemoryBucket, key: str, body: str | bytes, **kwargs: Any) -> Receipt:
    bucket.put(key, body.encode() if isinstance(body, str) else body)
    receipt = validate_upload(in_memory(bucket), key, DEFAULT_SETTINGS, **kwargs)
    assert receipt is not None
    assert stored_receipt(bucket, key) == receipt
    return receipt


def test_good_roster_gets_a_receipt_with_its_rows_and_stays(bucket: MemoryBucket) -> None:
    receipt = check(bucket, "rosters/qq/123456.csv", ROSTER)

    assert receipt.kind == "rosters"
    assert (receipt.rows_read, receipt.row_errors, receipt.rejected) == (3, [], None)
    assert bucket.keys("rosters/") == ["rosters/qq/123456.csv"]
    assert bucket.keys("quarantine/") == []
    assert format_receipt(receipt) == "rosters/qq/123456.csv:读取 3 行,没有发现错误。"


def test_bad_rows_are_listed_with_file_row_column_and_reason(bucket: MemoryBucket) -> None:
    key = "rosters/qq/机电学院/2001.txt"
    text = "群号:2001\nQQ号,身份\n10001,群主\n,成员\n10003,班长\n10004,成员\n"

    receipt = check(bucket, key, text)

    assert receipt.rows_read == 4 and receipt.error_count == 2 and receipt.rejected is None
    assert receipt.row_errors == [
        DataError(file=key, row=4, column="QQ号", reason="成员账号为空"),
        DataError(file=key, row=5, column="身份", reason=receipt.row_errors[1].reason),
    ]
    assert "班长" in receipt.row_errors[1].reason
    summary = format_receipt(receipt)
    assert summary.startswith(
        f"{key}:读取 4 行,2 行有错误(第 4 行“QQ号”:成员账号为空;第 5 行“身份”:"
    )
    assert bucket.keys("rosters/") == [key]


def test_garbage_workbook_is_rejected_and_moved_to_quarantine(bucket: MemoryBucket) -> None:
    key = "rosters/wechat/经管 学院.xlsx"

    receipt = check(bucket, key, b"this is not a workbook, just text without any header")

    assert receipt.rejected is not None and "Excel" in receipt.rejected
    assert receipt.quarantined_to == f"quarantine/{key}"
    assert receipt.rows_read == 0 and receipt.row_errors == []
    assert bucket.keys("rosters/") == []
    moved = bucket.get(f"quarantine/{key}")
    assert moved.startswith(b"this is not a workbook")
    summary = format_receipt(receipt)
    assert "已拒收" in summary and f"文件已移到 quarantine/{key}" in summary


def test_a_replayed_message_after_quarantine_writes_nothing_more(bucket: MemoryBucket) -> None:
    key = "filings/登记表.csv"
    check(bucket, key, "群号,群名称\n1,机电工作群\n")  # no 平台/单位/备案日期 columns: rejected

    assert validate_upload(in_memory(bucket), key, DEFAULT_SETTINGS) is None
    assert bucket.keys("quarantine/") == [f"quarantine/{key}"]


def test_directory_units_are_checked_against_the_bucket_unit_list(bucket: MemoryBucket) -> None:
    text = "工号,姓名,单位,状态\nT1,张三,机电工程学院,在职\nT2,李四,不存在学院,在职\n"

    receipt = check(bucket, "directory/教职工.csv", text)

    assert receipt.rows_read == 2 and receipt.notes == []
    assert [(e.row, e.column) for e in receipt.row_errors] == [(3, "单位")]
    assert "不在单位名录中" in receipt.row_errors[0].reason


def test_without_a_unit_list_filings_are_still_read_and_the_receipt_says_so(
    bucket: MemoryBucket,
) -> None:
    bucket.delete("config/units.csv")
    text = "平台,群号,单位,备案日期\nqq,1,任意学院,2026-01-05\nqq,2,任意学院,去年\n"

    receipt = check(bucket, "filings/登记表.csv", text)

    assert receipt.rows_read == 2
    assert [(e.row, e.column) for e in receipt.row_errors] == [(3, "备案日期")]
    assert len(receipt.notes) == 1 and "未核对“单位”列" in receipt.notes[0]
    assert "未核对“单位”列" in format_receipt(receipt)


def test_waiver_expiry_is_checked_against_the_upload_date_or_the_given_day(
    bucket: MemoryBucket,
) -> None:
    key = "waivers/豁免.csv"
    text = "平台,群号,规则,理由,审批人,有效期至\nqq,1,超规模,年级大群,学生处,2027-11-01\n"
    bucket.now = datetime(2026, 11, 16, 9, 0)
    bucket.put(key, text.encode())

    on_upload_day = validate_upload(in_memory(bucket), key, DEFAULT_SETTINGS)
    a_year_earlier = validate_upload(
        in_memory(bucket), key, DEFAULT_SETTINGS, today=date(2025, 11, 1)
    )

    assert on_upload_day is not None and on_upload_day.row_errors == []
    assert a_year_earlier is not None
    assert [e.column for e in a_year_earlier.row_errors] == ["有效期至"]


def test_config_files_are_read_and_unknown_ones_noted(bucket: MemoryBucket) -> None:
    units = check(bucket, "config/units.csv", UNITS + "U1,重复学院,重复\n")
    other = check(bucket, "config/说明.csv", "随便写的\n")

    assert units.rows_read == 3 and [e.row for e in units.row_errors] == [4]
    assert other.rejected is None and other.rows_read == 0 and "不会被使用" in other.notes[0]


@pytest.mark.parametrize(
    "key",
    [
        "receipts/rosters/qq/1.csv.json",
        "quarantine/rosters/qq/1.csv",
        "reports/2026-W47.xlsx",
        "outbox/a.eml",
        "other/1.csv",
        "rosters/qq/",
        "units.csv",
    ],
)
def test_keys_outside_the_data_folders_are_ignored(bucket: MemoryBucket, key: str) -> None:
    bucket.put(key, "QQ号\n1\n".encode())

    assert validate_upload(in_memory(bucket), key, DEFAULT_SETTINGS) is None
    assert bucket.keys("receipts/") == ([key] if key.startswith("receipts/") else [])


def test_format_names_the_sheet_of_a_workbook_error() -> None:
    receipt = Receipt(
        file="rosters/qq/all.xlsx",
        kind="rosters",
        rows_read=10,
        row_errors=[
            DataError(file="rosters/qq/all.xlsx", reason="工作表“说明”不是有效的群成员导出"),
            DataError(file="rosters/qq/all.xlsx#1班", row=7, column="QQ号", reason="成员账号为空"),
        ],
        error_count=2,
    )

    assert format_receipt(receipt) == (
        "rosters/qq/all.xlsx:读取 10 行,1 行有错误,1 个工作表无法读取"
        "(工作表“说明”不是有效的群成员导出;工作表“1班”第 7 行“QQ号”:成员账号为空)。"
    )


def s3_event(key: str, event: str = "ObjectCreated:Put") -> str:
    record = {"eventName": event, "s3": {"bucket": {"name": BUCKET}, "object": {"key": key}}}
    return json.dumps({"Records": [record]})


def test_test_event_and_other_events_give_no_objects() -> None:
    test_event = {"Service": "Amazon S3", "Event": "s3:TestEvent", "Bucket": BUCKET}

    assert s3_objects_in(json.dumps(test_event)) == []
    assert s3_objects_in(s3_event("rosters/qq/1.csv", "ObjectRemoved:Delete")) == []


def test_url_encoded_chinese_key_with_spaces_is_decoded() -> None:
    encoded = "rosters/qq/%E6%9C%BA%E7%94%B5%E5%AD%A6%E9%99%A2/2024%E7%BA%A7+1%E7%8F%AD.csv"

    assert s3_objects_in(s3_event(encoded)) == [(BUCKET, "rosters/qq/机电学院/2024级 1班.csv")]


def test_notification_through_sns_is_unwrapped() -> None:
    envelope = {"Type": "Notification", "Message": s3_event("filings/a%2Bb.csv")}

    assert s3_objects_in(json.dumps(envelope)) == [(BUCKET, "filings/a+b.csv")]


@pytest.fixture
def s3(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    with fake_aws(monkeypatch) as client:
        put(client, "config/units.csv", UNITS)
        yield client


def on_aws(s3: Any, bucket: str = BUCKET) -> UploadPorts:
    sqs = boto3.client("sqs", region_name=REGION)
    sqs.create_queue(QueueName=DEFAULT_SETTINGS.digest_queue)
    return ports(Clients(s3=s3, dynamodb=None, sqs=sqs, ses=None), DEFAULT_SETTINGS, bucket)


def test_s3_notification_to_sqs_end_to_end(s3: Any) -> None:
    sqs = boto3.client("sqs", region_name=REGION)
    queue = sqs.create_queue(QueueName=DEFAULT_SETTINGS.upload_queue)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]
    s3.put_bucket_notification_configuration(
        Bucket=BUCKET,
        NotificationConfiguration={
            "QueueConfigurations": [{"QueueArn": arn["QueueArn"], "Events": ["s3:ObjectCreated:*"]}]
        },
    )
    good, bad = "rosters/qq/机电学院/2024级 1班.csv", "rosters/qq/坏文件.xlsx"
    put(s3, good, "群号:551047987\n" + ROSTER)
    put(s3, bad, b"garbage")

    receipts: dict[str, Receipt] = {}
    for _ in range(5):  # our own receipts and quarantine copies notify too, and are ignored
        messages = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get("Messages", [])
        for message in messages:
            for bucket, key in s3_objects_in(message["Body"]):
                receipt = validate_upload(on_aws(s3, bucket), key, DEFAULT_SETTINGS)
                if receipt is not None:
                    receipts[key] = receipt
            sqs.delete_message(QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"])

    assert set(receipts) == {good, bad}
    assert receipts[good].rows_read == 3 and receipts[good].rejected is None
    assert receipts[bad].quarantined_to == f"quarantine/{bad}"
    assert keys_under(s3, "receipts/") == [f"receipts/{bad}.json", f"receipts/{good}.json"]
    assert keys_under(s3, "rosters/") == [good]


def test_a_person_id_in_a_receipt_and_its_log_line_is_masked(bucket: MemoryBucket) -> None:
    # GIVEN a staff list with one student number listed twice
    text = "学号,姓名,状态\n2021000123,张三,在读\n2021000123,张三,在读\n"

    receipt = check(bucket, "directory/学生名册.csv", text)

    (error,) = receipt.row_errors
    assert (error.row, error.reason) == (3, "人员编号“20****23”在名册中重复")
    assert "2021000123" not in format_receipt(receipt)
    assert "2021000123" not in bucket.get("receipts/directory/学生名册.csv.json").decode()


def test_an_upload_under_config_reaches_the_validator_through_the_bucket_notification(
    aws: Clients,
) -> None:
    # Reproduces: the upload notification covered every data folder but config/.
    aws.s3.put_object(Bucket=BUCKET, Key="config/units.csv", Body=UNITS.encode())
    url = aws.sqs.get_queue_url(QueueName=DEFAULT_SETTINGS.upload_queue)["QueueUrl"]
    received = aws.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)
    bodies = [m["Body"] for m in received.get("Messages", [])]  # a test event, and ours

    keys = [key for body in bodies for _, key in s3_objects_in(body)]

    assert keys == ["config/units.csv"]
    on_aws = ports(aws, DEFAULT_SETTINGS, BUCKET)
    receipt = validate_upload(on_aws, "config/units.csv", DEFAULT_SETTINGS)
    assert receipt is not None and receipt.kind == "config" and receipt.rejected is None


def test_a_file_gone_between_its_notification_and_its_reading_is_left_alone(s3: Any) -> None:
    # GIVEN a roster whose object is deleted after it was looked up, before it is read
    put(s3, "rosters/qq/123456.csv", ROSTER)

    def delete_first(params: dict[str, Any], **_: Any) -> None:
        s3.delete_object(Bucket=BUCKET, Key=params["Key"])

    with injected(s3, "before-parameter-build.s3.GetObject", delete_first):
        receipt = validate_upload(on_aws(s3), "rosters/qq/123456.csv", DEFAULT_SETTINGS)

    # THEN no receipt, no quarantine copy, and no error for the Lambda to retry
    assert receipt is None
    assert keys_under(s3, "") == ["config/units.csv"]


def test_a_roster_whose_export_time_line_is_unusable_is_rejected_as_the_scan_rejects_it(
    bucket: MemoryBucket,
) -> None:
    # Reproduces: the upload check read rosters without their 导出时间: line, so a file the
    # weekly scan rejects got a clean receipt.
    key = "rosters/qq/551047987.txt"
    text = "群号:551047987\n导出时间:2099-01-01 10:00\n" + ROSTER

    receipt = check(bucket, key, text)

    assert receipt.rejected is not None and "导出时间" in receipt.rejected
    assert bucket.keys("rosters/") == [] and bucket.keys("quarantine/") == [f"quarantine/{key}"]


def test_uploads_whose_keys_a_path_would_fold_together_keep_their_own_receipts(
    bucket: MemoryBucket,
) -> None:
    # Reproduces: a roster key holding `../` wrote its receipt over another file's.
    plain, folding = "rosters/qq/551047987.csv", "rosters/qq/../qq/551047987.csv"

    good = check(bucket, plain, ROSTER)
    bad = check(bucket, folding, b"PK\x03\x04not a workbook")

    assert good.rejected is None and bad.rejected is not None
    assert stored_receipt(bucket, plain) == good and stored_receipt(bucket, folding) == bad
    assert bucket.keys("quarantine/") == ["quarantine/rosters/qq/%2E%2E/qq/551047987.csv"]
    assert bucket.keys("rosters/") == [plain]


def test_a_windows_saved_export_is_read_on_the_retry_after_a_throttled_read(s3: Any) -> None:
    """The Greasy Fork QQ export re-saved by Excel on Windows (GB18030, CRLF, a trailing
    comma per line: the CSV split path) behind an S3 read that is throttled once: the first
    delivery raises and writes nothing, so the queue redelivers; the retry's receipt is
    the whole export."""
    text = greasyfork_csv(CLASS_GROUP).decode("utf-8").lstrip("\ufeff").replace("\n", "\r\n")
    assert plain_lines(text, DEFAULT_SETTINGS.max_cell_chars, DEFAULT_SETTINGS.max_rows)
    key = f"rosters/qq/机电学院/{GROUP_ID}.csv"
    put(s3, key, text.encode("gb18030"))
    throttled: list[str] = []

    def throttle_once(params: dict[str, Any], **_: Any) -> None:
        if params.get("Key") == key and not throttled:
            throttled.append(key)
            raise client_error("SlowDown", "GetObject")

    with (
        injected(s3, "before-parameter-build.s3.GetObject", throttle_once),
        pytest.raises(ClientError),
    ):
        validate_upload(on_aws(s3), key, DEFAULT_SETTINGS)
    assert keys_under(s3, "receipts/") == []

    receipt = validate_upload(on_aws(s3), key, DEFAULT_SETTINGS)
    assert receipt is not None and receipt.rejected is None
    assert (receipt.rows_read, receipt.error_count) == (len(CLASS_GROUP), 0)
    assert receipt.tables[0].format == "CSV(GB18030/GBK)"
    assert [(g.group_id, g.members, g.owner) for g in receipt.groups] == [
        (GROUP_ID, len(CLASS_GROUP), "10****21")
    ]
    assert format_receipt(receipt) == f"{key}:读取 5 行,没有发现错误。"


class _ReceiptPutFailsOnce(MemoryBucket):
    """A bucket whose first write of a receipt fails (S3 throttled), as on AWS."""

    failed = False

    def put(self, key: str, body: bytes, content_type: str = "application/octet-stream") -> None:
        if key.startswith("receipts/") and not self.failed:
            self.failed = True
            raise client_error("SlowDown", "PutObject")
        super().put(key, body, content_type)


def test_a_rejected_file_still_gets_its_receipt_when_the_first_receipt_write_fails() -> None:
    # Given a rejected upload whose receipt cannot be written on the first try
    bucket = _ReceiptPutFailsOnce(now=UPLOADED)
    bucket.put("config/units.csv", UNITS.encode())
    key = "filings/登记表.csv"
    bucket.put(key, "群号,群名称\n1,机电工作群\n".encode())  # no 平台/单位/备案日期: rejected
    with pytest.raises(ClientError):
        validate_upload(in_memory(bucket), key, DEFAULT_SETTINGS)

    # When the event is delivered again
    validate_upload(in_memory(bucket), key, DEFAULT_SETTINGS)

    # Then the unit sees the receipt of its rejected file (DESIGN.md, Portal: receipts)
    receipt = stored_receipt(bucket, key)
    assert receipt.rejected is not None and receipt.quarantined_to == f"quarantine/{key}"
    assert bucket.keys("quarantine/") == [f"quarantine/{key}"]


def test_a_file_uploaded_again_while_its_first_version_is_checked_is_not_quarantined(
    s3: Any,
) -> None:
    # GIVEN a unit's garbage upload, which the unit replaces with the right export while
    # the check is reading the first one
    key = "rosters/qq/123456.csv"
    put(s3, key, b"\x00\x01 not a table")

    class ReuploadedWhileRead(S3Source):
        def read(self, path: str, at_most: int | None = None) -> bytes:
            body = super().read(path, at_most)
            if path == key:
                s3.put_object(Bucket=BUCKET, Key=key, Body=ROSTER.encode())
            return body

    # WHEN the first version is checked
    racing = replace(on_aws(s3), source=ReuploadedWhileRead(s3, BUCKET))
    receipt = validate_upload(racing, key, DEFAULT_SETTINGS)

    # THEN the first version is rejected, but the new one stays where the unit put it
    # (its own upload event checks it) and no copy of it sits in quarantine
    assert receipt is not None and receipt.rejected and receipt.quarantined_to is None
    assert s3.get_object(Bucket=BUCKET, Key=key)["Body"].read() == ROSTER.encode()
    assert keys_under(s3, "quarantine/") == []


def test_a_rejected_upload_left_as_it_was_checked_is_quarantined(s3: Any) -> None:
    key = "rosters/qq/123456.csv"
    put(s3, key, b"\x00\x01 not a table")

    receipt = validate_upload(on_aws(s3), key, DEFAULT_SETTINGS)

    assert receipt is not None and receipt.quarantined_to == f"quarantine/{key}"
    assert keys_under(s3, "quarantine/") == [f"quarantine/{key}"]
    assert key not in keys_under(s3, "rosters/")
