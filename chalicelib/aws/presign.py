"""Presigned S3 requests for the portal (chalicelib/portal/uploads.py says what they allow)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chalicelib.core.models import Platform
from chalicelib.core.settings import MIB
from chalicelib.portal.uploads import UploadForm


@dataclass(frozen=True)
class S3Presigner:
    client: Any  # boto3 S3 client
    bucket: str

    def upload_form(self, folder: str, max_bytes: int, redirect: str, seconds: int,
                    platform: Platform) -> UploadForm:  # fmt: skip
        post = self.client.generate_presigned_post(
            Bucket=self.bucket,
            Key=folder + "${filename}",
            Fields={"success_action_redirect": redirect},
            Conditions=[
                ["starts-with", "$key", folder],
                ["content-length-range", 1, max_bytes],
                {"success_action_redirect": redirect},
            ],
            ExpiresIn=seconds,
        )
        return UploadForm(url=post["url"], fields=tuple(post["fields"].items()), folder=folder,
                          platform=platform.value, max_mb=max_bytes // MIB)  # fmt: skip

    def download_link(self, key: str, seconds: int) -> str:
        return str(
            self.client.generate_presigned_url(
                "get_object", Params={"Bucket": self.bucket, "Key": key}, ExpiresIn=seconds
            )
        )
