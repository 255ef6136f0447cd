"""Harvest of a consultation of 100 talk pages and 5,000 comments on a private local wiki.

Starts a throw-away wiki (its own process group, a free loopback port), saves 100 talk pages
as the bot, each with 10 threads of 5 comments (replies nested) whose signatures are written
out already expanded (what ``~~~~`` becomes; far faster than 5,000 edits by users), opens a
consultation on them and harvests twice: the first run takes everything in, the second finds
nothing changed. HTTP requests are counted where pywikibot sends them. Last line:
bench harvest: pages=… comments=… seconds_first=… requests_first=… requests_noop=… seconds_noop=…
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
WORK = Path(tempfile.mkdtemp(prefix="convene-bench-harvest-"))
os.environ["PYWIKIBOT_DIR"] = str(WORK / "pwb")
os.environ["PYWIKIBOT_NO_USER_CONFIG"] = "2"
(WORK / "pwb").mkdir()

PAGES = 100
THREADS = 10
PER_THREAD = 5
USERS = ["Alice", "Bob", "Carol", "Dmitri", "Émilie", "Fatima", "Grzegorz", "Hana"]
WORDS = [
    "leadership",
    "community",
    "volunteer",
    "definition",
    "paragraph",
    "translation",
    "proposal",
    "support",
    "agree",
    "consensus",
    "draft",
    "revision",
    "meeting",
    "mentor",
    "learning",
    "skills",
    "facilitate",
    "trust",
    "inclusive",
    "feedback",
    "question",
    "answer",
    "example",
    "wiki",
    "empathy",
    "courage",
]


def page_text(page: int, when: datetime) -> str:
    stamp = f"{when:%H:%M}, {when.day} {when:%B %Y} (UTC)"
    lines = []
    for t in range(THREADS):
        lines.append(f"== Thread {page}.{t} on {WORDS[(page + t) % len(WORDS)]} ==")
        for c in range(PER_THREAD):
            user = USERS[(page * 7 + t * 3 + c) % len(USERS)]
            words = " ".join(WORDS[(page + t + c + k) % len(WORDS)] for k in range(12))
            sig = f"[[User:{user}|{user}]] ([[User talk:{user}|talk]]) {stamp}"
            # Each reply one level deeper; one comment per user and minute keeps ids unique.
            lines.append(f"{':' * c}Comment {c} of thread {t}: {words}. {sig}")
        lines.append("")
    return "\n".join(lines)


def main() -> None:
    import pywikibot
    from pywikibot.comms import http

    from bots.harvest import PywikibotReader, harvest
    from deploy.local.processes import free_port
    from deploy.local.wiki import BOT_NAME, LocalWiki
    from services.config import load_config
    from services.consultations import service
    from services.db import Database
    from services.documents.source import bundled_sources
    from services.documents.store import load_source, mark_published

    sent = {"n": 0}
    original = http.request

    def counting(*args, **kwargs):
        sent["n"] += 1
        return original(*args, **kwargs)

    http.request = counting
    wiki = LocalWiki(WORK / "wiki", free_port()).up()
    try:
        from deploy.local.wiki import register_with_pywikibot

        register_with_pywikibot(wiki, WORK / "pwb" / "user-password.py")
        site = pywikibot.Site(wiki.family, wiki.family, user=BOT_NAME)
        site.login()

        config = load_config(
            env={},
            instance_file=Path("/nonexistent"),
            state_dir=WORK / "state",
            secret_key="bench",
            wiki_api_url=wiki.api_url,
            wiki_family=wiki.family,
        )
        db = Database(config)
        db.upgrade()
        with db.session() as s:
            revision = load_source(s, bundled_sources()[0]).revision
            mark_published(s, revision)
            consultation = service.open_consultation(
                s,
                revision.document.slug,
                languages=[],
                opens_at=datetime.now(UTC).replace(tzinfo=None) - timedelta(minutes=5),
            )
            consultation.pages.clear()
            s.flush()
            for i in range(PAGES):
                service.add_watched_page(s, consultation.id, f"Talk:Bench harvest/{i:03d}")
            consultation_id = consultation.id

        when = datetime.now(UTC)
        for i in range(PAGES):
            page = pywikibot.Page(site, f"Talk:Bench harvest/{i:03d}")
            page.text = page_text(i, when)
            page.save(summary="bench: talk page", quiet=True)
        # A page touched in the very second of a harvest is checked once more by the next
        # one (a revision deletion in that second must not go unseen): start a second later.
        time.sleep(1.1)

        reader = PywikibotReader(site, cache_dir=WORK / "cache")
        sent["n"] = 0
        started = time.perf_counter()
        first = harvest(db, reader, consultation_id)
        seconds_first = time.perf_counter() - started
        requests_first = sent["n"]
        if first.problems:
            print(f"first harvest: {len(first.problems)} problems, e.g. {first.problems[:3]}")

        sent["n"] = 0
        started = time.perf_counter()
        noop = harvest(db, reader, consultation_id)
        seconds_noop = time.perf_counter() - started
        requests_noop = sent["n"]
        print(f"first: {first.summary()}")
        print(f"noop:  {noop.summary()}")
        print(
            f"bench harvest: pages={PAGES} comments={first.counts.new} "
            f"seconds_first={seconds_first:.2f} requests_first={requests_first} "
            f"requests_noop={requests_noop} seconds_noop={seconds_noop:.3f} "
            f"parsed_noop={noop.pages_parsed}"
        )
    finally:
        http.request = original
        wiki.down()
        shutil.rmtree(WORK, ignore_errors=True)


if __name__ == "__main__":
    main()
