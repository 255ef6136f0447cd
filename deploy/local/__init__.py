"""The local stack: a private MediaWiki, Redis, the web app and the Celery worker."""
