"""The parts calamine reads as it opens a workbook, before any sheet can be measured.

calamine reserves room for as many shared strings as `<sst uniqueCount="N">` says, before
reading one: 300 bytes saying 10^10 ask for 240 GB and abort the process. And it scans a
cell format's number format code once for every `<xf>` that uses it: a 3 KB styles part
with a format code of 10^6 characters and 10^4 formats kept it busy for 36 s. Each part is
read whole (they are held to `max_strings_bytes`) and refused when it asks for more than
its own size could justify."""

from __future__ import annotations

import re
import zipfile

from chalicelib.intake.readers.parts import OPENING_PARTS, PartLimits, base_name, part_chunks
from chalicelib.intake.readers.table import FileRejected

SHARED_STRINGS = "sharedstrings.xml"
RESAVE = "请用 Excel 打开后另存为 .xlsx 再上传"
MIN_STRING_BYTES = 5  # `<si/>`
MAX_FORMAT_STEPS = 10**8  # Excel's most: 64,000 formats × 255 characters, under 2 × 10^7
_UNIQUE_COUNT = re.compile(rb"""uniqueCount\s*=\s*["']\s*\+?(\d+)""")
_FORMAT_CODE = re.compile(rb"""formatCode\s*=\s*(?:"([^"]*)"|'([^']*)')""")


def check_opening_parts(archive: zipfile.ZipFile, limits: PartLimits) -> set[str]:
    """Refuse the workbook when its shared strings or styles (wherever the workbook's
    folder is) would make calamine reserve or scan far more than their size, measuring
    each part as it is read; the names of the parts measured."""
    opening = [info for info in archive.infolist() if base_name(info.filename) in OPENING_PARTS]
    for info in opening:
        data = b"".join(part_chunks(archive, info, limits))
        if base_name(info.filename) == SHARED_STRINGS:
            counts = [int(found.group(1)) for found in _UNIQUE_COUNT.finditer(data)]
            if max(counts, default=0) > len(data) // MIN_STRING_BYTES:
                raise FileRejected(
                    f"不是有效的 Excel 工作簿:内部文件 {info.filename} 声称有 {max(counts)} 个"
                    f"不同的文本,远多于其 {len(data)} 字节所能容纳的,工作簿未读取。{RESAVE}"
                )
        else:
            longest = max(
                (len(f.group(1) or f.group(2)) for f in _FORMAT_CODE.finditer(data)), default=0
            )
            if longest * data.count(b"xf") > MAX_FORMAT_STEPS:
                raise FileRejected(
                    f"不是有效的 Excel 工作簿:内部文件 {info.filename} 的数字格式长达 {longest} 个"
                    f"字符(Excel 最多 255 个),工作簿未读取。{RESAVE}"
                )
    return {info.filename for info in opening}
