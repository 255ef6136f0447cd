"""Consultation rounds on a document revision: which pages, when, in which languages."""
