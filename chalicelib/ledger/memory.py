"""The ledger in memory: the same conditional writes as the DynamoDB table, for the domain
and flow tests and for local runs without AWS."""

from __future__ import annotations

from collections.abc import Iterable

from chalicelib.ledger.models import EntryKey, LedgerChange, LedgerEntry, RunRecord
from chalicelib.ledger.store import LedgerConflict


class InMemoryLedger:
    """A `Ledger` kept in two dicts."""

    def __init__(self) -> None:
        self._entries: dict[EntryKey, LedgerEntry] = {}
        self._runs: dict[str, RunRecord] = {}
        self.writes = 0

    def entries(self) -> dict[EntryKey, LedgerEntry]:
        return dict(self._entries)

    def apply(self, changes: Iterable[LedgerChange]) -> int:
        written = 0
        for change in changes:
            key = change.entry.key
            stored = self._entries.get(key)
            stored_version = stored.version if stored is not None else None
            if stored_version != change.expected_version:
                raise LedgerConflict(key, change.expected_version)
            self._entries[key] = change.entry
            written += 1
            self.writes += 1
        return written

    def put_run(self, run: RunRecord) -> None:
        self._runs[run.period] = run
        self.writes += 1

    def run(self, period: str) -> RunRecord | None:
        return self._runs.get(period)

    def runs(self) -> list[RunRecord]:
        return [self._runs[period] for period in sorted(self._runs)]
