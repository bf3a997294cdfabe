"""Monday noon: did this week's weekly run happen? (chalicelib/ledger/watch.py decides; its
error raises the watch function's alarm.)"""

from __future__ import annotations

from datetime import date

from chalicelib.aws.clients import Clients
from chalicelib.aws.ledger import DynamoLedger
from chalicelib.core.settings import Settings
from chalicelib.ledger.models import RunRecord
from chalicelib.ledger.store import RunLog
from chalicelib.ledger.watch import check_weekly_run


def ports(clients: Clients, settings: Settings) -> RunLog:
    """The run records in the ledger table (the watch reads one)."""
    return DynamoLedger(clients.dynamodb, settings.ledger_table)


def run_watch(runs: RunLog, today: date) -> RunRecord:
    """This week's run record; `WeeklyRunMissing` when there is none that ran."""
    return check_weekly_run(runs, today)
