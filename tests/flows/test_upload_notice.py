"""A rejected upload's receipt goes back by email: to the unit whose folder the file is
in, else to the office with scope `all`; once per uploaded version, whatever the replays."""

from __future__ import annotations

import email
import email.policy
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any

import pytest
from chalice.test import Client

import app as app_module
from chalicelib.aws.clients import Clients, aws_clients
from chalicelib.core.dates import SHANGHAI
from chalicelib.core.models import Office
from chalicelib.core.settings import Settings
from chalicelib.flows.uploads import s3_objects_in
from chalicelib.flows.weekly import ports as weekly_ports
from chalicelib.flows.weekly import run_weekly
from chalicelib.intake.inspection import Receipt
from chalicelib.intake.source import SourceFile
from chalicelib.notify.notices.rejected import rejection_notice
from tests.aws import client_error, keys_under, sent_emails
from tests.factories import make_settings, make_unit

BUCKET_NAME = Settings().data_bucket
UNIT = make_unit(contact_email="xxgc@example.edu.cn")
OFFICE = Office(office="党委工作部", email="dwgzb@example.edu.cn", address="行政楼 302 室",
                phone="023-6188 3021")  # fmt: skip
CLASS_OFFICE = Office(office="学生处", email="xsc@example.edu.cn", scope=())
UPLOADED = datetime(2026, 11, 18, 15, 42)  # a Wednesday, Shanghai time
REASON = "文件不是有效的 Excel 工作簿(文件已损坏或只是改了扩展名),请用 Excel 重新另存为 .xlsx"
UNITS_CSV = "单位编码,单位名称,核心词,联系邮箱\nU01,信息工程学院,信息学院,xxgc@example.edu.cn\n"
OFFICES_CSV = "部门,邮箱,范围,办公地址,联系电话\n党委工作部,dwgzb@example.edu.cn,all,行政楼 302 室,023-6188 3021\n"


def rejected(path: str, reason: str = REASON) -> tuple[Receipt, SourceFile]:
    receipt = Receipt(
        file=path, kind="rosters", rejected=reason, quarantined_to=f"quarantine/{path}"
    )
    return receipt, SourceFile(path=path, modified=UPLOADED, size=311)


def parse(raw: bytes) -> EmailMessage:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def bodies(raw: bytes) -> tuple[str, str]:
    message = parse(raw)
    text, html = (message.get_body((kind,)) for kind in ("plain", "html"))
    assert text is not None and html is not None
    return str(text.get_content()), str(html.get_content())


def test_a_file_in_a_units_folder_goes_to_that_units_contact() -> None:
    receipt, file = rejected("rosters/qq/信息学院/群成员.xlsx")

    notice = rejection_notice(receipt, file, [UNIT], [OFFICE, CLASS_OFFICE], make_settings())

    assert notice is not None
    assert notice.message.recipient == "xxgc@example.edu.cn"
    assert notice.message.period == "2026-W47"
    assert notice.message.kind.startswith("upload-rejected:")
    message = parse(notice.raw)
    assert message["To"] == "xxgc@example.edu.cn"
    assert message["Subject"] == "【群组合规】11月18日 上传的文件未被接收,请更正后重新上传"
    text = bodies(notice.raw)[0].replace("\r\n", "\n")
    assert "重新检查并另发回执。\n\n文件:rosters/" in text  # a paragraph each
    for body in bodies(notice.raw):
        assert "信息工程学院于 2026-11-18 15:42 上传的群成员名单文件无法读取" in body
        assert "rosters/qq/信息学院/群成员.xlsx" in body
        assert REASON in body
        assert "已移到 quarantine/rosters/qq/信息学院/群成员.xlsx" in body
        assert "重新上传到 rosters/qq/信息学院/ 文件夹" in body
        assert "receipts/" not in body  # a unit cannot open the bucket
        assert "请联系党委工作部(行政楼 302 室,电话 023-6188 3021)" in body


