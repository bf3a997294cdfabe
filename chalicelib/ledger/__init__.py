"""The findings ledger: what is open, since when, and what changed this week."""
