"""Which part of an XLSX archive calamine loads for each sheet, found as calamine finds it.

The extent scan (extent.py) must measure the very part calamine will load, or a workbook
could show it a small decoy and give calamine a bomb. calamine (src/xlsx/mod.rs):
- takes the workbook's folder from `_rels/.rels` (its last officeDocument target), not
  always `xl/`;
- reads `<folder>workbook.xml` and `<folder>_rels/workbook.xml.rels`, each sheet's target
  as written (absolute without its `/`, else after the folder; `..` is not resolved);
- looks names up ignoring ASCII case, and `\\` in the archive's names as `/`;
- takes ids and targets as written, where ElementTree would resolve `&#49;` to `1`.
- reads a Relationship found anywhere in a relationships part, up to the first
  </Relationships>, and keeps a raw tab or line break in a sheet name (ElementTree reads a
  space).
So an archive with two entries that differ only in case or slash, a sheet name used twice
(or twice but for its whitespace), an id or target with an escape or a space, or a
relationships part of any other shape than <Relationships> holding <Relationship/>s is
refused: no export has one, and either reader could pick a different part.

The index parts are parsed with ElementTree: a part with a DTD is rejected unparsed (Excel
never writes one; entity expansion such as "billion laughs" needs one), and each is held
to `INDEX_PART_BYTES`, as the parsed tree takes several times the part's size."""

from __future__ import annotations

import re
import string
import zipfile
from xml.etree import ElementTree

from chalicelib.intake.readers.table import FileRejected

UNSUPPORTED_ENCODING = (
    "不是有效的 Excel 工作簿:内部文件 {name} 声明了 GBK 等旧式编码(Excel 只写 UTF-8),"
    "请用 Excel 打开后另存为 .xlsx 再上传"
)
INDEX_PART_BYTES = 16 * 1024 * 1024  # Excel's own: a few KB, even with hundreds of sheets
PACKAGE_RELATIONS = "_rels/.rels"
OFFICE_DOCUMENT = "/relationships/officeDocument"
_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)
_WRITTEN_AS_READ = re.compile(r"[^\s&]+")  # an id or target both readers read alike
_RAW_ID_WITH_ESCAPE = re.compile(rb"""id\s*=\s*(?:"[^"]*&|'[^']*&)""")
# A raw tab or line break in a name reads as a space to ElementTree, as itself to calamine
_SPACES = re.compile(r"[\t\n\r ]+")


def sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> the archive entry calamine loads for it; {} when calamine would find
    no workbook (it then says what the file is not)."""
    entries = _entries(archive)
    package = _index_part(archive, entries, PACKAGE_RELATIONS, raw_escapes=True)
    documents = [
        element.get("Target", "")
        for element in _relationships(package, PACKAGE_RELATIONS)
        if element.get("Type", "").endswith(OFFICE_DOCUMENT) and element.get("Target") is not None
    ]
    if not documents:
        return {}
    document = _written_as_read(documents[-1])
    folder = document[: document.rfind("/") + 1].removeprefix("/")
    relations = _index_part(archive, entries, f"{folder}_rels/workbook.xml.rels", raw_escapes=True)
    workbook = _index_part(archive, entries, f"{folder}workbook.xml", raw_escapes=False)
    if relations is None or workbook is None:
        return {}
    targets = {
        r.get("Id"): r.get("Target", "")
        for r in _relationships(relations, f"{folder}_rels/workbook.xml.rels")
    }
    parts: dict[str, str] = {}
    names: set[str] = set()
    for sheet in workbook.iter():
        if _local(sheet.tag) != "sheet":
            continue
        name = sheet.get("name", "")
        if _SPACES.sub(" ", name) in names:
            raise FileRejected(f"不是有效的 Excel 工作簿:工作表名“{name}”出现了两次")
        names.add(_SPACES.sub(" ", name))
        ids = [value for key, value in sheet.attrib.items() if _local(key) == "id"]
        if ids and ids[-1] in targets:
            target = _written_as_read(targets[_written_as_read(ids[-1])] or "")
            path = target[1:] if target.startswith("/") else f"{folder}{target}"
            parts[name] = entries.get(path.translate(_ASCII_LOWER), path)
    return parts


def _entries(archive: zipfile.ZipFile) -> dict[str, str]:
    """The archive's names as calamine looks them up (ASCII case ignored, `\\` read as
    `/`) -> the name itself; two names that look alike so are refused."""
    entries: dict[str, str] = {}
    for name in archive.namelist():
        key = name.replace("\\", "/").translate(_ASCII_LOWER)
        if key in entries:
            raise FileRejected(
                f"不是有效的 Excel 工作簿:内部文件 {name} 出现了两次(或仅大小写不同),"
                "无法确定读取哪一个,工作簿未读取"
            )
        entries[key] = name
    return entries


def _relationships(part: ElementTree.Element | None, name: str) -> list[ElementTree.Element]:
    """The relationships of a part shaped as every writer shapes it: <Relationships>
    holding <Relationship/> elements and nothing else. calamine takes a Relationship found
    anywhere, and stops at the first </Relationships>: any other shape is refused."""
    if part is None:
        return []
    if _local(part.tag) != "Relationships" or any(
        _local(child.tag) != "Relationship" or len(child) for child in part
    ):
        raise FileRejected(
            f"不是有效的 Excel 工作簿:内部文件 {name} 的结构不是 Excel 写出的样子,工作簿未读取"
        )
    return list(part)


def _written_as_read(value: str) -> str:
    if not _WRITTEN_AS_READ.fullmatch(value):
        raise FileRejected(
            f"不是有效的 Excel 工作簿:内部引用“{value[:40]}”含空白或转义字符,工作簿未读取"
        )
    return value


def _local(name: str) -> str:
    return name.rpartition("}")[2]


def _index_part(
    archive: zipfile.ZipFile, entries: dict[str, str], part: str, *, raw_escapes: bool
) -> ElementTree.Element | None:
    """The parsed part (looked up as calamine does); None when the archive has none. With
    `raw_escapes`, a part with any `&` is refused: its ids and targets are read raw by
    calamine; else only an `id` attribute holding one is."""
    name = entries.get(part.translate(_ASCII_LOWER), part)
    try:
        info = archive.getinfo(name)
    except KeyError:
        return None
    if info.file_size > INDEX_PART_BYTES:
        raise FileRejected(
            f"不是有效的 Excel 工作簿:内部文件 {name} 有 {info.file_size} 字节,"
            f"超过 {INDEX_PART_BYTES} 字节的上限(Excel 写出的只有几 KB)"
        )
    data = archive.read(info)  # zipfile reads no more than the claimed size
    if b"<!DOCTYPE" in data:
        raise FileRejected(
            f"不是有效的 Excel 工作簿:内部文件 {name} 含有 DTD(<!DOCTYPE>)声明。"
            "Excel 不会写出这样的文件,它可能被恶意构造(如 XML 实体膨胀攻击),未读取"
        )
    if b"&" in data if raw_escapes else _RAW_ID_WITH_ESCAPE.search(data):
        raise FileRejected(f"不是有效的 Excel 工作簿:内部文件 {name} 的引用含转义字符,未读取")
    try:
        return ElementTree.fromstring(data)
    except ElementTree.ParseError as error:
        raise FileRejected(
            f"不是有效的 Excel 工作簿:内部文件 {name} 无法解析:不是有效的 XML(第 {error.position[0]} 行)"
        ) from None
    except ValueError:  # expat reads no multi-byte legacy encoding (GBK, Big5 ...)
        raise FileRejected(UNSUPPORTED_ENCODING.format(name=name)) from None
