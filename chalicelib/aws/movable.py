"""Moving an object within the data bucket (to quarantine), which deletes the original.

Its own module, so that only the upload validator's code, and so only its role, deletes."""

from __future__ import annotations

from chalicelib.aws.s3objects import S3Objects


class MovableS3Objects(S3Objects):
    """S3Objects that can also be moved away."""

    def move(self, key: str, to: str) -> None:
        """Copy then delete: S3 has no rename. A failed copy leaves the original in place."""
        self.client.copy_object(
            Bucket=self.bucket, Key=to, CopySource={"Bucket": self.bucket, "Key": key}
        )
        self.client.delete_object(Bucket=self.bucket, Key=key)
