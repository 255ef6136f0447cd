"""``publish(revision_id)``: put a document revision on the wiki, as ``convene publish`` does.

Idempotent: a second run finds every page already as wanted and edits nothing; a run that
stopped half-way (the wiki went down) is finished by the next one, page by page.
"""

from __future__ import annotations

from typing import Any

from celery import shared_task

PUBLISH = "convene.publish.publish"
# Waits before retrying when the wiki is unavailable: 1, 2, 4 ... minutes, at most an hour.
RETRY_BASE_SECONDS = 60
RETRY_MAX_SECONDS = 3600


def retry_delay(retries: int) -> int:
    return min(RETRY_MAX_SECONDS, RETRY_BASE_SECONDS * 2**retries)


@shared_task(name=PUBLISH, bind=True, max_retries=6)
def publish(self, revision_id: int) -> dict[str, Any]:
    """Publish revision ``revision_id``; retry later while the wiki is unavailable."""
    from bots.environment import prepare_pywikibot
    from services.db import Database
    from services.worker.app import task_config

    prepare_pywikibot()  # before pywikibot's first import in this process
    from bots.publish import WikiUnavailable, publish_revision

    config = task_config()
    db = Database(config)
    try:
        result = publish_revision(config, db, revision_id)
    except WikiUnavailable as exc:
        raise self.retry(exc=exc, countdown=retry_delay(self.request.retries)) from exc
    finally:
        db.dispose()
    return {
        "document": result.document,
        "revision": result.revision_number,
        "counts": {page.action.value: result.count(page.action) for page in result.pages},
        "source_url": result.source_url,
        "changelog_url": result.changelog_url,
        "problems": [f"{p.title}: {p.action.value}: {p.reason}" for p in result.problems],
    }
