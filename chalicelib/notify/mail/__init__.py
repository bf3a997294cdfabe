"""The email machinery every message shares: MIME, templates, spreadsheets."""
