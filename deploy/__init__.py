"""Deployment: the local stack and production configurations."""