def test_a_file_no_folder_tells_apart_goes_to_the_office_that_sees_everything() -> None:
    receipt, file = rejected("rosters/qq/群成员.xlsx")

    notice = rejection_notice(receipt, file, [UNIT], [CLASS_OFFICE, OFFICE], make_settings())

    assert notice is not None and notice.message.recipient == "dwgzb@example.edu.cn"
    assert "2026-11-18 15:42 上传的一个群成员名单文件无法读取" in bodies(notice.raw)[0]
    assert "无法判断是哪个单位上传的,请转告上传者" in bodies(notice.raw)[0]


def test_a_unit_without_a_contact_falls_back_to_the_office_and_nobody_means_no_email() -> None:
    receipt, file = rejected("rosters/qq/信息学院/群成员.xlsx")
    no_contact = make_unit()

    to_office = rejection_notice(receipt, file, [no_contact], [OFFICE], make_settings())
    assert to_office is not None and to_office.message.recipient == OFFICE.email
    text, _ = bodies(to_office.raw)
    assert "信息工程学院于 2026-11-18 15:42 上传的" in text
    assert "该单位没有登记联系邮箱,请转告其按以下说明更正后重新上传" in text
    assert rejection_notice(receipt, file, [no_contact], [CLASS_OFFICE], make_settings()) is None
    accepted = Receipt(file=file.path, kind="rosters", rows_read=3)
    assert rejection_notice(accepted, file, [UNIT], [OFFICE], make_settings()) is None


def test_the_same_upload_has_one_identity_and_another_version_another() -> None:
    receipt, file = rejected("rosters/qq/信息学院/群成员.xlsx")
    first = rejection_notice(receipt, file, [UNIT], [OFFICE], make_settings())
    again = rejection_notice(receipt, file, [UNIT], [OFFICE], make_settings())
    later = SourceFile(path=file.path, modified=datetime(2026, 11, 18, 16, 5), size=311)
    other = rejection_notice(receipt, later, [UNIT], [OFFICE], make_settings())

    assert first is not None and again is not None and other is not None
    assert first == again  # same bytes, same identity: a replay is the same send
    assert other.message.kind != first.message.kind


def test_a_second_upload_in_the_same_second_with_other_bytes_is_another_version() -> None:
    # GIVEN a file overwritten within the second S3 dates it to, with a different size
    receipt, file = rejected("rosters/qq/信息学院/群成员.xlsx")
    overwritten = SourceFile(path=file.path, modified=file.modified, size=file.size + 1)
    first = rejection_notice(receipt, file, [UNIT], [OFFICE], make_settings())
    second = rejection_notice(receipt, overwritten, [UNIT], [OFFICE], make_settings())
    # THEN the second gets its own receipt email, not taken for a replay of the first
    assert first is not None and second is not None
    assert second.message.kind != first.message.kind
    assert second.message.eml_key != first.message.eml_key


def test_a_hostile_file_name_and_reason_are_escaped_and_kept_out_of_the_subject() -> None:
    hostile = "<img src=x onerror=alert(1)>"
    receipt, file = rejected(f"rosters/qq/信息学院/{hostile}.xlsx", reason=f"无法读取:{hostile}")

    notice = rejection_notice(receipt, file, [UNIT], [OFFICE], make_settings())

    assert notice is not None
    assert "img" not in parse(notice.raw)["Subject"]
    _, html = bodies(notice.raw)
    assert hostile not in html and "&lt;img src=x onerror=alert(1)&gt;" in html


# --- through the Lambda handler, on moto ------------------------------------------------


def drained(aws: Clients, queue: str) -> list[str]:
    """The bodies of every message now in `queue`, which is left empty."""
    url = aws.sqs.get_queue_url(QueueName=queue)["QueueUrl"]
    bodies: list[str] = []
    while batch := aws.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get(
        "Messages", []
    ):
        for message in batch:
            bodies.append(message["Body"])
            aws.sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return bodies


def upload_event(client: Client, aws: Clients, key: str) -> dict[str, Any]:
    bodies = drained(aws, "qungov-uploads")
    notification = next(body for body in bodies if (BUCKET_NAME, key) in s3_objects_in(body))
    event: dict[str, Any] = client.events.generate_sqs_event(
        [notification], queue_name="qungov-uploads"
    )
    return event


