"""The wiki Convene works on, as a pywikibot Site built from Convene's configuration.

The operator's pywikibot configuration (throttle, maxlag, user agent, bot password) is
respected: a family it already knows is used as it is; only a wiki it does not know is
registered from ``wiki_api_url``.
"""

from __future__ import annotations

import pywikibot
from pywikibot.exceptions import UnknownFamilyError

from services.config import Config


def get_site(config: Config, *, login: bool = False) -> pywikibot.site.APISite:
    family = config.wiki_family
    try:
        pywikibot.family.Family.load(family)
    except UnknownFamilyError:
        pywikibot.config.family_files[family] = config.wiki_api_url
    code = config.wiki_code or family
    if config.wiki_username:
        pywikibot.config.usernames.setdefault(family, {})[code] = config.wiki_username
    site = pywikibot.Site(code, family, user=config.wiki_username or None)
    if login:
        site.login()
    return site
