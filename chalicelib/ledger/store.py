"""What the weekly run, the rollups and the watch ask of the ledger. Two implementations:
`InMemoryLedger` (chalicelib/ledger/memory.py) for tests and local runs, `DynamoLedger`
(chalicelib/aws/ledger.py) in one DynamoDB table."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from chalicelib.ledger.models import EntryKey, LedgerChange, LedgerEntry, RunRecord


class LedgerConflict(Exception):
    """The stored entry is not the version this run read: another run wrote it first."""

    def __init__(self, key: EntryKey, expected_version: int | None) -> None:
        platform, group_id, rule = key
        expected = "absent" if expected_version is None else f"version {expected_version}"
        super().__init__(
            f"ledger entry {platform}/{group_id}/{rule} changed since this run read it "
            f"(expected {expected}); rerun to recompute from the stored ledger"
        )
        self.key = key
        self.expected_version = expected_version


class RunLog(Protocol):
    """The weekly runs' records, one per ISO week."""

    def run(self, period: str) -> RunRecord | None: ...

    def runs(self) -> list[RunRecord]:
        """Every run record, oldest period first."""
        ...


class Ledger(RunLog, Protocol):
    writes: int  # items written through this ledger, for the run's summary

    def entries(self) -> dict[EntryKey, LedgerEntry]: ...

    def apply(self, changes: Iterable[LedgerChange]) -> int:
        """Write each change if the stored entry is still the one it was computed from
        (`change.expected_version`); `LedgerConflict` at the first that is not. Returns
        how many were written."""
        ...

    def put_run(self, run: RunRecord) -> None: ...
