"""Monday noon: did this week's weekly run happen? It raises when not, so that the watch
function's error alarm tells the operator (jobs/template/functions.py, WeeklyRunMissedAlarm)."""

from __future__ import annotations

from datetime import date

from chalicelib.core.dates import iso_period
from chalicelib.ledger.models import RunRecord
from chalicelib.ledger.store import RunLog


class WeeklyRunMissing(Exception):
    """This week's weekly run did not happen, or stopped before it queued the digests."""


def check_weekly_run(store: RunLog, today: date) -> RunRecord:
    """This week's run record; WeeklyRunMissing when there is none that ran."""
    period = iso_period(today)
    run = store.run(period)
    if run is None:
        raise WeeklyRunMissing(f"no weekly run recorded for {period} by {today}")
    if not run.status.ran:
        raise WeeklyRunMissing(f"the weekly run of {period} ended {run.status.value}")
    return run
