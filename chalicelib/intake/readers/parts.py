"""The parts of an XLSX workbook (a zip archive), bounded before anything parses them.

calamine loads a workbook's shared strings whole: a 311 KB workbook whose
xl/sharedStrings.xml inflates to 300 MB took ~1.2 GB to open. So every part's uncompressed
size is checked against `max_part_bytes` before calamine opens the workbook. The sizes in
the zip directory are what the writer claims: where a claim could hide a larger part
(deflate inflates at most ~1032:1), the part is inflated once, as a stream, and measured;
the sheets that will be read are measured that way while their extent is scanned."""

from __future__ import annotations

import copy
import zipfile
from collections.abc import Collection, Generator
from dataclasses import dataclass

from chalicelib.intake.readers.table import FileRejected

MAX_DEFLATE_RATIO = 1032  # the most one byte of deflate data can inflate to
CHUNK_BYTES = 1 << 22
MIB = 1024 * 1024
ANY_RATIO_BELOW = 16 * MIB  # a part this small may compress as well as it likes
OPENING_PARTS = ("sharedstrings.xml", "styles.xml")  # calamine reads them as it opens


@dataclass(frozen=True)
class PartLimits:
    """How far a part may inflate: `max_bytes` at most, and, once over `ANY_RATIO_BELOW`,
    no more than `max_ratio` times its compressed size. Real exports compress 5-20:1; a
    zip bomb 1000:1 (Apache POI's ZipSecureFile refuses over 100:1 by default too)."""

    max_bytes: int
    max_ratio: int | None = None
    max_strings_bytes: int | None = None  # for the shared strings and styles, read at opening

    def of(self, info: zipfile.ZipInfo) -> int:
        limit = self.max_bytes
        if self.max_strings_bytes is not None and base_name(info.filename) in OPENING_PARTS:
            limit = min(limit, self.max_strings_bytes)
        if self.max_ratio is None:
            return limit
        return min(limit, max(ANY_RATIO_BELOW, self.max_ratio * info.compress_size))

    def too_large(self, name: str, size: int, info: zipfile.ZipInfo, claimed: bool) -> str:
        """Why a part of `size` (claimed in the directory, or measured) is refused."""
        limit = self.of(info)
        if limit < self.max_bytes and limit != self.max_strings_bytes:
            ratio = size // max(info.compress_size, 1)
            lie = "" if claimed else f"(文件目录中记为 {_size(info.file_size)},与实际不符)"
            return (
                f"工作簿内部文件 {name} 解压后{' ' if claimed else '超过 '}{_size(size)}{lie},"
                f"压缩比约 {ratio}:1,超过 {self.max_ratio}:1 的上限(正常导出约为 10:1),"
                f"工作簿未读取。{ADVICE}"
            )
        if claimed:
            return part_too_large(name, size, limit)
        return part_larger_than_claimed(name, info.file_size, limit)


ADVICE = "这样的文件多为损坏或恶意构造(“压缩炸弹”);如确为正常导出,请拆分后重新上传"


def part_too_large(name: str, size: int, max_bytes: int) -> str:
    return (
        f"工作簿内部文件 {name} 解压后 {_size(size)},超过 {_size(max_bytes)} 的上限,"
        f"工作簿未读取。{ADVICE}"
    )


def part_larger_than_claimed(name: str, claimed: int, max_bytes: int) -> str:
    return (
        f"工作簿内部文件 {name} 解压后超过 {_size(max_bytes)} 的上限"
        f"(文件目录中记为 {_size(claimed)},与实际不符),工作簿未读取。{ADVICE}"
    )


def check_claimed_sizes(archive: zipfile.ZipFile, limits: PartLimits) -> None:
    """Reject the workbook when the directory says a part inflates beyond its limits."""
    for info in archive.infolist():
        if info.file_size > limits.of(info):
            raise FileRejected(limits.too_large(info.filename, info.file_size, info, True))


def check_real_sizes(
    archive: zipfile.ZipFile, limits: PartLimits, measured_later: Collection[str]
) -> None:
    """Reject the workbook when a part inflates beyond its limits whatever its claimed
    size. Parts in `measured_later` (the sheets: measured while their extent is scanned, or
    never read) are skipped, and so are parts too small to inflate that far."""
    for info in archive.infolist():
        if info.filename not in measured_later and not _bounded_by_compressed_size(
            info, limits.of(info)
        ):
            for _ in part_chunks(archive, info, limits):
                pass


def part_chunks(
    archive: zipfile.ZipFile, part: str | zipfile.ZipInfo, limits: PartLimits
) -> Generator[bytes, None, None]:
    """The inflated bytes of `part`, read to the real end of its data whatever size the
    directory claims; FileRejected once more than its limit comes out. The CRC is checked
    at the end, as zipfile always does."""
    info = archive.getinfo(part) if isinstance(part, str) else part
    max_bytes = limits.of(info)
    unclaimed = copy.copy(info)
    unclaimed.file_size = 1 << 62  # zipfile stops at the claimed size: claim no size
    total = 0
    with archive.open(unclaimed) as stream:
        while chunk := stream.read(CHUNK_BYTES):
            total += len(chunk)
            if total > max_bytes:
                raise FileRejected(limits.too_large(info.filename, total, info, False))
            yield chunk


def _bounded_by_compressed_size(info: zipfile.ZipInfo, max_bytes: int) -> bool:
    """Whether the part cannot inflate past `max_bytes`, whatever its claimed size."""
    ratio = {zipfile.ZIP_STORED: 1, zipfile.ZIP_DEFLATED: MAX_DEFLATE_RATIO}.get(info.compress_type)
    return ratio is not None and info.compress_size * ratio <= max_bytes


def base_name(name: str) -> str:
    """An entry's file name in lower case, `\\` read as `/` (as calamine looks names up)."""
    return name.replace("\\", "/").lower().rpartition("/")[2]


def _size(size: int) -> str:
    return f"{size / MIB:.0f} MB" if size >= MIB else f"{size} 字节"
