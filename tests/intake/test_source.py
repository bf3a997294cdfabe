"""Where the data lives: the data root's contract, held by a local folder, the in-memory
bucket and S3 (on moto), and the bucket objects' contract, held by the in-memory bucket
and S3."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from chalicelib.aws.movable import MovableS3Objects
from chalicelib.aws.s3source import S3Source
from chalicelib.intake.source import (
    DataSource,
    LocalSource,
    MemoryBucket,
    MovableObjects,
    SourceFileGone,
)
from tests.aws import BUCKET, fake_aws

NOW = datetime(2026, 11, 16, 7, 30)
FILES = {
    "rosters/qq/信工学院/551047987.csv": "QQ号\n10001\n",
    "rosters/qq/2024级 1班.csv": "QQ号\n10002\n",
    "directory/教职工.csv": "工号,姓名\n",
}
ROSTER = "QQ号\n1\n".encode()


@pytest.fixture(params=["local", "memory", "s3"])
def root(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[DataSource]:
    if request.param == "local":
        for path, text in FILES.items():
            (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
            (tmp_path / path).write_text(text, encoding="utf-8")
        yield LocalSource(tmp_path)
    elif request.param == "memory":
        bucket = MemoryBucket(now=NOW)
        for path, text in FILES.items():
            bucket.put(path, text.encode())
        yield bucket
    else:
        with fake_aws(monkeypatch) as s3:
            for path, text in FILES.items():
                s3.put_object(Bucket=BUCKET, Key=path, Body=text.encode())
            yield S3Source(s3, BUCKET)


@pytest.fixture(params=["memory", "s3"])
def objects(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Iterator[MovableObjects]:
    if request.param == "memory":
        yield MemoryBucket(now=NOW)
    else:
        with fake_aws(monkeypatch) as s3:
            yield MovableS3Objects(s3, BUCKET)


def test_files_under_a_folder_are_listed_at_any_depth_sorted_with_their_sizes(
    root: DataSource,
) -> None:
    listed = root.list("rosters/")

    assert [(f.path, f.size) for f in listed] == [
        ("rosters/qq/2024级 1班.csv", len(FILES["rosters/qq/2024级 1班.csv"].encode())),
        (
            "rosters/qq/信工学院/551047987.csv",
            len(FILES["rosters/qq/信工学院/551047987.csv"].encode()),
        ),
    ]
    assert root.list("waivers/") == []


def test_a_read_is_bounded_and_a_vanished_file_is_said_to_be_gone(root: DataSource) -> None:
    path = "rosters/qq/信工学院/551047987.csv"

    assert root.read(path) == FILES[path].encode()
    assert root.read(path, at_most=3) == FILES[path].encode()[:4]
    with pytest.raises(SourceFileGone):
        root.read("rosters/qq/none.csv")


def test_objects_are_put_stat_read_listed_and_moved(objects: MovableObjects) -> None:
    objects.put("receipts/rosters/qq/1.csv.json", b"{}", "application/json")
    objects.put("rosters/qq/1.csv", ROSTER)

    objects.move("rosters/qq/1.csv", "quarantine/rosters/qq/1.csv")

    assert objects.stat("rosters/qq/1.csv") is None
    stat = objects.stat("quarantine/rosters/qq/1.csv")
    assert stat is not None and stat.size == len(ROSTER)
    assert objects.get("quarantine/rosters/qq/1.csv") == ROSTER
    assert objects.keys("") == ["quarantine/rosters/qq/1.csv", "receipts/rosters/qq/1.csv.json"]
    with pytest.raises(Exception):  # noqa: B017  (S3's NoSuchKey, the bucket's SourceFileGone)
        objects.get("rosters/qq/1.csv")
