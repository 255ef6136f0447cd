"""The content files shipped with Convene (package data, read by source.bundled_sources)."""
