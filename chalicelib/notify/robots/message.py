"""A robot notice as the bucket keeps it for the sending worker, and its send: kept apart
from the weekly run's builder (notice.py) so that the sender loads none of it."""

from __future__ import annotations

import hashlib
import json

from chalicelib.core.layout import robot_notice_key
from chalicelib.core.models import Channel, Frozen, Robot
from chalicelib.notify.sending import DIGEST, MailMessage

ROBOT_RECIPIENT_PREFIX = "robot:"


def robot_recipient(unit_id: str) -> str:
    """The send identity's recipient of a unit's robot notices."""
    return f"{ROBOT_RECIPIENT_PREFIX}{unit_id}"


class RobotNotice(Frozen):
    """What the bucket holds for the sending worker: the robot (its key in clear, in the
    private bucket only, as the emails' links are) and the text."""

    unit_id: str
    robot: Robot
    title: str
    markdown: str

    def to_bytes(self) -> bytes:
        secret = self.robot.secret.get_secret_value() if self.robot.secret else None
        robot = {"channel": self.robot.channel, "key": self.robot.key.get_secret_value()}
        data = {**self.model_dump(mode="json"), "robot": robot | {"secret": secret}}
        return json.dumps(data, ensure_ascii=False).encode()

    @classmethod
    def from_bytes(cls, raw: bytes) -> RobotNotice:
        return cls.model_validate_json(raw)

    def content_hash(self) -> str:
        """The text and the robot it goes to (a new key is a new notice's content)."""
        return hashlib.sha256(self.to_bytes()).hexdigest()[:32]

    def message(self, period: str, kind: str = DIGEST) -> MailMessage:
        """Its send: the unit's robot, the week, the digests' kind, the robot's channel."""
        content_hash = self.content_hash()
        return MailMessage(
            recipient=robot_recipient(self.unit_id),
            period=period,
            kind=kind,
            content_hash=content_hash,
            eml_key=robot_notice_key(period, content_hash),
            channel=Channel(self.robot.channel),
        )
