"""The data root read into typed, bounded tables: readers, loaders, rosters, the person
directory. Reads only, and knows no rule."""
