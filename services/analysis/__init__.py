"""Pure analysis of feedback: language, duplicates, themes, per-unit aggregates."""
