"""Uploads from the browser straight to the bucket: a presigned POST whose policy allows
only keys under the unit's own folder (`rosters/<platform>/<unit>/` for a group
platform's member lists, `posts/<platform>/<unit>/` for a new-media platform's post
exports) and files no larger
than the upload limit (S3 enforces both); the bucket then sends the browser back to the
portal's receipt page. Approved waivers are written under `waivers/portal/`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from chalicelib.core.models import Platform
from chalicelib.ledger.actions import UnitAction

PORTAL_WAIVERS = "waivers/portal/"  # one CSV per approval, read by the next weekly run


def waiver_key(action: UnitAction) -> str:
    return f"{PORTAL_WAIVERS}{action.action_id}.csv"


def unit_folder(platform: Platform, unit_id: str) -> str:
    data = "posts" if platform.is_account else "rosters"
    return f"{data}/{platform.value}/{unit_id}/"


@dataclass(frozen=True)
class UploadForm:
    url: str  # where the form posts: the bucket's endpoint
    fields: tuple[tuple[str, str], ...]  # the signed policy's fields, in order
    folder: str
    platform: str
    max_mb: int


class Presigner(Protocol):
    def upload_form(self, folder: str, max_bytes: int, redirect: str, seconds: int,
                    platform: Platform) -> UploadForm: ...  # fmt: skip

    def download_link(self, key: str, seconds: int) -> str: ...
