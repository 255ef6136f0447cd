"""Convene: living documents and feedback consultations for wiki communities."""
