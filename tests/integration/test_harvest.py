"""The harvest against the real local wiki: comments signed by real users, edited, removed,
revision-deleted and suppressed by the bot (a sysop with suppressrevision), harvested again."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
import pywikibot
from pywikibot.data import api
from sqlalchemy import func, select

from bots.harvest import PywikibotReader, run_harvest
from deploy.local.wiki import BOT_NAME
from services.consultations import service
from services.consultations.models import HarvestOutcome, WatchedPage
from services.documents.models import Document, UnitKind
from services.documents.store import create_revision, mark_published
from services.documents.units import UnitDraft
from services.feedback.models import AnchorMethod, Comment, CommentVersion, HiddenReason

# MediaWiki gives sysops no deleterevision by default (Wikimedia wikis add it); the shared
# test wiki lacks it, so revision deletion is tested on a wiki of its own.
MODERATION = (
    "$wgGroupPermissions['sysop']['deleterevision'] = true;\n"
    "$wgGroupPermissions['sysop']['deletelogentry'] = true;\n"
)


@pytest.fixture
def wiki(wiki_factory):
    """The English test wiki, where the bot may also delete and suppress revisions."""
    return wiki_factory(extra_settings=MODERATION)


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


@pytest.fixture
def consultation(db, unique_title):
    """A published two-unit document on ``unique_title`` and an open consultation on it."""
    with db.session() as s:
        doc = Document(slug="definition", title="Definition", wiki_title=unique_title)
        s.add(doc)
        s.flush()
        revision = create_revision(
            s,
            doc,
            [
                UnitDraft(UnitKind.HEADING, "Qualities of leaders", level=2),
                UnitDraft(
                    UnitKind.LIST_ITEM,
                    "Empathy: Ability to sense emotions, needs and "
                    "desires of others and to (re-)act sensibly.",
                    level=1,
                ),
            ],
            label="October 2022",
        )
        mark_published(s, revision, when=_now() - timedelta(days=1))
        c = service.open_consultation(
            s, "definition", languages=["fr", "pl"], opens_at=_now() - timedelta(minutes=1)
        )
        return {"id": c.id, "talk": f"Talk:{unique_title}", "keys": [u.key for u in revision.units]}


@pytest.fixture
def reader(site, wiki_config):
    return PywikibotReader(site, cache_dir=wiki_config.state_dir / "cache")


def _comments(db):
    with db.session() as s:
        rows = s.scalars(select(Comment).order_by(Comment.posted_at, Comment.id)).all()
        for row in rows:
            row.anchors, row.versions
        return rows


def _state(db):
    with db.session() as s:
        return (
            s.execute(
                select(
                    Comment.id,
                    Comment.item_id,
                    Comment.author,
                    Comment.text_html,
                    Comment.hidden_reason,
                    Comment.updated_at,
                ).order_by(Comment.id)
            ).all(),
            s.scalar(select(func.count()).select_from(CommentVersion)),
            s.execute(select(WatchedPage.last_revid).order_by(WatchedPage.id)).all(),
        )


def _bot_edit(site, title, transform, summary="test: moderation"):
    page = pywikibot.Page(site, title)
    page.text = transform(page.get(force=True))
    page.save(summary=summary)
    return page.latest_revision_id


def _revision_delete(site, title, revid, hide, suppress=False):
    """Hide parts of a revision the way an admin / oversighter does (action=revisiondelete)."""
    params = {
        "action": "revisiondelete",
        "type": "revision",
        "target": title,
        "ids": str(revid),
        "hide": hide,
        "reason": "test",
        "token": site.tokens["csrf"],
    }
    if suppress:
        params["suppress"] = "yes"
    answer = api.Request(site=site, parameters=params).submit()
    assert answer["revisiondelete"]["status"] == "Success", answer


def test_harvest_real_comments_in_three_languages(db, wiki, wiki_config, consultation, reader):
    talk = consultation["talk"]
    wiki.edit_as(
        "Alice",
        [
            {
                "title": talk,
                "append": "== Qualities of leaders ==\nI would add patience: "
                "resilience alone does not say it. ~~~~",
            },
            {
                "title": f"{talk}/pl",
                "append": "== Cechy liderów ==\nUważam, że empatia powinna "
                "być na pierwszym miejscu wśród cech lidera. ~~~~",
            },
        ],
    )
    wiki.edit_as(
        "Bob",
        [
            {"title": talk, "append": ":I agree, and patience helps people feel listened to. ~~~~"},
            {
                "title": f"{talk}/fr",
                "append": "== Empathie ==\nJe trouve que la définition de "
                "l'empathie est claire et utile pour nous. ~~~~",
            },
        ],
    )

    report = run_harvest(wiki_config, db, consultation["id"], reader=reader)

    assert report.outcome is HarvestOutcome.OK, report.problems
    assert (report.counts.new, report.pages_parsed) == (4, 3)
    rows = _comments(db)
    by_page = {(c.page_title, c.author): c for c in rows}
    alice = by_page[(talk, "Alice")]
    bob = by_page[(talk, "Bob")]
    assert (alice.level, bob.level, bob.parent_item_id) == (1, 2, alice.item_id)
    assert alice.item_id.startswith("c-Alice-") and alice.heading == "Qualities of leaders"
    assert "patience" in alice.text_plain and "Bob" not in alice.text_plain
    assert abs(alice.posted_at - _now()) < timedelta(minutes=3)
    assert {c.page_title: c.language for c in rows} == {
        talk: "en",
        f"{talk}/fr": "fr",
        f"{talk}/pl": "pl",
    }
    assert [(a.unit_key, a.method) for a in alice.anchors] == [
        (consultation["keys"][0], AnchorMethod.HEADING)
    ]
    assert {c.revision_id for c in rows} != {None}

    # Let the wiki's clock leave the second of the last edit: a page touched in the very
    # second of a harvest is checked once more next time, in case it changed unseen.
    time.sleep(1.1)
    run_harvest(wiki_config, db, consultation["id"], reader=reader)
    before = _state(db)
    reader.requests = 0
    again = run_harvest(wiki_config, db, consultation["id"], reader=reader)
    assert (again.requests, again.pages_parsed, again.counts.new) == (1, 0, 0)
    assert _state(db) == before


def test_edited_comment_then_revision_deleted(db, wiki, wiki_config, site, consultation, reader):
    talk = consultation["talk"]
    [first] = wiki.edit_as(
        "Alice", [{"title": talk, "append": "== Length ==\nThe definition is too long. ~~~~"}]
    )
    [bob_rev] = wiki.edit_as(
        "Bob", [{"title": talk, "append": "== Spam ==\nSomething that must go. ~~~~"}]
    )
    run_harvest(wiki_config, db, consultation["id"], reader=reader)
    assert len(_comments(db)) == 2

    # Alice edits her own comment.
    wiki.edit_as(
        "Alice",
        [
            {
                "title": talk,
                "text": pywikibot.Page(site, talk)
                .get(force=True)
                .replace("is too long.", "is far too long."),
            }
        ],
    )
    report = run_harvest(wiki_config, db, consultation["id"], reader=reader)
    assert (report.counts.edited, report.counts.new) == (1, 0)
    alice = next(c for c in _comments(db) if c.author == "Alice")
    assert "far too long" in alice.text_plain
    assert [("far" in v.text_plain, v.wiki_revid) for v in alice.versions] == [(False, bob_rev)]
    assert first < bob_rev

    # An admin removes Bob's comment and hides the text of the revisions that held it.
    removal = _bot_edit(site, talk, lambda t: t[: t.index("== Spam ==")].rstrip())
    held = [r.revid for r in pywikibot.Page(site, talk).revisions() if bob_rev <= r.revid < removal]
    for revid in held:
        _revision_delete(site, talk, revid, "content")
    report = run_harvest(wiki_config, db, consultation["id"], reader=reader)

    bob = next(c for c in _comments(db) if c.hidden_reason)
    assert bob.hidden_reason is HiddenReason.TEXT_HIDDEN
    assert (bob.author, bob.text_plain, bob.text_html, bob.versions) == (None, None, None, [])
    assert "Bob" not in bob.item_id
    assert next(c for c in _comments(db) if c.author == "Alice").hidden_reason is None

    # Nothing changes when harvested again, and the hidden text never comes back.
    before = _state(db)
    run_harvest(wiki_config, db, consultation["id"], reader=reader)
    assert _state(db) == before


def test_user_hidden_and_suppressed(db, wiki, wiki_config, site, consultation, reader):
    talk = consultation["talk"]
    [alice_rev] = wiki.edit_as("Alice", [{"title": talk, "append": "== One ==\nFirst. ~~~~"}])
    [bob_rev] = wiki.edit_as("Bob", [{"title": talk, "append": "== Two ==\nSecond. ~~~~"}])
    run_harvest(wiki_config, db, consultation["id"], reader=reader)

    # The current revision's user may be hidden without a new revision: the page is touched.
    _revision_delete(site, talk, bob_rev, "user")
    reader.requests = 0
    report = run_harvest(wiki_config, db, consultation["id"], reader=reader)
    assert report.pages_parsed == 0 and report.counts.hidden == 1
    hidden = [c for c in _comments(db) if c.hidden_reason]
    assert [(c.hidden_reason, c.author) for c in hidden] == [(HiddenReason.USER_HIDDEN, None)]

    # Alice's comment removed and its revision suppressed by an oversighter.
    _bot_edit(site, talk, lambda t: t.replace("== One ==\nFirst.", "== One ==\n(removed)"))
    _revision_delete(site, talk, alice_rev, "content|user", suppress=True)
    run_harvest(wiki_config, db, consultation["id"], reader=reader)
    reasons = sorted(c.hidden_reason.value for c in _comments(db) if c.hidden_reason)
    assert reasons == ["suppressed", "userhidden"]


def test_bad_input_is_reported_not_fatal(db, wiki, wiki_config, site, consultation, reader):
    talk = consultation["talk"]
    wiki.edit_as(
        "Alice",
        [
            {
                "title": talk,
                "append": (
                    "== Mixed ==\nA signed comment. ~~~~\n\nUnsigned text nobody can attribute.\n\n"
                    "<code>[[User:Mallory|Mallory]] 10:00, 1 January 2020 (UTC)</code>\n\n"
                    "<div>Broken <b>markup <i>here</div>\n\n"
                    "[[User:Bob|Bob]] 99:99, 45 Smarch 2021 (XYZ)\n\n"
                    + "".join(":" * min(i, 40) + f"Deep reply {i}. ~~~~\n" for i in range(1, 30))
                ),
            }
        ],
    )

    report = run_harvest(wiki_config, db, consultation["id"], reader=reader)

    assert report.outcome is HarvestOutcome.OK
    authors = [c.author for c in _comments(db)]
    assert "Mallory" not in authors
    assert authors.count("Alice") >= 20
    assert report.problems, "the unsigned text and the unknown timestamp must be reported"
    with db.session() as s:
        page = s.scalars(select(WatchedPage).where(WatchedPage.title == talk)).one()
        assert page.last_error and page.last_revid


def test_replies_to_a_user_hidden_comment_do_not_keep_its_authors_name(
    db, wiki, wiki_config, site, consultation, reader
):
    talk = consultation["talk"]
    [alice_rev] = wiki.edit_as("Alice", [{"title": talk, "append": "== Three ==\nThird. ~~~~"}])
    wiki.edit_as("Bob", [{"title": talk, "append": "\n:I agree with this. ~~~~"}])
    # The local wiki has two people and the bot: the bot plays the third.
    wiki.edit_as(BOT_NAME, [{"title": talk, "append": "\n::So do I, Bob. ~~~~"}])
    run_harvest(wiki_config, db, consultation["id"], reader=reader)
    bob = next(c for c in _comments(db) if c.author == "Bob")
    assert "Alice" in bob.item_id and "Alice" in bob.parent_item_id  # the wiki's own ids

    _revision_delete(site, talk, alice_rev, "user")
    run_harvest(wiki_config, db, consultation["id"], reader=reader)

    def named_anywhere():
        return [c.id for c in _comments(db) if "Alice" in c.item_id + (c.parent_item_id or "")]

    rows = {c.author: c for c in _comments(db)}
    assert named_anywhere() == []
    assert rows["Bob"].parent_item_id == rows[None].item_id
    assert rows[BOT_NAME].parent_item_id == rows["Bob"].item_id
    # Harvested again after another reply: the same rows, still naming nobody hidden.
    wiki.edit_as("Bob", [{"title": talk, "append": "\n:::Thank you both. ~~~~"}])
    run_harvest(wiki_config, db, consultation["id"], reader=reader)
    again = _comments(db)
    assert [c.id for c in again[:3]] == [rows[n].id for n in (None, "Bob", BOT_NAME)]
    assert again[3].parent_item_id == rows[BOT_NAME].item_id and named_anywhere() == []
