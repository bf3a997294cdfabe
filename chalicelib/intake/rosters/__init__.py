"""Roster exports: cells, rows, group ids and the newest snapshot of each group."""
