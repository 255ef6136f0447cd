"""Publishing against the real local wiki: create, no-op, one change, drift, --force, dry run."""

from __future__ import annotations

import pytest
import pywikibot
from publish_support import history, make_document, new_revision, parsed_html, wiki_page
from sqlalchemy import select

from bots.publish import publish_revision
from bots.publish_pages import wanted_pages
from bots.publish_plan import Action, normalize
from bots.publish_state import Drift, DriftResolution, PageKind, PublishedPage
from services.documents.models import Revision, RevisionStatus
from services.translations.status import save_translation

TRANSLATIONS = {
    "fr": {0: "Objectif", 1: "Le groupe de travail soutient les leaders."},
    "de": {0: "Zweck"},
}


@pytest.fixture
def title(unique_title) -> str:
    """A page title of this test's own, in the form the wiki gives it back."""
    return unique_title.replace("_", " ")


def by_action(result) -> dict[Action, set[str]]:
    out: dict[Action, set[str]] = {}
    for page in result.pages:
        out.setdefault(page.action, set()).add(page.title)
    return out


def test_publish_creates_every_page_then_a_second_run_edits_nothing(wiki_config, db, site, title):
    revision_id = make_document(db, title, translations=TRANSLATIONS)
    first = publish_revision(wiki_config, db, revision_id, site=site)

    titles = {title, f"{title}/fr", f"{title}/de", f"{title}/Changelog"}
    assert by_action(first) == {Action.CREATE: titles}
    assert [p.kind for p in first.pages] == [
        PageKind.SOURCE,
        PageKind.TRANSLATION,
        PageKind.TRANSLATION,
        PageKind.CHANGELOG,
    ]
    with db.session() as session:
        revision = session.get(Revision, revision_id)
        assert revision.status is RevisionStatus.PUBLISHED
        wanted = {w.title: w for w in wanted_pages(session, revision)}
        records = {r.title: r for r in session.scalars(select(PublishedPage))}
    for each in titles:
        page = wiki_page(site, each)
        # The wiki holds exactly the rendered text, and the store knows which revision that is.
        assert page.text == normalize(wanted[each].text)
        assert records[each].wiki_revid == page.latest_revision_id
        assert records[each].text == page.text
        assert records[each].revision_id == revision_id
        # The edit summary names the revision.
        assert "First draft" in page.latest_revision.comment
        assert page.latest_revision.user == site.user()
    assert "Objectif" in wiki_page(site, f"{title}/fr").text
    assert first.source_url.endswith("/index.php/" + title.replace(" ", "_"))
    # Links between the new pages (header → changelog) render as existing pages, not red links.
    assert "redlink=1" not in parsed_html(site, title)

    second = publish_revision(wiki_config, db, revision_id, site=site)
    assert by_action(second) == {Action.UNCHANGED: titles}
    assert first.counter == {"read": 4, "write": 4, "create": 4}
    assert second.edits == 0 and second.counter == {"read": 4, "write": 0, "unchanged": 4}
    for each in titles:
        assert len(history(site, each)) == 1


def test_one_unit_change_edits_exactly_the_pages_whose_text_changes(wiki_config, db, site, title):
    first_id = make_document(db, title, translations=TRANSLATIONS)
    other_id = make_document(db, f"{title} other", translations=TRANSLATIONS)
    publish_revision(wiki_config, db, first_id, site=site)
    publish_revision(wiki_config, db, other_id, site=site)
    with db.session() as session:
        before = {w.title: w.text for w in wanted_pages(session, session.get(Revision, first_id))}

    second_id = new_revision(db, first_id, {3: "Share what you learn, widely."}, label="Second")
    result = publish_revision(wiki_config, db, second_id, site=site)
    with db.session() as session:
        after = {w.title: w.text for w in wanted_pages(session, session.get(Revision, second_id))}
    changed = {t for t in after if normalize(after[t]) != normalize(before[t])}
    assert changed  # the source page and the changelog at least
    assert {title, f"{title}/Changelog"} <= changed
    assert {p.title for p in result.pages if p.action is Action.UPDATE} == changed
    assert {p.title for p in result.pages if p.action is Action.UNCHANGED} == set(after) - changed

    # The other document's pages are not touched by publishing this one again.
    again = publish_revision(wiki_config, db, other_id, site=site)
    assert again.edits == 0

    # A new translation of one language changes that language page and no other.
    with db.session() as session:
        revision = session.get(Revision, second_id)
        unit = revision.units[4]
        save_translation(
            session,
            revision.document,
            unit.key,
            "de",
            "Ein Schlussabsatz.",
            source_hash=unit.text_hash,
        )
    result = publish_revision(wiki_config, db, second_id, site=site)
    assert {p.title for p in result.pages if p.action.writes} == {f"{title}/de"}
    assert "Ein Schlussabsatz." in wiki_page(site, f"{title}/de").text


