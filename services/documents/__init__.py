"""Documents, their immutable revisions, and units with stable ids and lineage."""
