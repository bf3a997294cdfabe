"""Files rejected when they were uploaded: validate_upload moved them to quarantine/, so
the weekly scan never reads them, yet their units must hear of them in the week's digest
(the 数据问题 section) like any file the scan could not read."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from pydantic import ValidationError

from chalicelib.core.dates import WEEKLY_RUN_TIME, weekly_run
from chalicelib.core.layout import QUARANTINE, quarantined_from, receipt_key
from chalicelib.core.models import DataError
from chalicelib.intake.inspection import Receipt
from chalicelib.intake.source import DataSource, SourceFileGone


def rejected_this_week(source: DataSource, today: date) -> list[DataError]:
    """Each file quarantined since the previous weekly run (the Monday before this run's,
    08:00; a re-run later in the week looks back as far), with the reason its receipt
    gives; the file is named by the path it was uploaded to."""
    since = datetime.combine(weekly_run(today) - timedelta(days=7), WEEKLY_RUN_TIME)
    problems = []
    for file in source.list(QUARANTINE):
        if file.modified < since:
            continue
        path = quarantined_from(file.path)
        problems.append(DataError(file=path, reason=f"上传时已被拒收:{_reason(source, path)}"))
    return problems


def _reason(source: DataSource, path: str) -> str:
    try:
        receipt = Receipt.model_validate_json(source.read(receipt_key(path)))
    except (SourceFileGone, ValidationError):
        return "文件无法读取,已移到 quarantine/"
    return receipt.rejected or "文件无法读取,已移到 quarantine/"
