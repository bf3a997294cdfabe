"""S3Source: the data root as an S3 prefix gives what the same local folder gives."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

from chalicelib.aws.movable import MovableS3Objects
from chalicelib.aws.s3source import S3Source
from chalicelib.evaluate.scan import scan
from chalicelib.intake.loaders.tables import FILE_GONE
from chalicelib.intake.source import LocalSource, SourceFile, SourceFileGone
from jobs.sample import generate_college
from tests.aws import BUCKET, client_error, fake_aws, injected, keys_under, put, upload_folder
from tests.intake.readers import DEFAULT_SETTINGS

TODAY = date(2026, 11, 16)


@pytest.fixture
def s3(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    with fake_aws(monkeypatch) as client:
        yield client


def test_lists_nested_chinese_keys_with_sizes_relative_to_the_prefix_sorted(s3: Any) -> None:
    put(s3, "college/rosters/wechat/经管学院/2024级 1班.csv", "成员账号\nwxid_a\n")
    put(s3, "college/rosters/qq/机电学院/123456.csv", "QQ号\n10001\n")
    put(s3, "college/rosters/qq/", b"")  # a folder made in the console
    put(s3, "college/config/units.csv", "单位编码,单位名称\n")
    put(s3, "other/rosters/qq/1.csv", "QQ号\n1\n")

    files = S3Source(s3, BUCKET, prefix="college").list("rosters/")

    assert [(f.path, f.size) for f in files] == [
        ("rosters/qq/机电学院/123456.csv", len("QQ号\n10001\n".encode())),
        ("rosters/wechat/经管学院/2024级 1班.csv", len("成员账号\nwxid_a\n".encode())),
    ]


def test_lists_every_page_and_nothing_for_an_absent_folder(s3: Any) -> None:
    for i in range(1005):
        put(s3, f"rosters/qq/{i:04d}.csv", "QQ号\n1\n")

    source = S3Source(s3, BUCKET)

    assert len(source.list("rosters/")) == 1005
    assert source.list("waivers/") == []


def test_last_modified_is_naive_shanghai_time(s3: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    # 2026-11-15 23:30 UTC is already Monday morning in Shanghai.
    put(
        s3,
        "rosters/qq/1.csv",
        "QQ号\n1\n",
        at=datetime(2026, 11, 16, 7, 30),
        monkeypatch=monkeypatch,
    )

    (file,) = S3Source(s3, BUCKET).list("rosters/")

    assert file.modified == datetime(2026, 11, 16, 7, 30)
    assert file.modified.tzinfo is None


def test_read_returns_the_object_bytes_unchanged(s3: Any) -> None:
    data = "工号,姓名\nT1,张三\n".encode("gb18030")
    put(s3, "data/directory/教职工.csv", data)

    assert S3Source(s3, BUCKET, prefix="data/").read("directory/教职工.csv") == data


def test_objects_stat_missing_key_is_none_and_move_leaves_only_the_copy(s3: Any) -> None:
    put(s3, "rosters/qq/坏 文件.xlsx", b"garbage")
    objects = MovableS3Objects(s3, BUCKET)

    objects.move("rosters/qq/坏 文件.xlsx", "quarantine/rosters/qq/坏 文件.xlsx")

    assert objects.stat("rosters/qq/坏 文件.xlsx") is None
    moved = objects.stat("quarantine/rosters/qq/坏 文件.xlsx")
    assert isinstance(moved, SourceFile) and moved.size == len(b"garbage")
    assert keys_under(s3, "") == ["quarantine/rosters/qq/坏 文件.xlsx"]


def test_scan_of_the_bucket_equals_scan_of_the_same_folder(
    s3: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "data"
    generate_college(root, today=TODAY, groups=40)
    uploaded = upload_folder(s3, root, monkeypatch)

    local = scan(LocalSource(root), TODAY, DEFAULT_SETTINGS)
    remote = scan(S3Source(s3, BUCKET), TODAY, DEFAULT_SETTINGS)

    assert len(uploaded) > 10 and local.findings  # a real sample, with findings
    assert remote.findings == local.findings
    assert remote.errors == local.errors
    assert remote.roster_rows == local.roster_rows
    assert [g.key for g in remote.groups] == [g.key for g in local.groups]


def refusing(code: str) -> Callable[..., None]:
    """A botocore handler that fails the call with `code`, as S3 would."""

    def refuse(**kwargs: Any) -> None:
        raise client_error(code, "GetObject")

    return refuse


def test_read_of_an_object_deleted_after_the_listing_raises_source_file_gone(s3: Any) -> None:
    put(s3, "data/rosters/qq/1.csv", "QQ号\n1\n")
    source = S3Source(s3, BUCKET, prefix="data")
    (file,) = source.list("rosters/")
    s3.delete_object(Bucket=BUCKET, Key="data/rosters/qq/1.csv")
    with pytest.raises(SourceFileGone) as gone:
        source.read(file.path)
    assert gone.value.path == "rosters/qq/1.csv"


@pytest.mark.parametrize("code", ["NoSuchKey", "404"])
def test_read_maps_a_missing_object_answer_to_source_file_gone(s3: Any, code: str) -> None:
    put(s3, "rosters/qq/1.csv", "QQ号\n1\n")
    refused = injected(s3, "before-call.s3.GetObject", refusing(code))
    with refused, pytest.raises(SourceFileGone):
        S3Source(s3, BUCKET).read("rosters/qq/1.csv")


def test_read_lets_other_errors_fail_loudly(s3: Any) -> None:
    put(s3, "rosters/qq/1.csv", "QQ号\n1\n")
    refused = injected(s3, "before-call.s3.GetObject", refusing("AccessDenied"))
    with refused, pytest.raises(s3.exceptions.ClientError, match="AccessDenied"):
        S3Source(s3, BUCKET).read("rosters/qq/1.csv")


def test_scan_goes_on_when_a_listed_roster_is_gone_before_it_is_read(
    s3: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN the sample college in the bucket, and one roster deleted right after the
    # rosters are listed (a unit re-uploading, or upload validation quarantining it)
    root = tmp_path / "data"
    generate_college(root, today=TODAY, groups=40)
    upload_folder(s3, root, monkeypatch)
    victim = next(k for k in keys_under(s3, "rosters/") if k.endswith(".csv"))

    def delete_after_listing(parsed: dict[str, Any], **kwargs: Any) -> None:
        if any(item["Key"] == victim for item in parsed.get("Contents", [])):
            s3.delete_object(Bucket=BUCKET, Key=victim)

    local = scan(LocalSource(root), TODAY, DEFAULT_SETTINGS)
    # WHEN the bucket is scanned
    with injected(s3, "after-call.s3.ListObjectsV2", delete_after_listing):
        remote = scan(S3Source(s3, BUCKET), TODAY, DEFAULT_SETTINGS)
    # THEN that file is one error, and the scan read everything else
    gone = [e for e in remote.errors if e.file == victim]
    assert [(e.row, e.reason) for e in gone] == [(None, FILE_GONE)]
    assert [e for e in remote.errors if e.file != victim] == [
        e for e in local.errors if e.file.partition("#")[0] != victim
    ]
    assert 0 < remote.roster_rows < local.roster_rows
    assert remote.findings


def test_an_object_grown_since_it_was_listed_is_read_no_further_than_the_limit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Reproduces (review): the read was bounded only by the size seen when listing.
    with fake_aws(monkeypatch) as s3:
        put(s3, "rosters/qq/123456.csv", "QQ号\n10001\n")
        put(s3, "rosters/qq/empty.csv", b"")
        source = S3Source(s3, BUCKET)
        put(s3, "rosters/qq/123456.csv", "QQ号\n" + "10001\n" * 100_000)  # replaced, larger

        assert len(source.read("rosters/qq/123456.csv", at_most=1000)) == 1001
        assert source.read("rosters/qq/empty.csv", at_most=1000) == b""
