"""Feedback: comments with stable ids, their anchors to units, triage state, audit log."""
