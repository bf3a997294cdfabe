"""Every flow's AWS side in memory: one data bucket, the ledger, the send log, the digest
queue and a mail provider that keeps what it is handed. The flow tests run on it; moto
stays for the adapters and the end-to-end runs (tests/flows/test_weekly.py, the demo)."""

from __future__ import annotations

import email
import email.policy
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path

from chalicelib.core.settings import Settings
from chalicelib.flows.delivery import DeliveryPorts, send_digest_record
from chalicelib.flows.rollup import RollupPorts
from chalicelib.flows.weekly import WeeklyPorts
from chalicelib.intake.catalogue import DATA_PREFIXES
from chalicelib.intake.source import MemoryBucket
from chalicelib.ledger.memory import InMemoryLedger
from chalicelib.notify.memory import (
    InMemorySendLog,
    MemoryMailHealth,
    MemoryMailQueue,
    MemoryTransport,
)
from chalicelib.notify.sending import SendFailed


@dataclass
class LocalAws:
    now: datetime  # naive, Asia/Shanghai: when the next upload is stamped
    bucket: MemoryBucket = field(init=False)
    ledger: InMemoryLedger = field(default_factory=InMemoryLedger)
    send_log: InMemorySendLog = field(default_factory=InMemorySendLog)
    transport: MemoryTransport = field(default_factory=MemoryTransport)
    queue: MemoryMailQueue = field(init=False)
    hidden: list[tuple[str, int]] = field(default_factory=list)  # (message, seconds)
    health: MemoryMailHealth = field(default_factory=MemoryMailHealth)
    mail_events: list[str] = field(default_factory=list)  # what the provider reports

    def __post_init__(self) -> None:
        self.bucket = MemoryBucket(now=self.now)
        self.queue = MemoryMailQueue(self.bucket)

    def upload(self, root: Path, at: datetime | None = None) -> None:
        """Mirror a local data root into the bucket, as units upload it (at `at`)."""
        self.bucket.now = at or self.now
        local = {p.relative_to(root).as_posix(): p for p in sorted(root.rglob("*")) if p.is_file()}
        for key, path in local.items():
            self.bucket.put(key, path.read_bytes())
        for key in self.bucket.keys(""):
            if key.startswith(DATA_PREFIXES) and key not in local:
                self.bucket.delete(key)

    def weekly(self) -> WeeklyPorts:
        return WeeklyPorts(
            self.bucket,
            self.bucket,
            self.ledger,
            self.send_log,
            self.queue,
            self.health,
            self._take_mail_events,
        )

    def rollup(self) -> RollupPorts:
        return RollupPorts(
            self.bucket, self.bucket, self.ledger, self.send_log, self.transport, self.health
        )

    def _take_mail_events(self, take: Callable[[str], None]) -> int:
        """As the queue hands them over: each event is gone only once it was taken."""
        taken = 0
        while self.mail_events:
            take(self.mail_events[0])
            self.mail_events.pop(0)
            taken += 1
        return taken

    def delivery(self) -> DeliveryPorts:
        def hide(handle: str, seconds: int) -> None:
            self.hidden.append((handle, seconds))

        return DeliveryPorts(self.send_log, self.bucket, self.transport, hide, self.health)

    def drain(self, settings: Settings, now: datetime) -> Counter[str]:
        """Deliver every queued message once, as the sending worker receives them."""
        outcomes: Counter[str] = Counter()
        worker = self.delivery()
        for message in self.queue.take():
            record = {"body": message.to_json(), "receiptHandle": message.eml_key}
            try:
                outcomes[send_digest_record(record, worker, settings, now)] += 1
            except SendFailed:
                outcomes["retry later"] += 1
        return outcomes

    def emails(self) -> list[EmailMessage]:
        """Every email the provider accepted, parsed."""
        parsed = []
        for _, _, raw in self.transport.sent:
            message = email.message_from_bytes(raw, policy=email.policy.default)
            assert isinstance(message, EmailMessage)
            parsed.append(message)
        return parsed
