"""The harvest's decisions against a wiki stand-in (the real wiki: tests/integration/test_harvest*.py)."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bots.harvest import HarvestError, HarvestRefused, harvest
from services.consultations import service
from services.consultations.models import CommentOrigin, HarvestOutcome, HarvestRun, WatchedPage
from services.feedback.models import (
    AnchorMethod,
    Comment,
    CommentVersion,
    HiddenReason,
    hidden_item_id,
)

TALK = "Talk:Leadership/Definition"
TALK_FR = "Talk:Leadership/Definition/fr"


@pytest.fixture
def consultation(db, document, wiki):
    with db.session() as s:
        return service.open_consultation(s, "definition", languages=["fr"], opens_at=wiki.now).id


def comments(db, **where):
    with db.session() as s:
        query = select(Comment).order_by(Comment.id)
        for key, value in where.items():
            query = query.where(getattr(Comment, key) == value)
        rows = s.scalars(query).all()
        for row in rows:
            row.anchors, row.versions  # load while the session is open
        return rows


def snapshot(db):
    """Everything a harvest may change, as comparable plain data."""
    with db.session() as s:
        rows = s.execute(
            select(
                Comment.item_id,
                Comment.author,
                Comment.text_plain,
                Comment.hidden_reason,
                Comment.wiki_revid,
                Comment.language,
                Comment.updated_at,
            ).order_by(Comment.id)
        ).all()
        versions = s.scalar(select(func.count()).select_from(CommentVersion))
        pages = s.execute(
            select(
                WatchedPage.title, WatchedPage.last_revid, WatchedPage.last_harvested_at
            ).order_by(WatchedPage.id)
        ).all()
        return rows, versions, pages


def test_first_harvest_takes_in_comments_with_language_anchor_and_origin(
    db, wiki, consultation, document
):
    first = wiki.comment(
        "Alice",
        "I would add to Empathy: Ability to sense emotions, needs "
        "and desires of others, that listening matters.",
    )
    wiki.save(TALK, "Alice", [first])
    reply = wiki.comment(
        "Bob", "Je ne suis pas d'accord, la définition est déjà très longue.", parent=first, level=2
    )
    revid = wiki.save(TALK, "Bob", [first, reply])
    report = harvest(db, wiki, consultation)

    assert report.outcome is HarvestOutcome.OK
    assert (report.counts.new, report.pages_parsed) == (2, 1)
    rows = comments(db)
    assert [(c.author, c.level, c.parent_item_id) for c in rows] == [
        ("Alice", 1, None),
        ("Bob", 2, first.item_id),
    ]
    assert [c.language for c in rows] == ["en", "fr"]
    assert {c.wiki_revid for c in rows} == {revid}
    assert rows[0].revision_id == document["revision_id"]
    empathy = document["keys"][2]
    assert [(a.unit_key, a.method) for a in rows[0].anchors] == [(empathy, AnchorMethod.QUOTE)]
    with db.session() as s:
        origins = dict(s.execute(select(CommentOrigin.comment_id, CommentOrigin.revid)).all())
    assert origins == {rows[0].id: revid - 1, rows[1].id: revid}


def test_harvest_again_changes_nothing_and_parses_nothing(db, wiki, consultation):
    wiki.save(TALK, "Alice", [wiki.comment("Alice", "First thoughts on the definition.")])
    harvest(db, wiki, consultation)
    before = snapshot(db)
    wiki.parsed.clear()

    report = harvest(db, wiki, consultation)

    assert report.requests == 1  # the one batched read
    assert wiki.parsed == []
    assert report.pages_parsed == 0 and report.counts.new == 0
    assert snapshot(db) == before


def test_edited_comment_keeps_its_history(db, wiki, consultation):
    c = wiki.comment("Alice", "The definition is too long.")
    first_rev = wiki.save(TALK, "Alice", [c])
    harvest(db, wiki, consultation)
    edited = type(c)(
        **{
            **c.__dict__,
            "text_plain": "The definition is far too long.",
            "text_html": "<p>The definition is far too long.</p>",
        }
    )
    second_rev = wiki.save(TALK, "Alice", [edited])

    report = harvest(db, wiki, consultation)

    assert report.counts.edited == 1 and report.counts.new == 0
    (row,) = comments(db)
    assert row.text_plain == "The definition is far too long." and row.wiki_revid == second_rev
    assert [(v.text_plain, v.wiki_revid) for v in row.versions] == [
        ("The definition is too long.", first_rev)
    ]


def test_removed_comment_is_hidden_and_comes_back_when_restored(db, wiki, consultation):
    a = wiki.comment("Alice", "Keep it short.")
    wiki.save(TALK, "Alice", [a])
    b = wiki.comment("Bob", "Add examples.")
    wiki.save(TALK, "Bob", [a, b])
    harvest(db, wiki, consultation)
    wiki.save(TALK, "Carol", [b])  # Alice's comment removed

    assert harvest(db, wiki, consultation).counts.hidden == 1
    removed = comments(db, author="Alice")[0]
    assert removed.hidden_reason is HiddenReason.REMOVED
    assert removed.text_plain is None and removed.text_html is None

    wiki.save(TALK, "Dave", [a, b])  # the removal reverted
    assert harvest(db, wiki, consultation).counts.restored == 1
    back = comments(db, author="Alice")[0]
    assert back.id == removed.id
    assert (back.hidden_reason, back.text_plain) == (None, "Keep it short.")


def test_revision_deleted_comment_is_purged_for_good(db, wiki, consultation):
    a = wiki.comment("Alice", "Something that must be hidden.")
    origin = wiki.save(TALK, "Alice", [a])
    edited = type(a)(**{**a.__dict__, "text_plain": "Edited once."})
    wiki.save(TALK, "Alice", [edited])
    harvest(db, wiki, consultation)
    assert len(comments(db)[0].versions) == 0
    wiki.save(TALK, "Admin", [])  # removed, then its revisions hidden
    harvest(db, wiki, consultation)
    wiki.hide(origin, texthidden=True)

    report = harvest(db, wiki, consultation)

    assert report.pages_parsed == 0 and report.pages_flag_checked == 1
    (row,) = comments(db)
    assert row.hidden_reason is HiddenReason.TEXT_HIDDEN
    assert (row.author, row.text_plain, row.text_html, row.heading) == (None, None, None, "")
    assert row.item_id == hidden_item_id(a.item_id)
    assert row.versions == []


def test_user_hidden_on_the_current_revision_hides_the_comment(db, wiki, consultation):
    b = wiki.comment("Bob", "Another one.")
    wiki.save(TALK, "Bob", [b])
    a = wiki.comment("Alice", "A comment whose author is then hidden.")
    current = wiki.save(TALK, "Alice", [b, a])
    harvest(db, wiki, consultation)
    wiki.parsed.clear()
    wiki.hide(current, userhidden=True)  # allowed on the current revision

    report = harvest(db, wiki, consultation)

    assert report.counts.hidden == 1 and wiki.parsed == []
    hidden = [c for c in comments(db) if c.hidden_reason]
    assert [(c.hidden_reason, c.author) for c in hidden] == [(HiddenReason.USER_HIDDEN, None)]
    assert "Alice" not in hidden[0].item_id
    # Still on the page, never filled again.
    wiki.save(TALK, "Bob", [b, a, wiki.comment("Bob", "A third.")])
    harvest(db, wiki, consultation)
    assert [c.hidden_reason for c in comments(db)].count(HiddenReason.USER_HIDDEN) == 1
    assert len(comments(db)) == 3


def test_suppression_is_the_recorded_reason(db, wiki, consultation):
    a = wiki.comment("Alice", "Oversight material.")
    origin = wiki.save(TALK, "Alice", [a])
    harvest(db, wiki, consultation)
    wiki.save(TALK, "Oversighter", [])
    wiki.hide(origin, texthidden=True, userhidden=True, suppressed=True)
    harvest(db, wiki, consultation)
    assert comments(db)[0].hidden_reason is HiddenReason.SUPPRESSED


def test_flags_seen_on_first_sight_hide_at_once(db, wiki, consultation):
    a = wiki.comment("Alice", "Hidden before we ever looked.")
    origin = wiki.save(TALK, "Alice", [a])
    wiki.hide(origin, userhidden=True)
    harvest(db, wiki, consultation)
    assert comments(db)[0].hidden_reason is HiddenReason.USER_HIDDEN


def test_archived_thread_keeps_its_record(db, wiki, consultation):
    with db.session() as s:
        service.add_watched_page(s, consultation, "Talk:Leadership/Definition/Archive 1")
    a = wiki.comment("Alice", "Old thread.")
    wiki.save(TALK, "Alice", [a])
    harvest(db, wiki, consultation)
    (before,) = comments(db)
    wiki.save("Talk:Leadership/Definition/Archive 1", "ArchiveBot", [a])
    wiki.save(TALK, "ArchiveBot", [])

    report = harvest(db, wiki, consultation)

    (after,) = comments(db)
    assert after.id == before.id and after.hidden_reason is None
    assert after.page_title == "Talk:Leadership/Definition/Archive 1"
    assert (report.counts.new, report.counts.hidden) == (0, 0)


def test_comments_outside_the_window_are_not_taken_in(db, wiki, document):
    early = wiki.comment("Alice", "Before the round opened.")
    wiki.save(TALK, "Alice", [early])
    wiki.tick(60)
    with db.session() as s:
        cid = service.open_consultation(
            s,
            "definition",
            languages=[],
            opens_at=wiki.now,
            closes_at=wiki.now + timedelta(minutes=10),
        ).id
    on_time = wiki.comment("Bob", "During the round.")
    wiki.save(TALK, "Bob", [early, on_time])
    wiki.tick(30)
    late = wiki.comment("Carol", "After it closed.")
    wiki.save(TALK, "Carol", [early, on_time, late])

    report = harvest(db, wiki, cid)

    assert [c.author for c in comments(db)] == ["Bob"]
    assert report.counts.outside_window == 2


def test_a_page_that_fails_is_reported_and_retried(db, wiki, consultation):
    wiki.save(TALK, "Alice", [wiki.comment("Alice", "Fine page.")])
    wiki.save(TALK_FR, "Bob", [wiki.comment("Bob", "Page cassée.")])
    wiki.broken.add(TALK_FR)

    report = harvest(db, wiki, consultation)

    assert report.outcome is HarvestOutcome.PARTIAL
    assert any(TALK_FR in p and "parse of" in p for p in report.problems)
    with db.session() as s:
        fr = s.scalars(select(WatchedPage).where(WatchedPage.title == TALK_FR)).one()
        assert fr.last_revid is None and "parse of" in fr.last_error
    wiki.broken.clear()
    report = harvest(db, wiki, consultation)
    assert report.outcome is HarvestOutcome.OK and report.counts.new == 1
    assert len(comments(db)) == 2


def test_parser_problems_are_stored_with_the_page(db, wiki, consultation):
    wiki.save(TALK, "Alice", [wiki.comment("Alice", "Signed.")])
    wiki.problems[TALK] = ["unsigned text after 'Signed.' not attributed"]
    report = harvest(db, wiki, consultation)
    assert report.problems == [f"{TALK}: unsigned text after 'Signed.' not attributed"]
    with db.session() as s:
        page = s.scalars(select(WatchedPage).where(WatchedPage.title == TALK)).one()
        assert "not attributed" in page.last_error
        run = s.scalars(select(HarvestRun)).one()
        assert run.problems == report.problems and run.comments_new == 1


def test_wiki_down_records_a_failed_run_and_raises(db, wiki, consultation):
    wiki.fail_states = True
    with pytest.raises(HarvestError, match="wiki down"):
        harvest(db, wiki, consultation)
    with db.session() as s:
        run = s.scalars(select(HarvestRun)).one()
        assert run.outcome is HarvestOutcome.FAILED


def test_deleted_page_counts_its_comments_as_removed(db, wiki, consultation):
    wiki.save(TALK, "Alice", [wiki.comment("Alice", "On a page about to be deleted.")])
    harvest(db, wiki, consultation)
    del wiki.pages[TALK]
    report = harvest(db, wiki, consultation)
    assert report.counts.hidden == 1
    assert comments(db)[0].hidden_reason is HiddenReason.REMOVED


def test_only_open_consultations_are_harvested(db, wiki, consultation):
    with db.session() as s:
        service.close_consultation(s, consultation)
    with pytest.raises(HarvestRefused, match="closed"):
        harvest(db, wiki, consultation)
    with pytest.raises(HarvestRefused, match="no consultation"):
        harvest(db, wiki, 404)


def test_duplicate_ids_on_a_page_keep_the_first(db, wiki, consultation):
    a = wiki.comment("Alice", "Once.")
    twin = type(a)(**{**a.__dict__, "text_plain": "Twice."})
    wiki.save(TALK, "Alice", [a, twin])
    report = harvest(db, wiki, consultation)
    assert [c.text_plain for c in comments(db)] == ["Once."]
    assert any("appears twice" in p for p in report.problems)


def _thread(wiki):
    """Alice comments, Bob answers her, Carol answers Bob: one save each."""
    a = wiki.comment("Alice", "A comment whose author is then hidden.")
    wiki.save(TALK, "Alice", [a])
    b = wiki.comment("Bob", "I agree with this.", parent=a, level=2)
    wiki.save(TALK, "Bob", [a, b])
    c = wiki.comment("Carol", "So do I, Bob.", parent=b, level=3)
    wiki.save(TALK, "Carol", [a, b, c])
    return a, b, c


@pytest.mark.parametrize(
    "flags", [{"userhidden": True}, {"texthidden": True, "userhidden": True, "suppressed": True}]
)
def test_replies_do_not_keep_a_hidden_authors_name_in_their_ids(db, wiki, consultation, flags):
    a, b, c = _thread(wiki)
    harvest(db, wiki, consultation)
    # As the wiki has them: Bob's id names Alice; Carol points at Bob's id.
    assert "Alice" in b.item_id and "Alice" in c.parent_item_id and "Alice" not in c.item_id
    origin = next(o for o in wiki.pages[TALK] if a in o.comments).info.revid
    wiki.hide(origin, **flags)

    harvest(db, wiki, consultation)

    def stored():
        return {c.author: c for c in comments(db)}

    rows = stored()
    assert not any("Alice" in (c.item_id + (c.parent_item_id or "")) for c in rows.values())
    hidden = rows[None]
    # The thread keeps its shape: Bob answers the hidden comment, Carol answers Bob.
    assert rows["Bob"].parent_item_id == hidden.item_id
    assert rows["Carol"].parent_item_id == rows["Bob"].item_id
    assert rows["Bob"].text_plain == "I agree with this."
    # Seen again, and edited: the same rows, still without the name.
    edited = type(b)(**{**b.__dict__, "text_plain": "I agree, mostly."})
    wiki.save(TALK, "Bob", [a, edited, c, wiki.comment("Dave", "Late reply.", parent=b, level=3)])
    harvest(db, wiki, consultation)
    again = stored()
    assert {n: r.id for n, r in again.items() if n != "Dave"} == {n: r.id for n, r in rows.items()}
    assert again["Bob"].text_plain == "I agree, mostly."
    assert again["Dave"].parent_item_id == again["Bob"].item_id
    assert not any("Alice" in (c.item_id + (c.parent_item_id or "")) for c in again.values())


def test_a_reply_hidden_after_its_parent_takes_its_name_out_of_its_own_replies(
    db, wiki, consultation
):
    a, b, _ = _thread(wiki)
    harvest(db, wiki, consultation)
    revid_of = {
        name: next(r for r in wiki.pages[TALK] if x in r.comments).info.revid
        for name, x in (("Alice", a), ("Bob", b))
    }
    wiki.hide(revid_of["Alice"], userhidden=True)
    harvest(db, wiki, consultation)
    assert "Bob" in {r.author: r for r in comments(db)}["Carol"].item_id  # Bob is not hidden
    wiki.hide(revid_of["Bob"], userhidden=True)

    harvest(db, wiki, consultation)

    rows = comments(db)
    assert [r.author for r in rows] == [None, None, "Carol"]
    assert not any(
        name in r.item_id + (r.parent_item_id or "") for r in rows for name in ("Alice", "Bob")
    )
    assert rows[2].parent_item_id == rows[1].item_id and rows[1].parent_item_id == rows[0].item_id
    harvest(db, wiki, consultation)  # seen again: the same three rows
    assert [r.id for r in comments(db)] == [r.id for r in rows]
