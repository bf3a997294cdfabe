"""What people read, all pure: send states, wording, digests, rollups, notices, MIME."""