def test_a_human_edit_between_publishes_is_a_drift_and_is_left_alone(
    wiki, wiki_config, db, site, title
):
    revision_id = make_document(db, title)
    publish_revision(wiki_config, db, revision_id, site=site)
    ours = wiki_page(site, title)
    human_text = ours.text.replace("supports leaders", "supports new and existing leaders")
    [alice_revid] = wiki.edit_as(
        "Alice", [{"title": title, "text": human_text, "summary": "clearer"}]
    )

    second_id = new_revision(db, revision_id, {1: "The group helps leaders grow."}, label="Second")
    result = publish_revision(wiki_config, db, second_id, site=site)
    outcome = next(p for p in result.pages if p.title == title)
    assert outcome.action is Action.DRIFTED
    assert "Alice" in outcome.reason
    # The page is untouched: Alice's revision is still the latest, with her text.
    page = wiki_page(site, title)
    assert page.latest_revision_id == alice_revid and page.text == normalize(human_text)
    # The changelog is Convene's alone and was updated.
    assert next(p for p in result.pages if p.kind is PageKind.CHANGELOG).action is Action.UPDATE
    with db.session() as session:
        [drift] = session.scalars(select(Drift)).all()
        assert (drift.title, drift.wiki_revid, drift.user) == (title, alice_revid, "Alice")
        assert drift.resolved_at is None
        assert "+" in drift.diff and "new and existing leaders" in drift.diff
        assert "-" in drift.diff and drift.diff.count("supports leaders") == 1

    # Publishing again reports the same drift once, still without touching the page.
    again = publish_revision(wiki_config, db, second_id, site=site)
    assert next(p for p in again.pages if p.title == title).action is Action.DRIFTED
    assert again.edits == 0
    with db.session() as session:
        assert len(session.scalars(select(Drift)).all()) == 1
    assert wiki_page(site, title).latest_revision_id == alice_revid


def test_force_overwrites_a_drifted_page_on_purpose(wiki, wiki_config, db, site, title):
    revision_id = make_document(db, title)
    publish_revision(wiki_config, db, revision_id, site=site)
    [alice_revid] = wiki.edit_as("Alice", [{"title": title, "append": "Alice was here."}])
    drifted = publish_revision(wiki_config, db, revision_id, site=site)
    assert next(p for p in drifted.pages if p.title == title).action is Action.DRIFTED

    forced = publish_revision(wiki_config, db, revision_id, site=site, force=True)
    outcome = next(p for p in forced.pages if p.title == title)
    assert outcome.action is Action.UPDATE and outcome.forced
    page = wiki_page(site, title)
    assert "Alice was here." not in page.text
    assert page.latest_revision_id > alice_revid and page.latest_revision.user == site.user()
    assert "overwriting" in page.latest_revision.comment
    # Only the drifted page was edited; Alice's revision stays in the history.
    assert forced.edits == 1
    assert [r.user for r in history(site, title)] == [site.user(), "Alice", site.user()]
    with db.session() as session:
        [drift] = session.scalars(select(Drift)).all()
        assert drift.resolution is DriftResolution.OVERWRITTEN and drift.resolved_at
    assert publish_revision(wiki_config, db, revision_id, site=site).edits == 0


