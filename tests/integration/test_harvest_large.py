"""A talk page of 10,000 comments (1.5 MB of wikitext, near MediaWiki's 2 MB limit; about
4 MB of rendered HTML; replies nested 40 deep) on the real wiki: the harvest takes every
comment in, in bounded time, and a second harvest is a single request. Signatures are written out expanded, as ``~~~~`` would leave them."""

import time
from datetime import datetime, timedelta

import pywikibot
from sqlalchemy import func, select

from bots.harvest import PywikibotReader, run_harvest
from services.consultations import service
from services.documents.models import Document, UnitKind
from services.documents.store import create_revision
from services.documents.units import UnitDraft
from services.feedback.models import Comment

COMMENTS = 10_000
PER_THREAD = 50


def _one_unit_consultation(db, slug: str, wiki_title: str, opens_at: datetime) -> int:
    """A one-paragraph document on ``wiki_title`` and an open consultation on it; its id."""
    with db.session() as s:
        doc = Document(slug=slug, title=slug.title(), wiki_title=wiki_title)
        s.add(doc)
        s.flush()
        create_revision(
            s, doc, [UnitDraft(UnitKind.PARAGRAPH, "Leadership is shared.")], label="r1"
        )
        return service.open_consultation(s, slug, languages=[], opens_at=opens_at).id


def _page(start: datetime) -> str:
    lines = []
    for n in range(COMMENTS):
        if n % PER_THREAD == 0:
            lines.append(f"== Thread {n // PER_THREAD} ==")
        when = start + timedelta(minutes=n)
        user = f"Member {n % 97}"
        depth = (n % PER_THREAD) % 41  # up to 40 levels of replies
        lines.append(
            f"{':' * depth}Comment {n}: say more about mentoring and trust. "
            f"[[User:{user}|{user}]] ([[User talk:{user}|talk]]) "
            f"{when:%H:%M}, {when.day} {when:%B %Y} (UTC)"
        )
    return "\n".join(lines)


def test_ten_thousand_comments(db, wiki_config, site, unique_title):
    start = datetime(2024, 1, 1)
    cid = _one_unit_consultation(db, "big", unique_title, start)
    talk = pywikibot.Page(site, f"Talk:{unique_title}")
    talk.text = _page(start)
    talk.save(summary="test: a very long talk page", quiet=True)
    time.sleep(1.1)  # leave the second of the edit (see test_harvest.py)
    reader = PywikibotReader(site, cache_dir=wiki_config.state_dir / "cache")

    started = time.monotonic()
    report = run_harvest(wiki_config, db, cid, reader=reader)
    elapsed = time.monotonic() - started

    assert report.counts.new == COMMENTS, report.problems[:5]
    assert elapsed < 180
    with db.session() as s:
        assert s.scalar(select(func.max(Comment.level))) == 41
        assert s.scalar(select(func.count(func.distinct(Comment.item_id)))) == COMMENTS
    reader.requests = 0
    again = run_harvest(wiki_config, db, cid, reader=reader)
    assert (again.requests, again.pages_parsed, again.counts.new) == (1, 0, 0)


def test_a_five_megabyte_talk_page(db, wiki_config, site, unique_title):
    """Few but very long comments: 5 MB of wikitext is taken in whole, every comment kept."""
    start = datetime(2024, 3, 1)
    paragraph = ("Leadership grows where people can try, fail and try again; " * 200).strip()
    comments = 430
    lines = ["== A long discussion =="]
    for n in range(comments):
        when = start + timedelta(minutes=n)
        user = f"Member {n % 13}"
        lines.append(
            f"{':' * (n % 3)}{n}: {paragraph} "
            f"[[User:{user}|{user}]] ([[User talk:{user}|talk]]) "
            f"{when:%H:%M}, {when.day} {when:%B %Y} (UTC)"
        )
    text = "\n".join(lines)
    assert len(text.encode()) > 5_000_000
    cid = _one_unit_consultation(db, "huge", unique_title, start)
    talk = pywikibot.Page(site, f"Talk:{unique_title}")
    talk.text = text
    talk.save(summary="test: a 5 MB talk page", quiet=True)
    reader = PywikibotReader(site, cache_dir=wiki_config.state_dir / "cache")

    report = run_harvest(wiki_config, db, cid, reader=reader)

    assert report.counts.new == comments, report.problems[:5]
    with db.session() as s:
        longest = s.scalar(select(func.max(func.length(Comment.text_plain))))
    assert longest > len(paragraph)
