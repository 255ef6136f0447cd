"""Ask the wiki who it is (``meta=siteinfo``): the worker's health check of the wiki."""

from __future__ import annotations

from services.config import Config


def wiki_generator(config: Config) -> str:
    """The wiki's ``generator`` (e.g. ``MediaWiki 1.39.17``), fetched now, never from a cache.

    Raises whatever pywikibot raises when the wiki does not answer; one retry only, so a
    wiki that is down is reported as down within seconds, not after pywikibot's long backoff.
    """
    from pywikibot.data import api

    from bots.site import get_site

    site = get_site(config)
    request = api.Request(
        site=site,
        max_retries=1,
        retry_wait=1,
        parameters={"action": "query", "meta": "siteinfo", "siprop": "general"},
    )
    general = request.submit()["query"]["general"]
    return general["generator"]
