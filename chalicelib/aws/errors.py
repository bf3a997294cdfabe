"""The errors a call to AWS raises: isolated by the flows, described for people by
`chalicelib.core.errors.describe`."""

from __future__ import annotations

from botocore.exceptions import BotoCoreError, ClientError

AWS_ERRORS = (ClientError, BotoCoreError)  # a call to AWS that failed: isolated, reported
