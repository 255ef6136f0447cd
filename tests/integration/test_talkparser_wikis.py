"""The talk page parser on real wikis in six languages, with signatures saved by real users.

Each wiki is a local MediaWiki installed in its language with a local time zone; Alice and
Bob sign with ``~~~~`` (and Alice once with a custom signature). Both renderings of the page
(``action=parse`` and Parsoid) must give the same thread items, and every comment's time
must be its revision's time: local time, digits, month names and zone names all read back.
"""

from __future__ import annotations

import os
import re
from datetime import UTC

import pytest

from bots.talkparser import parse_talk_page
from bots.talkparser.fetch import fetch_locale, fetch_parsed_html, fetch_parsoid_html
from bots.talkparser.ids import timestamp_string
from deploy.local.wiki import BOT_NAME

pytestmark = pytest.mark.integration

WIKIS = [
    ("fr", "Europe/Paris"),
    ("pl", "Europe/Warsaw"),
    ("ar", "Asia/Riyadh"),
    ("sr-ec", "Europe/Belgrade"),
    ("ckb", "Asia/Baghdad"),
    ("en", "America/New_York"),
]


def revision_times(site, revids):
    from pywikibot.data import api

    answer = api.Request(
        site=site,
        parameters={
            "action": "query",
            "prop": "revisions",
            "revids": "|".join(map(str, revids)),
            "rvprop": "ids|timestamp|user",
            "formatversion": 2,
        },
    ).submit()
    found = {}
    for page in answer["query"]["pages"]:
        for rev in page["revisions"]:
            found[rev["revid"]] = rev["timestamp"]
    return [found[r] for r in revids]


@pytest.mark.parametrize(("lang", "zone"), WIKIS, ids=[w[0] for w in WIKIS])
def test_signed_comments_on_a_real_wiki(wiki_factory, config, lang, zone):
    import pywikibot

    from bots.site import get_site

    wiki = wiki_factory(lang=lang, timezone=zone)
    site = get_site(
        config.replace(wiki_api_url=wiki.api_url, wiki_family=wiki.family, wiki_username=BOT_NAME)
    )
    title = pywikibot.Page(site, f"Talk:Convene parser {lang} {os.getpid()}").title()
    (first,) = wiki.edit_as(
        "Alice",
        [
            {
                "title": title,
                "append": (
                    "== Convene ==\nFirst comment by Alice. ~~~~\n\n"
                    "Second thought, custom signature. [[Special:Contributions/Alice|A.]] ~~~~~"
                ),
            }
        ],
    )
    (reply,) = wiki.edit_as("Bob", [{"title": title, "append": ":Reply by Bob. ~~~~"}])
    (answer,) = wiki.edit_as("Alice", [{"title": title, "append": "::Answer to Bob. ~~~~"}])

    locale = fetch_locale(site, config.state_dir / "talkparser")
    assert locale.lang == lang and locale.timezone == zone
    legacy_html, revid = fetch_parsed_html(site, title)
    assert revid == answer
    parsoid_html = fetch_parsoid_html(site, title)
    legacy = parse_talk_page(legacy_html, locale, title)
    parsoid = parse_talk_page(parsoid_html, locale, title)

    for result in (legacy, parsoid):
        assert result.problems == []
        assert [c.author for c in result.comments] == ["Alice", "Alice", "Bob", "Alice"]
        assert [c.level for c in result.comments] == [1, 1, 2, 3]
        assert [c.text for c in result.comments] == [
            "First comment by Alice.",
            "Second thought, custom signature.",
            "Reply by Bob.",
            "Answer to Bob.",
        ]
    heading, c1, c2, c3, c4 = legacy.items
    assert heading.text == "Convene" and heading.heading_level == 2
    assert [c.parent_id for c in (c1, c2, c3, c4)] == [heading.id, heading.id, c2.id, c3.id]

    # Signatures are in the wiki's local time; read back they are the revisions' UTC times.
    times = revision_times(site, [first, first, reply, answer])
    assert [c.timestamp.strftime("%Y-%m-%dT%H:%M") for c in legacy.comments] == [
        t[:16] for t in times
    ]
    assert all(c.timestamp.tzinfo is UTC for c in legacy.comments)
    assert c1.id == f"c-Alice-{timestamp_string(c1.timestamp)}-Convene"
    assert heading.id == f"h-Convene-{timestamp_string(c1.timestamp)}"

    # The same ids, parents and times from both renderings.
    assert [(i.id, i.parent_id, i.timestamp, i.level) for i in legacy.items] == [
        (i.id, i.parent_id, i.timestamp, i.level) for i in parsoid.items
    ]

    if lang in ("ar", "ckb"):  # signed with the language's own digits
        assert re.search("[٠-٩]{2}:[٠-٩]{2}", legacy_html)
