"""Per-unit translations: stored once per document, unit and language; stale when the
source unit changes."""

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from services.documents import store
from services.documents.models import Document, UnitKind
from services.documents.units import UnitDraft
from services.translations.models import UnitTranslation
from services.translations.status import (
    Progress,
    TranslationState,
    languages,
    progress,
    progress_by_language,
    save_translation,
    translations_for,
    unit_state,
    unit_states,
)


def make_document(session, texts):
    document = Document(slug="doc", title="Doc", wiki_title="Doc")
    drafts = [UnitDraft(UnitKind.PARAGRAPH, t) for t in texts]
    return document, store.create_revision(session, document, drafts, label="v1")


def test_states_follow_the_source_text(db):
    with db.session() as s:
        document, revision = make_document(s, ["One.", "The second unit.", "Three."])
        one, two, three = revision.units
        save_translation(
            s, document, one.key, "fr", "Un.", source_hash=one.text_hash, translator="Alice"
        )
        save_translation(s, document, two.key, "fr", "Deux.", source_hash=two.text_hash)
        # The source changes: unit two is edited (same key, new text).
        texts = ["One.", "The second unit, edited.", "Three."]
        edited = store.create_revision(
            s, document, [UnitDraft(UnitKind.PARAGRAPH, t) for t in texts], label="v2"
        )
        assert [u.key for u in edited.units] == [one.key, two.key, three.key]
        found = translations_for(s, document, "fr")
        assert unit_states(edited, found) == {
            one.key: TranslationState.CURRENT,
            two.key: TranslationState.OUTDATED,
            three.key: TranslationState.MISSING,
        }
        assert unit_states(revision, found)[two.key] is TranslationState.CURRENT
        assert progress(s, edited, "fr") == Progress("fr", 3, 1, 1, 1)
        assert progress(s, edited, "fr").percent == 33


def test_saving_again_updates_the_one_translation(db):
    with db.session() as s:
        document, revision = make_document(s, ["One."])
        [unit] = revision.units
        save_translation(s, document, unit.key, "de", "Eins?", source_hash="old")
        row = save_translation(
            s, document, unit.key, "de", "Eins.", source_hash=unit.text_hash, translator="Bob"
        )
        assert s.scalar(select(func.count()).select_from(UnitTranslation)) == 1
        assert (row.text, row.translator) == ("Eins.", "Bob")
        assert unit_state(unit, row) is TranslationState.CURRENT
        with pytest.raises(ValueError, match="into 'de' is empty"):
            save_translation(s, document, unit.key, "de", "  ", source_hash=unit.text_hash)


def test_database_refuses_a_second_row_for_the_same_unit_and_language(db):
    with pytest.raises(IntegrityError), db.session() as s:
        document, revision = make_document(s, ["One."])
        key = revision.units[0].key
        for text in ("a", "b"):
            s.add(
                UnitTranslation(
                    document_id=document.id, unit_key=key, language="fr", text=text, source_hash="h"
                )
            )
        s.flush()


def test_progress_by_language(db):
    with db.session() as s:
        document, revision = make_document(s, ["One.", "Two."])
        one, two = revision.units
        save_translation(s, document, one.key, "ar", "واحد.", source_hash=one.text_hash)
        save_translation(s, document, two.key, "ar", "اثنان.", source_hash=two.text_hash)
        save_translation(s, document, one.key, "fr", "Un.", source_hash="stale")
        assert languages(s, document) == ["ar", "fr"]
        assert progress_by_language(s, revision) == [
            Progress("ar", 2, 2, 0, 0),
            Progress("fr", 2, 0, 1, 1),
        ]
        assert Progress("xx", 0, 0, 0, 0).percent == 0
