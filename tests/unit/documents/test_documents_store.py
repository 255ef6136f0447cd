"""The store: loading content files, revisions with stable keys, publishing."""

from datetime import datetime

import pytest
from sqlalchemy import func, select

from services.documents import store
from services.documents.models import Document, Revision, RevisionStatus, Unit, UnitKind
from services.documents.source import bundled_sources
from services.documents.units import SourceError, UnitDraft

DEFINITION = next(p for p in bundled_sources() if p.name == "leadership-definition.wiki")


def counts(session):
    return tuple(
        session.scalar(select(func.count()).select_from(model))
        for model in (Document, Revision, Unit)
    )


def edited_copy(tmp_path, old, new, name="definition.wiki"):
    text = DEFINITION.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / name
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def test_loading_twice_creates_nothing_the_second_time(db):
    with db.session() as s:
        first = [store.load_source(s, p) for p in bundled_sources()]
    with db.session() as s:
        before = counts(s)
        second = [store.load_source(s, p) for p in bundled_sources()]
        assert counts(s) == before
    assert [created for _, created in first] == [True, True]
    assert [created for _, created in second] == [False, False]
    assert [r.id for r, _ in first] == [r.id for r, _ in second]
    with db.session() as s:
        doc = store.require_document(s, "leadership-definition")
        revision = store.latest_revision(s, doc)
        assert (revision.number, revision.status, revision.label) == (
            1,
            RevisionStatus.DRAFT,
            "October 2022",
        )
        assert doc.wiki_title == "Leadership Development Working Group/Leadership definition"
        assert "CC BY-SA 4.0" in doc.attribution
        assert len({u.key for u in revision.units}) == len(revision.units) == 57


def test_edited_file_creates_a_draft_that_keeps_keys(db, tmp_path):
    with db.session() as s:
        old, _ = store.load_source(s, DEFINITION)
        old_units = [(u.key, u.text) for u in old.units]
    path = edited_copy(
        tmp_path,
        "Leadership can be understood as the ability",
        "Leadership can be seen as the capacity",
    )
    text = path.read_text(encoding="utf-8") + "\n== A new section ==\n\nWith a new paragraph.\n"
    path.write_text(text.replace("label: October 2022", "label: Draft 2024"), encoding="utf-8")
    with db.session() as s:
        new, created = store.load_source(s, path)
        assert created
        assert (new.number, new.status, new.label, new.parent_id) == (
            2,
            RevisionStatus.DRAFT,
            "Draft 2024",
            old.id,
        )
        new_units = [(u.key, u.text) for u in new.units]
    assert [k for k, _ in new_units[: len(old_units)]] == [k for k, _ in old_units]
    edited = [i for i, (a, b) in enumerate(zip(old_units, new_units)) if a[1] != b[1]]
    assert len(edited) == 1 and "seen as the capacity" in new_units[edited[0]][1]
    assert {k for k, _ in new_units[-2:]}.isdisjoint(k for k, _ in old_units)
    with db.session() as s:  # loading the edited file again changes nothing
        again, created = store.load_source(s, path)
        assert not created and again.id == new.id


@pytest.mark.parametrize(
    ("old", "new", "line_text"),
    [
        (
            "== Broad overarching definition ==",
            "== Broad overarching definition",
            "unclosed heading",
        ),
        ("* Facilitating the setting", "** Facilitating the setting", "bad list nesting"),
        ("slug: leadership-definition", "slug: Leadership Definition", "'slug' may hold only"),
    ],
)
def test_malformed_file_changes_nothing(db, tmp_path, old, new, line_text):
    with db.session() as s:
        store.load_source(s, DEFINITION)
        before = counts(s)
    path = edited_copy(tmp_path, old, new)
    lineno = next(
        i for i, line in enumerate(path.read_text().splitlines(), 1) if line.startswith(new)
    )
    with pytest.raises(SourceError) as caught, db.session() as s:
        store.load_source(s, path)
    assert (caught.value.source, caught.value.line) == (str(path), lineno)
    assert line_text in caught.value.problem
    with db.session() as s:
        assert counts(s) == before
        assert store.latest_revision(s, store.get_document(s, "leadership-definition")).number == 1


