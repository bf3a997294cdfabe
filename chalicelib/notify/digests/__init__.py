"""Weekly reminder digests: one per recipient, in Chinese, HTML and plain text."""