def test_a_concurrent_edit_is_never_overwritten(wiki, wiki_config, db, site, title):
    revision_id = make_document(db, title, translations={"fr": {0: "Objectif"}, "de": {0: "Zweck"}})
    publish_revision(wiki_config, db, revision_id, site=site)
    second_id = new_revision(db, revision_id, {0: "Purpose and scope"}, label="Second")
    french, german = f"{title}/fr", f"{title}/de"
    edited: list[int] = []

    def alice_edits_meanwhile(outcome):
        # After the bot read every page in one batch, before it reaches the language pages:
        # on the French page Alice rewrites the line Convene changes too (a real conflict),
        # on the German page she adds a line at the end (the wiki merges the two edits).
        if outcome.title == title:
            fr = wiki_page(site, french).text.split("\n")
            fr[0] = "Revision 1 (relue par Alice)"
            edited.extend(
                wiki.edit_as(
                    "Alice",
                    [
                        {"title": french, "text": "\n".join(fr)},
                        {"title": german, "append": "Danke!"},
                    ],
                )
            )

    result = publish_revision(wiki_config, db, second_id, site=site, progress=alice_edits_meanwhile)
    outcomes = {p.title: p for p in result.pages}
    assert outcomes[title].action is Action.UPDATE
    assert outcomes[french].action is Action.CONFLICT
    assert outcomes[german].action is Action.CONFLICT and "Alice" in outcomes[german].reason
    # French: the edit was refused (or, when the wiki missed the conflict because both saves
    # fell in one second, undone); Alice's text stands.
    page = wiki_page(site, french)
    assert edited[0] in {r.revid for r in history(site, french)}
    assert page.text.startswith("Revision 1 (relue par Alice)")
    # German: the wiki merged both edits; Alice's line is there.
    assert wiki_page(site, german).text.endswith("Danke!")
    with db.session() as session:
        drifts = {d.title: d for d in session.scalars(select(Drift))}
    assert set(drifts) == {french, german}
    assert drifts[french].user == "Alice" and drifts[german].user == "Alice"
    assert "+Danke!" in drifts[german].diff

    # Later runs leave both pages alone until the drift is resolved.
    again = publish_revision(wiki_config, db, second_id, site=site)
    assert {p.title for p in again.pages if p.action is Action.DRIFTED} == {french, german}
    assert again.edits == 0
    assert wiki_page(site, german).text.endswith("Danke!")


def test_a_page_deleted_meanwhile_is_not_recreated(wiki_config, db, site, title):
    revision_id = make_document(db, title, translations={"fr": {0: "Objectif"}})
    publish_revision(wiki_config, db, revision_id, site=site)
    second_id = new_revision(db, revision_id, {0: "Purpose and scope"}, label="Second")
    french = f"{title}/fr"

    def delete_the_french_page(outcome):
        if outcome.title == title:
            pywikibot.Page(site, french).delete(summary="test: deleted meanwhile", prompt=False)

    result = publish_revision(
        wiki_config, db, second_id, site=site, progress=delete_the_french_page
    )
    assert next(p for p in result.pages if p.title == french).action is Action.CONFLICT
    assert not wiki_page(site, french).exists()

    # Deleted since Convene wrote it: later runs report it and leave it deleted...
    later = publish_revision(wiki_config, db, second_id, site=site)
    assert next(p for p in later.pages if p.title == french).action is Action.DRIFTED
    assert not wiki_page(site, french).exists()
    # ...until the operator re-creates it on purpose.
    forced = publish_revision(wiki_config, db, second_id, site=site, force=True)
    assert next(p for p in forced.pages if p.title == french).action is Action.CREATE
    assert wiki_page(site, french).exists()


