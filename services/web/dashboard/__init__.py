"""The triage dashboard: server-rendered pages for the working group."""
