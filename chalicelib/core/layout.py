"""Where things live in the data bucket besides the data root: a prefix for each kind of
object and one function per key shape, so that the code, the IAM policies and the
template (jobs/template/) name them alike. The data root's own folders are the
catalogue's (chalicelib/intake/catalogue.py)."""

from __future__ import annotations

from datetime import date

from chalicelib.core.models import RollupKind

RECEIPTS = "receipts/"  # receipts/<key>.json for each upload
QUARANTINE = "quarantine/"  # uploads rejected whole, under their own key
OUTBOX = "outbox/"  # outbox/<week>/…eml, robot-….json: what the sending worker takes
REPORTS = "reports/"  # reports/<year>/W<week>/ and M<month>/: the archived rollups
INVENTORY = "inventory/"  # inventory/<week>.json: every known group that week (登记表)


# An uploaded key's segments that a path-normalising layer (a file system, a sync tool, an
# HTTP client) would fold into another key are written escaped in the keys derived from it,
# and `%` itself too, so that the derivation is one-to-one and reversible.
_SEGMENTS = {"": "%00", ".": "%2E", "..": "%2E%2E"}
_UNSEGMENTS = {escaped: plain for plain, escaped in _SEGMENTS.items()}


def _escaped(key: str) -> str:
    """`rosters/../a.csv` -> `rosters/%2E%2E/a.csv`; a key without `%`, dot segments or
    doubled slashes stays as it is. Nothing is normalised: `Ａ.csv` and `A.csv` stay two."""
    parts = key.replace("%", "%25").split("/")
    return "/".join(_SEGMENTS.get(part, part) for part in parts)


def _unescaped(text: str) -> str:
    parts = [_UNSEGMENTS.get(part, part) for part in text.split("/")]
    return "/".join(parts).replace("%25", "%")


def receipt_key(key: str) -> str:
    """The receipt of the upload at `key`."""
    return f"{RECEIPTS}{_escaped(key)}.json"


def quarantine_key(key: str) -> str:
    """Where the upload at `key` goes when it is rejected whole."""
    return f"{QUARANTINE}{_escaped(key)}"


def quarantined_from(quarantined: str) -> str:
    """The key a quarantined object was uploaded to."""
    return _unescaped(quarantined.removeprefix(QUARANTINE))


def digest_key(period: str, content_hash: str) -> str:
    """A rendered digest of the week `period`."""
    return f"{OUTBOX}{period}/{content_hash}.eml"


def robot_notice_key(period: str, content_hash: str) -> str:
    """A unit's rendered notice to its group robot, of the week `period`: JSON naming the
    robot's key, so it stays in the private bucket like every email."""
    return f"{OUTBOX}{period}/robot-{content_hash}.json"


def upload_notice_key(period: str, identity: str) -> str:
    """The emailed receipt of a rejected upload, in the week of the upload."""
    return f"{OUTBOX}{period}/upload-{identity}.eml"


def inventory_key(period: str) -> str:
    """The week's inventory of groups (登记表), which the rollups read."""
    return f"{INVENTORY}{period}.json"


def report_prefix(kind: RollupKind, today: date) -> str:
    """Where a rollup is archived: `reports/<year>/W<week>/` or `reports/<year>/M<month>/`."""
    if kind is RollupKind.WEEK:
        year, week, _ = today.isocalendar()
        return f"{REPORTS}{year}/W{week:02d}/"
    return f"{REPORTS}{today.year}/M{today.month:02d}/"
