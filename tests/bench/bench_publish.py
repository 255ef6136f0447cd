"""Benchmark: publishing the definition and the plan, each with 20 language pages and a
changelog, to a private local wiki; every HTTP request pywikibot makes is counted.

Three runs: the first publish (every page created), a publish with nothing to do, and a
publish after one unit of the definition changed. Targets: the no-op run makes no edit and
at most ceil(pages/50) reads besides login, in under a second; the one-unit run edits exactly
the pages whose rendered text changed (checked against the store's record of each page).

Run: python tests/bench/bench_publish.py   (make bench-publish)
"""

from __future__ import annotations

import math
import os
import shutil
import tempfile
import time
from pathlib import Path

from deploy.local.processes import free_port
from deploy.local.wiki import LocalWiki

LANGUAGES = [
    "ar",
    "bn",
    "de",
    "es",
    "fa",
    "fr",
    "he",
    "hi",
    "id",
    "it",
    "ja",
    "ko",
    "nl",
    "pl",
    "pt",
    "ru",
    "sw",
    "tr",
    "uk",
    "zh",
]


def main() -> None:
    root = Path(tempfile.mkdtemp(prefix="convene-bench-publish-"))
    wiki = LocalWiki(root / "wiki", free_port()).up()
    try:
        # pywikibot reads its configuration at import: the local wiki's, no throttling.
        os.environ["PYWIKIBOT_DIR"] = str(wiki.write_pywikibot_dir(root / "pywikibot"))
        os.environ.pop("PYWIKIBOT_NO_USER_CONFIG", None)
        run(wiki, root)
    finally:
        wiki.down()
        shutil.rmtree(root, ignore_errors=True)


def run(wiki: LocalWiki, root: Path) -> None:
    from pywikibot.comms import http
    from sqlalchemy import select

    import services.documents
    from bots.publish import publish_revisions
    from bots.publish_pages import wanted_pages
    from bots.publish_plan import normalize
    from bots.publish_state import PublishedPage
    from bots.site import get_site
    from services.config import load_config
    from services.db import Database
    from services.documents.models import Revision
    from services.documents.store import create_revision, load_source, mark_published
    from services.translations.status import save_translation

    requests = {"count": 0}
    send = http.request

    def counted(*args, **kwargs):
        requests["count"] += 1
        return send(*args, **kwargs)

    http.request = counted

    config = load_config(
        env={},
        instance_file=root / "none.toml",
        state_dir=root / "state",
        wiki_api_url=wiki.api_url,
        wiki_family=wiki.family,
        secret_key="bench",
    )
    db = Database(config)
    db.upgrade()
    content = Path(services.documents.__file__).parent / "content"
    revision_ids = []
    with db.session() as session:
        for name in ("leadership-definition.wiki", "leadership-development-plan.wiki"):
            revision = load_source(session, content / name).revision
            units = list(revision.units)
            for i, language in enumerate(LANGUAGES):
                # Each language translates about two units in three, the others show the
                # source text, marked as missing.
                for j, unit in enumerate(units):
                    if (i + j) % 3:
                        save_translation(
                            session,
                            revision.document,
                            unit.key,
                            language,
                            f"({language}) {unit.text}",
                            source_hash=unit.text_hash,
                        )
            revision_ids.append(revision.id)

    site = get_site(config, login=True)

    def publish(ids):
        requests["count"] = 0
        started = time.perf_counter()
        results = publish_revisions(config, db, ids, site=site)
        seconds = time.perf_counter() - started
        return results, requests["count"], sum(r.edits for r in results), seconds

    first, requests_first, edits_first, seconds_first = publish(revision_ids)
    pages = sum(len(r.pages) for r in first)
    _, requests_noop, edits_noop, seconds_noop = publish(revision_ids)

    # One unit of the definition changes: a new revision, its pages rendered as they will be.
    with db.session() as session:
        old = session.get(Revision, revision_ids[0])
        paragraph = next(u for u in old.units if u.kind.value == "paragraph")
        drafts = [
            _draft(u, u.text + " (Revised.)" if u is paragraph else u.text) for u in old.units
        ]
        new = create_revision(
            session,
            old.document,
            drafts,
            label="One unit changed",
            summary="One paragraph revised.",
            author="Bench",
        )
        new_id = new.id
    expected = _pages_whose_text_changes(
        db, new_id, wanted_pages, mark_published, normalize, PublishedPage, select, Revision
    )
    _, requests_one_unit, edits_one_unit, _ = publish([new_id, revision_ids[1]])

    reads_allowed = math.ceil(pages / 50)
    checks = [
        ("edits_noop == 0", edits_noop == 0),
        (f"requests_noop <= ceil(pages/50) = {reads_allowed}", requests_noop <= reads_allowed),
        (f"edits_one_unit == pages whose text changed ({expected})", edits_one_unit == expected),
        ("seconds_noop < 1", seconds_noop < 1),
    ]
    print("targets: " + "; ".join(f"{name}: {'ok' if ok else 'MISSED'}" for name, ok in checks))
    print(
        f"bench publish: pages={pages} requests_first={requests_first} "
        f"edits_first={edits_first} requests_noop={requests_noop} edits_noop={edits_noop} "
        f"requests_one_unit={requests_one_unit} edits_one_unit={edits_one_unit} "
        f"seconds_first={seconds_first:.2f} seconds_noop={seconds_noop:.2f}"
    )


def _draft(unit, text):
    from services.documents.units import UnitDraft

    return UnitDraft(unit.kind, text, unit.level, unit.ordered)


def _pages_whose_text_changes(
    db, revision_id, wanted_pages, mark_published, normalize, PublishedPage, select, Revision
) -> int:
    """Render the new revision's pages as publishing will (then roll back) and count those
    that differ from what the store says each page holds now."""
    session = db.sessions()
    try:
        revision = session.get(Revision, revision_id)
        mark_published(session, revision)
        wanted = wanted_pages(session, revision)
        held = {p.title: p.text for p in session.scalars(select(PublishedPage))}
        return sum(1 for w in wanted if normalize(w.text) != held.get(w.title))
    finally:
        session.rollback()
        session.close()


if __name__ == "__main__":
    main()