def test_nobots_keeps_convene_out_even_with_force(wiki, wiki_config, db, site, title):
    revision_id = make_document(db, title)
    publish_revision(wiki_config, db, revision_id, site=site)
    [alice_revid] = wiki.edit_as(
        "Alice", [{"title": title, "append": "{{nobots}}\nPlease leave this page."}]
    )
    second_id = new_revision(db, revision_id, {1: "Changed text."}, label="Second")
    result = publish_revision(wiki_config, db, second_id, site=site, force=True)
    assert next(p for p in result.pages if p.title == title).action is Action.EXCLUDED
    assert wiki_page(site, title).latest_revision_id == alice_revid


def test_dry_run_shows_the_plan_with_diffs_and_changes_nothing(wiki, wiki_config, db, site, title):
    revision_id = make_document(db, title)
    plan = publish_revision(wiki_config, db, revision_id, site=site, dry_run=True)
    assert plan.dry_run
    assert by_action(plan) == {Action.CREATE: {title, f"{title}/Changelog"}}
    assert all("+" in p.diff for p in plan.pages)
    # pywikibot's simulation answered both edits; neither reached the wiki.
    assert plan.counter["write"] == 2
    assert not wiki_page(site, title).exists()
    with db.session() as session:
        assert session.get(Revision, revision_id).status is RevisionStatus.DRAFT
        assert session.scalars(select(PublishedPage)).all() == []

    publish_revision(wiki_config, db, revision_id, site=site)
    wiki.edit_as("Alice", [{"title": f"{title}/Changelog", "append": "Note by Alice."}])
    second_id = new_revision(db, revision_id, {1: "The group helps leaders grow."}, label="Second")
    plan = publish_revision(wiki_config, db, second_id, site=site, dry_run=True)
    source = next(p for p in plan.pages if p.title == title)
    changelog = next(p for p in plan.pages if p.kind is PageKind.CHANGELOG)
    assert source.action is Action.UPDATE
    assert "-" in source.diff and "+" in source.diff and "helps leaders grow" in source.diff
    assert changelog.action is Action.DRIFTED and "+Note by Alice." in changelog.diff
    assert len(history(site, title)) == 1
    with db.session() as session:
        assert session.get(Revision, second_id).status is RevisionStatus.DRAFT
        assert session.scalars(select(Drift)).all() == []


def test_an_edit_the_wiki_let_convene_overwrite_is_put_back(
    wiki, wiki_config, db, site, title, monkeypatch
):
    revision_id = make_document(db, title, translations={"fr": {0: "Objectif"}})
    publish_revision(wiki_config, db, revision_id, site=site)
    second_id = new_revision(db, revision_id, {0: "Purpose and scope"}, label="Second")
    french = f"{title}/fr"

    def alice_edits_meanwhile(outcome):
        if outcome.title == title:
            wiki.edit_as("Alice", [{"title": french, "append": "Merci !"}])

    # MediaWiki 1.39 finds an edit conflict by comparing the base and the latest revision's
    # timestamps, to the second: a save in the same second as ours goes unnoticed. Giving the
    # wiki the latest timestamp as the base reproduces that on demand.
    editpage = type(site).editpage

    def same_second(self, page, *args, **kwargs):
        if page.title() == french:
            latest = next(iter(self.preloadpages([pywikibot.Page(self, french)])))
            kwargs["basetimestamp"] = latest.latest_revision.timestamp
        return editpage(self, page, *args, **kwargs)

    monkeypatch.setattr(type(site), "editpage", same_second)
    result = publish_revision(wiki_config, db, second_id, site=site, progress=alice_edits_meanwhile)

    outcome = {p.title: p for p in result.pages}[french]
    assert outcome.action is Action.CONFLICT and "Alice" in outcome.reason
    page = wiki_page(site, french)
    assert page.text.endswith("Merci !")
    revisions = history(site, french)
    assert [r.user for r in revisions[-3:]] == ["Alice", site.user(), site.user()]
    with db.session() as session:
        [drift] = session.scalars(select(Drift).where(Drift.title == french))
    assert drift.user == "Alice" and "+Merci !" in drift.diff
