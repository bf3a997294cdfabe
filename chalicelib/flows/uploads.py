"""Validation of one uploaded object with the same readers as the weekly scan.

An upload under rosters/, directory/, filings/, waivers/ or config/ gets a receipt at
`receipts/<key>.json` (rows read, row errors, or why the file was rejected); a file
rejected whole is moved to `quarantine/<key>`, so the next scan never sees it, and its
receipt goes back by email to the unit that uploaded it (chalicelib/notify/notices)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import partial
from urllib.parse import unquote_plus

from chalicelib.aws.clients import Clients
from chalicelib.aws.errors import AWS_ERRORS
from chalicelib.aws.mailqueue import SqsMailQueue
from chalicelib.aws.movable import MovableS3Objects
from chalicelib.aws.portalkeys import ssm_keyring
from chalicelib.aws.s3source import S3Source
from chalicelib.core.dates import SHANGHAI
from chalicelib.core.layout import quarantine_key, receipt_key
from chalicelib.core.models import DataError
from chalicelib.core.settings import Settings
from chalicelib.evaluate.rules import waivable_rules
from chalicelib.intake.catalogue import folder_of
from chalicelib.intake.config import ScanAborted, load_offices, load_units
from chalicelib.intake.inspection import Receipt, check_file, describe_error
from chalicelib.intake.loaders.tables import FILE_GONE
from chalicelib.intake.source import DataSource, MovableObjects, SourceFile
from chalicelib.notify.notices.rejected import rejection_notice
from chalicelib.notify.sending import MailMessage, MailQueue
from chalicelib.portal.links import Links
from chalicelib.portal.tokens import Keyring

__all__ = [
    "Receipt",
    "UploadPorts",
    "format_receipt",
    "ports",
    "s3_objects_in",
    "validate_upload",
]


@dataclass(frozen=True)
class UploadPorts:
    """One data bucket, as the upload check reads and changes it."""

    source: DataSource  # the data root: the upload, and the unit list to route by
    objects: MovableObjects  # receipts and quarantine
    queue: MailQueue  # a rejected file's receipt, by email
    keyring: Callable[[], Keyring] | None = None  # signs the unit's portal link; None: none


def ports(clients: Clients, settings: Settings, bucket: str) -> UploadPorts:
    """The check on AWS, for the bucket an S3 event names."""
    return UploadPorts(
        source=S3Source(clients.s3, bucket),
        objects=MovableS3Objects(clients.s3, bucket),
        queue=SqsMailQueue(clients.s3, clients.sqs, bucket, settings.digest_queue),
        keyring=partial(ssm_keyring, clients.ssm, settings.portal_key_parameter),
    )


SHOWN_ERRORS = 3  # in the one-line log summary


def s3_objects_in(message_body: str) -> list[tuple[str, str]]:
    """(bucket, key) of every object created in an S3 event notification read from SQS
    (directly or through SNS); `s3:TestEvent` and other events give nothing."""
    message = json.loads(message_body)
    if isinstance(message, dict) and message.get("Type") == "Notification":
        message = json.loads(message["Message"])  # delivered through an SNS topic
    if not isinstance(message, dict) or message.get("Event") == "s3:TestEvent":
        return []
    objects = []
    for record in message.get("Records", []):
        event = str(record.get("eventName", "")).removeprefix("s3:")
        if event.startswith("ObjectCreated:"):
            where = record["s3"]
            # Keys arrive URL-encoded, with `+` for a space.
            objects.append((where["bucket"]["name"], unquote_plus(where["object"]["key"])))
    return objects


def validate_upload(
    ports: UploadPorts, key: str, settings: Settings, *, today: date | None = None
) -> Receipt | None:
    """Check one uploaded object, write its receipt, quarantine it when rejected whole.

    None when the key is not a data-root file or the object is gone (a replayed message
    after it was quarantined). `today` (for waiver expiry) defaults to the upload's date.
    A rejected file's receipt is queued for email and written before the file is moved:
    when either fails, nothing has moved and the event's retry does it all again."""
    if folder_of(key) is None:
        return None
    file = ports.objects.stat(key)
    if file is None:
        return None
    receipt = check_file(
        ports.source, file, settings, today or file.modified.date(), waivable_rules()
    )
    if receipt.rejected == FILE_GONE:  # moved or deleted since it was stat'ed: nothing to do
        return None
    if receipt.rejected is not None:
        receipt = receipt.model_copy(update={"quarantined_to": quarantine_key(key)})
        notify_rejection(ports, receipt, file, settings)
    # written before the move: a retry after the move finds no file, and so no receipt
    body = json.dumps(receipt.model_dump(mode="json"), ensure_ascii=False, indent=2)
    ports.objects.put(receipt_key(key), body.encode(), "application/json; charset=utf-8")
    # Only the version checked: one the unit uploaded again meanwhile has its own event.
    if receipt.rejected is not None and not ports.objects.move(
        key, quarantine_key(key), if_match=file.etag
    ):
        return receipt.model_copy(update={"quarantined_to": None})
    return receipt


def notify_rejection(
    ports: UploadPorts, receipt: Receipt, file: SourceFile, settings: Settings
) -> MailMessage | None:
    """Queue the email of a rejected file's receipt (sent by the digest queue's worker)."""
    errors: list[DataError] = []
    try:
        units = load_units(ports.source, settings, errors).units
    except ScanAborted:  # no unit list: only the office can be told
        units = []
    offices = load_offices(ports.source, settings, errors)
    notice = rejection_notice(
        receipt, file, units, offices, settings, _unit_link(ports, settings, file)
    )
    if notice is None:
        return None
    ports.queue.post(notice.message, notice.raw)
    return notice.message


def _unit_link(
    ports: UploadPorts, settings: Settings, file: SourceFile
) -> Callable[[str, str], str] | None:
    """The unit contact's portal link, issued at the upload's time (a retried check renders
    the same email); None without a portal or its keys: the receipt goes without it."""
    if not settings.portal_url or ports.keyring is None:
        return None
    try:
        links = Links(settings.portal_url, ports.keyring(), file.modified.replace(tzinfo=SHANGHAI))
    except (ValueError, *AWS_ERRORS):
        return None
    return lambda recipient, unit_id: links.unit(recipient, [unit_id])


def format_receipt(receipt: Receipt) -> str:
    """One paragraph in Chinese for the logs."""
    if receipt.rejected is not None:
        text = f"{receipt.file}:已拒收:{receipt.rejected}"
        if receipt.quarantined_to:
            text += f",文件已移到 {receipt.quarantined_to}"
    else:
        text = f"{receipt.file}:读取 {receipt.rows_read} 行"
        bad_rows = sum(1 for e in receipt.row_errors if e.row is not None)
        bad_rows += receipt.error_count - len(receipt.row_errors)  # those not listed
        sheets = receipt.error_count - bad_rows
        if bad_rows:
            text += f",{bad_rows} 行有错误"
        if sheets:
            text += f",{sheets} 个工作表无法读取"
        if receipt.error_count:
            shown = ";".join(
                describe_error(receipt.file, e) for e in receipt.row_errors[:SHOWN_ERRORS]
            )
            more = ";…" if receipt.error_count > SHOWN_ERRORS else ""
            text += f"({shown}{more})"
        else:
            text += ",没有发现错误"
    return "。".join([text, *receipt.notes]) + "。"
