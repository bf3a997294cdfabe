"""The zip archive of an XLSX, held to the shape in which Python's zipfile (which the guard
reads) and the zip crate (which calamine reads) see the same entries.

The two differ where a file is more than one plain archive: zipfile takes the last
end-of-directory signature it finds, the crate skips one it finds invalid and looks
further back; zipfile obeys a zip64 end record that the crate ignores while the plain
record's fields are not full. The crate renames an entry that carries an Info-ZIP Unicode
Path field (0x7075), and looks names up by their raw bytes, not as decoded; zipfile does
neither. And calamine, when it cannot open a zip as XLSX, tries it as XLSB and then ODS,
reading every ODS table whole before any sheet could be measured. Excel, WPS, LibreOffice
and every library writer produce one archive that begins at its first byte, ends with its
one end record, and has none of these entries or fields; anything else is refused unread."""

from __future__ import annotations

import struct
import zipfile

from chalicelib.intake.readers.parts import base_name
from chalicelib.intake.readers.table import FileRejected

END_RECORD = b"PK\x05\x06"
END_RECORD_BYTES = 22
END_SEARCH_BYTES = END_RECORD_BYTES + 0xFFFF  # the end record and the longest comment
UNICODE_PATH = 0x7075
UTF8_NAME = 0x800  # the flag bit saying the entry's name is UTF-8 (else CP437)
ODS_CONTENT = "content.xml"  # at the root, it makes calamine read the file as ODS
XLSB_WORKBOOK = "workbook.bin"

_NOT_ONE_ARCHIVE = (
    "不是有效的 Excel 工作簿:文件不是单一、完整的压缩包(前后附有其他数据,"
    "或含有多个压缩包目录),无法确定其内容,未读取。请用 Excel 打开后另存为 .xlsx 再上传"
)


def check_one_archive(data: bytes, archive: zipfile.ZipFile) -> None:
    """Refuse `data` unless zipfile and calamine's zip crate read the same entries of it,
    as the workbook calamine would open."""
    tail = max(0, len(data) - END_SEARCH_BYTES)
    end = data.rfind(END_RECORD, tail)
    if end < 0 or data.count(END_RECORD, tail) != 1:
        raise FileRejected(_NOT_ONE_ARCHIVE)
    entries, directory_size, directory, comment = struct.unpack_from("<10xHIIH", data, end)
    starts_at_zero = min((i.header_offset for i in archive.infolist()), default=0) == 0
    if (
        end + END_RECORD_BYTES + comment != len(data)
        or not starts_at_zero
        # zipfile reads the directory just before the end record (or a zip64 record it finds
        # there, which the zip crate ignores), the crate where the end record says
        or directory + directory_size != end
        or archive.start_dir != directory
        or entries != len(archive.infolist())
    ):
        raise FileRejected(_NOT_ONE_ARCHIVE)
    for info in archive.infolist():
        if not info.filename.isascii() and not info.flag_bits & UTF8_NAME:
            raise FileRejected(
                f"不是有效的 Excel 工作簿:内部文件名 {info.filename} 未标明编码"
                "(不同的读取程序会读到不同的文件),未读取。请用 Excel 打开后另存为 .xlsx 再上传"
            )
        if UNICODE_PATH in _extra_fields(info.extra):
            raise FileRejected(
                f"不是有效的 Excel 工作簿:内部文件 {info.filename} 带有另一个名字"
                "(Unicode Path 扩展字段),不同的读取程序会读到不同的文件,未读取"
            )
        if base_name(info.filename) == XLSB_WORKBOOK or info.filename.lower() == ODS_CONTENT:
            raise FileRejected(
                f"不是有效的 Excel 工作簿:内含 {info.filename},这是其他表格格式"
                "(.ods / .xlsb)的内容。请用 Excel 打开后另存为 .xlsx 再上传"
            )


def _extra_fields(extra: bytes) -> list[int]:
    """The ids of a zip entry's extra fields (each: id, size, then size bytes)."""
    ids = []
    position = 0
    while position + 4 <= len(extra):
        field, size = struct.unpack_from("<HH", extra, position)
        ids.append(field)
        position += 4 + size
    return ids