def digest_queue(aws: Clients) -> list[str]:
    return drained(aws, "qungov-digests")


@pytest.fixture
def bucket(aws: Clients) -> str:
    name = BUCKET_NAME
    aws.s3.put_object(Bucket=name, Key="config/units.csv", Body=UNITS_CSV.encode())
    aws.s3.put_object(Bucket=name, Key="config/offices.csv", Body=OFFICES_CSV.encode())
    digest_queue(aws)  # the config uploads' own notifications are not under test
    return name


def upload_broken(aws: Clients, bucket: str) -> str:
    """A workbook that is not one, uploaded to a unit's folder; its key."""
    key = "rosters/qq/信息学院/群成员.xlsx"
    aws.s3.put_object(Bucket=bucket, Key=key, Body=b"PK\x03\x04 broken")
    return key


def test_a_broken_upload_is_quarantined_and_its_unit_emailed_once(
    aws: Clients, bucket: str
) -> None:
    key = upload_broken(aws, bucket)

    with Client(app_module.app) as client:
        event = upload_event(client, aws, key)
        client.lambda_.invoke("validate_upload", event)
        client.lambda_.invoke("validate_upload", event)  # the S3 event delivered twice
        queued = digest_queue(aws)
        for body in queued:
            sqs_event = client.events.generate_sqs_event([body], queue_name="qungov-digests")
            client.lambda_.invoke("send_digest", sqs_event)
            client.lambda_.invoke("send_digest", sqs_event)  # and the queue's message too

    assert keys_under(aws.s3, "quarantine/", bucket) == [f"quarantine/{key}"]
    assert len(queued) == 1
    (sent,) = sent_emails()
    assert set(sent.destinations) == {"xxgc@example.edu.cn"}
    text, _ = bodies(sent.raw_data.encode())
    assert "rosters/qq/信息学院/群成员.xlsx" in text


def test_when_the_email_cannot_be_queued_nothing_moves_and_the_retry_does_it_all(
    aws: Clients, bucket: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = "rosters/qq/信息学院/群成员.xlsx"
    aws.s3.put_object(Bucket=bucket, Key=key, Body=b"not a workbook")

    def unreachable(**_: Any) -> None:
        raise client_error("ServiceUnavailable", "SendMessage")

    with Client(app_module.app) as client:
        event = upload_event(client, aws, key)

        def failing_clients(region: str | None = None) -> Clients:
            clients = aws_clients(region)  # each invocation makes its own
            clients.sqs.meta.events.register("before-call.sqs.SendMessage", unreachable)
            return clients

        monkeypatch.setattr(app_module, "aws_clients", failing_clients)
        with pytest.raises(Exception, match="ServiceUnavailable"):
            client.lambda_.invoke("validate_upload", event)
        assert keys_under(aws.s3, "rosters/", bucket) == [key]  # not moved: SQS retries
        assert keys_under(aws.s3, "quarantine/", bucket) == []
        monkeypatch.setattr(app_module, "aws_clients", aws_clients)
        client.lambda_.invoke("validate_upload", event)

    assert keys_under(aws.s3, "quarantine/", bucket) == [f"quarantine/{key}"]
    assert len(digest_queue(aws)) == 1


def test_the_rejected_file_is_also_in_its_units_digest_of_the_week(
    aws: Clients, bucket: str
) -> None:
    key = upload_broken(aws, bucket)
    with Client(app_module.app) as client:
        client.lambda_.invoke("validate_upload", upload_event(client, aws, key))
    uploaded = datetime.now(SHANGHAI).date()
    next_monday = uploaded + timedelta(days=7 - uploaded.weekday())

    _, plan, _ = run_weekly(weekly_ports(aws, Settings()), Settings(), next_monday, dry_run=True)

    (digest,) = [d for d in plan.digests if d.recipient == "xxgc@example.edu.cn"]
    (problem,) = digest.data_problems
    assert (problem.file, problem.row) == (key, None)
    assert problem.reason.startswith("上传时已被拒收:不是有效的 Excel 工作簿")
