"""Emails sent when a file arrives, outside the weekly digests: the receipt of a rejected
upload (rejected.py)."""
