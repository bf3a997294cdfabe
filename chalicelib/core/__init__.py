"""The shared kernel: domain models, dates, values, masking, settings and the bucket layout."""
