"""Rollups for the supervising offices: weekly and monthly, HTML email plus XLSX."""
