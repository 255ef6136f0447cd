"""The worker: the Celery app bound to Flask, its tasks and its beat schedule."""
