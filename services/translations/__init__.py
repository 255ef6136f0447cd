"""Per-unit translations and their staleness against the source unit."""
