"""Values from a cell, checked where they are read (DESIGN.md, "Plausible values").

- Text: control characters removed, cut to a bounded length (the caller reports the cut).
- Ids: Unicode NFKC, zero-width and control characters removed, `123.0` read as `123`;
  scientific notation and over-long ids are refused.
- Email addresses: exactly one address, syntax-checked by email-validator, ASCII on the
  wire (an internationalised domain becomes punycode), no display name, no second address.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

from chalicelib.core.errors import ValueRefused

# C0/C1 controls, zero-width characters, bidirectional overrides and the BOM: invisible in
# a name, and able to make two equal-looking ids differ or reorder what a reader sees.
_INVISIBLE = re.compile("[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")
_SCIENTIFIC = re.compile(r"[+-]?\d+(?:\.\d+)?[eE][+-]?\d+")
_INTEGRAL_FLOAT = re.compile(r"(\d+)\.0+")
_SEVERAL_ADDRESSES = re.compile(r"[,，;；\s]")
# A strict subset of valid addresses, accepted without the full check (a directory lists
# hundreds of thousands): dot-atoms of plain ASCII, a dotted domain, a letter TLD.
_PLAIN_ADDRESS = re.compile(
    r"(?=.{1,64}@)[A-Za-z0-9_%+-]+(?:\.[A-Za-z0-9_%+-]+)*"
    r"@((?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63})"
)


def clean_text(value: str, max_chars: int) -> tuple[str, bool]:
    """The text without invisible characters, and whether it had to be cut to `max_chars`."""
    text = value if value.isprintable() else _INVISIBLE.sub("", value)
    text = text.strip()
    if len(text) > max_chars:
        return text[:max_chars], True
    return text, False


def cut_notice(length: int, max_chars: int) -> str:
    return f"内容过长({length} 个字符),已截断为前 {max_chars} 个字符"


def normalize_id(value: str, max_chars: int) -> str:
    """An id as one string, whatever tool wrote it; "" for an empty cell.

    Fast for the common cases, ASCII digits (QQ numbers) and printable ASCII starting with
    a letter and without a dot (WeChat and WeCom ids): NFKC leaves those as they are, and
    neither a float nor scientific notation starts with a letter. Raises `ValueRefused`."""
    text = value.strip()
    if text.isascii() and len(text) <= max_chars:
        if text.isdigit():
            return text
        if text[:1].isalpha() and text.isprintable() and "." not in text:
            return text
    text = unicodedata.normalize("NFKC", _INVISIBLE.sub("", text)).strip()
    if _SCIENTIFIC.fullmatch(text):
        raise ValueRefused(
            "账号是科学计数法(如 2.02605E+14),原号码已丢失:"
            "请在 Excel 中把该列设为“文本”格式后重新导出"
        )
    integral = _INTEGRAL_FLOAT.fullmatch(text)
    if integral:
        text = integral.group(1)  # pandas writes 795425564.0 for an id column with blanks
    if len(text) > max_chars:
        raise ValueRefused(f"账号过长({len(text)} 个字符,上限 {max_chars}),不是有效的账号")
    return text


def check_email(value: str) -> str:
    """The one address in a cell, normalised (domain lower case); raises `ValueRefused`."""
    text = value.strip()
    plain = _PLAIN_ADDRESS.fullmatch(text)
    if plain is not None and len(text) <= 254 and _is_ordinary(plain.group(1)):
        local, _, domain = text.rpartition("@")
        return f"{local}@{domain.lower()}"
    # The address is not quoted back: receipts and logs name the file, row and column.
    if "\n" in text or "\r" in text:
        raise ValueRefused("邮箱含换行,只能填写一个地址")
    if "<" in text or ">" in text:
        raise ValueRefused("邮箱含显示名或尖括号,只能填写地址本身(如 name@example.edu.cn)")
    if text.count("@") > 1 or _SEVERAL_ADDRESSES.search(text):
        raise ValueRefused("邮箱含多个地址或空格,每格只能填写一个地址")
    # Imported here: only an unusual address needs it, and it takes 20 ms to import.
    from email_validator import EmailNotValidError, validate_email

    try:
        checked = validate_email(text, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError:
        raise ValueRefused("邮箱格式不正确") from None
    return str(checked.ascii_email or checked.normalized)


_SPECIAL_USE = frozenset({"arpa", "invalid", "local", "localhost", "onion", "test"})  # RFC 6761


def _is_ordinary(domain: str) -> bool:
    """Not a special-use domain, and no `--` that IDNA reserves (`xn--`): those take the
    full check."""
    return "--" not in domain and domain.lower().rpartition(".")[2] not in _SPECIAL_USE


def nfkc(text: str) -> str:
    """A name as compared: Unicode NFKC (the Kangxi radical `⼯` is `工`, full-width
    letters and digits are ASCII), invisible characters removed."""
    return unicodedata.normalize("NFKC", _INVISIBLE.sub("", text)).strip()


def fold(text: str) -> str:
    """A name or keyword as matched inside another: `nfkc`, and case folded."""
    return nfkc(text).casefold()


_UNSAFE_IN_NAMES = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]+')


def safe_filename(text: str, max_chars: int = 80) -> str:
    """A value from the data (an office, a recipient) as one file name: no separators,
    no control characters, no leading dots (`../x` becomes `_x…`), bounded length. A name
    that had to change carries a short hash of the value, so that two values never share
    one file (`a/b` and `a:b` both read `a_b`, with different hashes)."""
    name = _UNSAFE_IN_NAMES.sub("_", _INVISIBLE.sub("", text)).strip().lstrip(".").strip()
    if name == text and 0 < len(name) <= max_chars:
        return name
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]
    return f"{name[: max_chars - 9] or '未命名'}-{digest}"


FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(text: str) -> str:
    """Text a spreadsheet could take for a formula, made inert by a leading quote (every
    workbook and CSV qungov writes)."""
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text
