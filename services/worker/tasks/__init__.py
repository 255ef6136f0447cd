"""Celery tasks, one module per domain; each is listed in ``services.worker.app.TASK_MODULES``.

A task module uses ``@shared_task`` (it never imports the app), takes ids, is idempotent,
and may define ``schedule(config) -> dict`` with its beat entries.
"""