def test_malformed_file_for_a_new_document_creates_no_document(db, tmp_path):
    path = edited_copy(tmp_path, "slug: leadership-definition", "slug: other-doc")
    path.write_text(path.read_text() + "\n{{template}}\n")
    with pytest.raises(SourceError), db.session() as s:
        store.load_source(s, path)
    with db.session() as s:
        assert counts(s) == (0, 0, 0)


def test_publishing_supersedes_the_previous_published_revision(db, tmp_path):
    with db.session() as s:
        first, _ = store.load_source(s, DEFINITION)
        store.mark_published(s, first, when=datetime(2022, 10, 1))
    path = edited_copy(tmp_path, "Leadership is multifaceted", "Leadership is many-sided")
    with db.session() as s:
        second, _ = store.load_source(s, path)
        assert second.status is RevisionStatus.DRAFT
        doc = store.get_document(s, "leadership-definition")
        assert store.latest_revision(s, doc, RevisionStatus.PUBLISHED).id == first.id
        store.mark_published(s, second)
        store.mark_published(s, second)  # publishing twice is harmless
    with db.session() as s:
        doc = store.get_document(s, "leadership-definition")
        by_number = {r.number: r for r in store.list_revisions(s, doc)}
        assert by_number[1].status is RevisionStatus.SUPERSEDED
        assert by_number[1].published_at == datetime(2022, 10, 1)
        assert by_number[2].status is RevisionStatus.PUBLISHED
        assert by_number[2].published_at is not None


def test_create_revision_honours_carried_keys_and_reports_unchanged(db):
    with db.session() as s:
        doc = Document(slug="imported", title="Imported", wiki_title="Imported", language="fr")
        drafts = [UnitDraft(UnitKind.HEADING, "Titre", 2), UnitDraft(UnitKind.PARAGRAPH, "Un.")]
        first = store.create_revision(s, doc, drafts, label="v1", author="Alice")
        keys = [u.key for u in first.units]
        assert store.revision_if_unchanged(s, doc, drafts).id == first.id
        # A wiki page parsed back: anchors survived on both units, one text was rewritten.
        again = [
            UnitDraft(UnitKind.HEADING, "Titre", 2, key=keys[0]),
            UnitDraft(UnitKind.PARAGRAPH, "Tout autre chose.", key=keys[1]),
            UnitDraft(UnitKind.PARAGRAPH, "Ajouté sur le wiki."),
        ]
        assert store.revision_if_unchanged(s, doc, again) is None
        second = store.create_revision(s, doc, again, label="v2", summary="import")
        assert [u.key for u in second.units][:2] == keys
        assert second.units[2].key not in keys
        assert (second.number, second.parent_id) == (2, first.id)
        assert [u.position for u in second.units] == [0, 1, 2]


def test_create_revision_refuses_empty_units(db):
    with db.session() as s:
        doc = Document(slug="e", title="E", wiki_title="E")
        with pytest.raises(ValueError, match="unit 1 .paragraph. has no text"):
            store.create_revision(s, doc, [UnitDraft(UnitKind.PARAGRAPH, "  ")], label="x")
        with pytest.raises(ValueError, match="at least one unit"):
            store.create_revision(s, doc, [], label="x")


def test_lookups_name_what_is_missing(db):
    with db.session() as s:
        store.load_source(s, DEFINITION)
        assert store.get_document(s, "nope") is None
        with pytest.raises(
            store.DocumentNotFound, match="no document 'nope' .known: leadership-definition"
        ):
            store.require_document(s, "nope")
        doc = store.require_document(s, "leadership-definition")
        assert store.get_revision(s, doc, 9) is None
        with pytest.raises(store.RevisionNotFound, match="has no revision 9"):
            store.require_revision(s, doc, 9)
