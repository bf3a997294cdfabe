"""Moving an object within the data bucket (to quarantine), which deletes the original.

Its own module, so that only the upload validator's code, and so only its role, deletes."""

from __future__ import annotations

from chalicelib.aws.s3objects import S3Objects
from chalicelib.aws.s3source import error_code


class MovableS3Objects(S3Objects):
    """S3Objects that can also be moved away."""

    def move(self, key: str, to: str, if_match: str = "") -> bool:
        """Copy then delete: S3 has no rename. A failed copy leaves the original in place.
        With `if_match` (the ETag of the version checked), a version uploaded since is
        neither copied nor deleted: its own upload event checks it."""
        source = {"Bucket": self.bucket, "Key": key}
        condition = {"CopySourceIfMatch": if_match} if if_match else {}
        try:
            self.client.copy_object(Bucket=self.bucket, Key=to, CopySource=source, **condition)
        except self.client.exceptions.ClientError as error:
            if error_code(error) not in PRECONDITION_FAILED:
                raise
            return False
        try:
            self.client.delete_object(Bucket=self.bucket, Key=key, **_if_match(if_match))
        except self.client.exceptions.ClientError as error:
            if error_code(error) not in PRECONDITION_FAILED:
                raise
            self.client.delete_object(Bucket=self.bucket, Key=to)  # not the version checked
            return False
        return True


PRECONDITION_FAILED = {"PreconditionFailed", "412"}


def _if_match(etag: str) -> dict[str, str]:
    return {"IfMatch": etag} if etag else {}
