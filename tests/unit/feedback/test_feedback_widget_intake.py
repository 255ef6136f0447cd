"""Widget comments into the open consultation: anchoring, ids, retries, and refused input."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from services.consultations import service
from services.documents.models import Document, UnitKind
from services.documents.store import create_revision, mark_published
from services.documents.units import UnitDraft
from services.feedback.intake import (
    MAX_TEXT_CHARS,
    Refusal,
    WidgetCommentRejected,
    WidgetSubmission,
    consultations_watching,
    document_status,
    take_widget_comment,
    text_to_html,
)
from services.feedback.models import (
    AnchorMethod,
    Comment,
    CommentSource,
    HiddenReason,
    TriageStatus,
)

NOW = datetime(2026, 3, 1, 12, 0)
UUID = "w-0f8fad5b-d9cb-469f-a165-70867728950e"


@pytest.fixture
def doc(db):
    """A published two-unit document with an open consultation (no translations)."""
    with db.session() as s:
        document = Document(
            slug="definition", title="Definition", wiki_title="Leadership", language="en"
        )
        s.add(document)
        revision = create_revision(
            s,
            document,
            [
                UnitDraft(UnitKind.HEADING, "Qualities of leaders", level=2),
                UnitDraft(
                    UnitKind.PARAGRAPH,
                    "Leaders listen before they act, and they share what they learn with others.",
                ),
            ],
            label="October 2022",
        )
        mark_published(s, revision, when=NOW - timedelta(days=2))
        consultation = service.open_consultation(
            s, "definition", languages=["fr"], opens_at=NOW - timedelta(days=1), now=NOW
        )
        return {
            "consultation": consultation.id,
            "revision": revision.id,
            "keys": [u.key for u in revision.units],
        }


def submission(doc, **changes) -> WidgetSubmission:
    fields = dict(
        document="definition",
        unit=doc["keys"][1],
        text="Listening is not enough; say how the group decides.",
        user="Alice",
        page="Leadership",
        language="en",
        document_revision=1,
        wiki_revid=42,
        item_id=UUID,
    )
    fields.update(changes)
    return WidgetSubmission(**fields)


def test_a_comment_lands_in_the_open_consultation_anchored_to_its_unit(db, doc):
    with db.session() as s:
        taken = take_widget_comment(s, submission(doc), now=NOW)
    assert taken.created and taken.item_id == UUID and taken.consultation_id == doc["consultation"]
    with db.session() as s:
        comment = s.scalars(select(Comment)).one()
        assert comment.source is CommentSource.WIDGET
        assert (comment.author, comment.page_title, comment.wiki_revid) == (
            "Alice",
            "Leadership",
            42,
        )
        assert comment.revision_id == doc["revision"]
        assert comment.status is TriageStatus.NEW and comment.posted_at == NOW
        assert comment.language == "en"
        assert [(a.unit_key, a.method, a.confidence, a.revision_id) for a in comment.anchors] == [
            (doc["keys"][1], AnchorMethod.WIDGET, 1.0, doc["revision"])
        ]


def test_the_same_call_twice_takes_the_comment_in_once(db, doc):
    with db.session() as s:
        first = take_widget_comment(s, submission(doc), now=NOW)
    with db.session() as s:
        again = take_widget_comment(s, submission(doc), now=NOW)
    assert first.created and not again.created and again.comment_id == first.comment_id
    with db.session() as s:
        assert len(s.scalars(select(Comment)).all()) == 1


def test_an_id_reused_for_other_text_is_refused(db, doc):
    with db.session() as s:
        take_widget_comment(s, submission(doc), now=NOW)
    with pytest.raises(WidgetCommentRejected) as info, db.session() as s:
        take_widget_comment(s, submission(doc, text="Something else entirely."), now=NOW)
    assert info.value.reason is Refusal.DUPLICATE_ID


def test_without_an_id_each_comment_gets_a_fresh_widget_id(db, doc):
    with db.session() as s:
        a = take_widget_comment(s, submission(doc, item_id=None), now=NOW)
        b = take_widget_comment(s, submission(doc, item_id=None), now=NOW)
    assert a.item_id != b.item_id
    assert all(i.startswith("w-") and len(i) == 38 for i in (a.item_id, b.item_id))


def test_the_language_of_the_page_is_the_prior_and_clear_text_overrules_it(db, doc):
    french = "Les dirigeants doivent écouter la communauté avant de prendre leurs décisions."
    with db.session() as s:
        take_widget_comment(
            s,
            submission(doc, item_id=None, text=french, language="fr", page="Leadership/fr"),
            now=NOW,
        )
        take_widget_comment(s, submission(doc, item_id=None, text="Oui.", language="fr"), now=NOW)
    with db.session() as s:
        langs = [c.language for c in s.scalars(select(Comment).order_by(Comment.id))]
    assert langs == ["fr", "fr"]


def test_text_is_stored_as_escaped_html_never_as_markup(db, doc):
    hostile = "<script>alert(1)</script>\n\n<b onclick=x>bold</b> & [[link]]"
    with db.session() as s:
        take_widget_comment(s, submission(doc, text=hostile), now=NOW)
    with db.session() as s:
        comment = s.scalars(select(Comment)).one()
    assert comment.text_plain == hostile
    assert "<script>" not in comment.text_html and "<b " not in comment.text_html
    assert comment.text_html == text_to_html(hostile)
    assert comment.text_html.count("<p>") == 2


@pytest.mark.parametrize(
    "changes, reason, field",
    [
        ({"text": "   \n "}, Refusal.EMPTY, "text"),
        ({"text": "x" * (MAX_TEXT_CHARS + 1)}, Refusal.TOO_LONG, "text"),
        ({"text": "fine\x00hidden"}, Refusal.CONTROL_CHARACTERS, "text"),
        ({"text": "bell\x07"}, Refusal.CONTROL_CHARACTERS, "text"),
        ({"text": "escape \x1b[31m red"}, Refusal.CONTROL_CHARACTERS, "text"),
        ({"text": "lone \ud800 surrogate"}, Refusal.CONTROL_CHARACTERS, "text"),
        ({"user": "Alice\nBob"}, Refusal.CONTROL_CHARACTERS, "user"),
        ({"user": "  "}, Refusal.BAD_FIELD, "user"),
        ({"unit": "no such unit!"}, Refusal.BAD_FIELD, "unit"),
        ({"unit": "zzzzzzzz"}, Refusal.UNKNOWN_UNIT, "unit"),
        ({"document": "nope"}, Refusal.UNKNOWN_DOCUMENT, "document"),
        ({"item_id": "c-Alice-2026"}, Refusal.BAD_FIELD, "item_id"),
    ],
)
def test_bad_input_is_refused_with_its_reason_and_nothing_is_stored(
    db, doc, changes, reason, field
):
    with pytest.raises(WidgetCommentRejected) as info, db.session() as s:
        take_widget_comment(s, submission(doc, **changes), now=NOW)
    assert info.value.reason is reason and info.value.field == field
    with db.session() as s:
        assert s.scalars(select(Comment)).all() == []


def test_the_longest_allowed_comment_and_line_breaks_and_tabs_are_kept(db, doc):
    text = ("a\tb\n" * (MAX_TEXT_CHARS // 4))[: MAX_TEXT_CHARS - 1] + "z"
    with db.session() as s:
        take_widget_comment(s, submission(doc, text=text), now=NOW)
    with db.session() as s:
        assert s.scalars(select(Comment.text_plain)).one() == text


def test_no_comment_is_taken_when_the_consultation_is_closed_or_not_yet_open(db, doc):
    with db.session() as s:
        service.close_consultation(s, doc["consultation"], now=NOW)
    with pytest.raises(WidgetCommentRejected) as info, db.session() as s:
        take_widget_comment(s, submission(doc), now=NOW + timedelta(minutes=1))
    assert info.value.reason is Refusal.NO_OPEN_CONSULTATION
    with db.session() as s:
        later = service.open_consultation(
            s, "definition", opens_at=NOW + timedelta(days=5), now=NOW
        )
        assert later.status.value == "open"
    with pytest.raises(WidgetCommentRejected) as info, db.session() as s:
        take_widget_comment(s, submission(doc), now=NOW + timedelta(days=1))
    assert info.value.reason is Refusal.NO_OPEN_CONSULTATION


def test_a_unit_only_in_the_revision_the_reader_saw_is_anchored_to_that_revision(db, doc):
    with db.session() as s:
        document = s.scalars(select(Document)).one()
        newer = create_revision(
            s,
            document,
            [
                UnitDraft(UnitKind.HEADING, "Qualities of leaders", level=2),
                UnitDraft(
                    UnitKind.PARAGRAPH,
                    "Leaders listen before they act, and they share what they learn with others.",
                ),
                UnitDraft(UnitKind.PARAGRAPH, "A brand new paragraph about mentoring."),
            ],
            label="Draft 2",
        )
        new_key = newer.units[2].key
        newer_id = newer.id
    with db.session() as s:
        take_widget_comment(s, submission(doc, unit=new_key, document_revision=2), now=NOW)
    with db.session() as s:
        comment = s.scalars(select(Comment)).one()
        assert comment.revision_id == newer_id and comment.anchors[0].revision_id == newer_id
    with pytest.raises(WidgetCommentRejected) as info, db.session() as s:
        take_widget_comment(
            s, submission(doc, unit=new_key, document_revision=1, item_id=None), now=NOW
        )
    assert info.value.reason is Refusal.UNKNOWN_UNIT


@pytest.mark.parametrize(
    "data, field",
    [
        ([], None),
        ({"document": 3, "unit": "a", "text": "t", "user": "u", "page": "p"}, "document"),
        ({"document": "d", "unit": "a", "text": "t", "user": "u"}, "page"),
        (
            {
                "document": "d",
                "unit": "a",
                "text": "t",
                "user": "u",
                "page": "p",
                "document_revision": True,
            },
            "document_revision",
        ),
        (
            {"document": "d", "unit": "a", "text": "t", "user": "u", "page": "p", "wiki_revid": -4},
            "wiki_revid",
        ),
        ({"document": "d" * 101, "unit": "a", "text": "t", "user": "u", "page": "p"}, "document"),
    ],
)
def test_malformed_json_is_refused_before_anything_is_read(data, field):
    with pytest.raises(WidgetCommentRejected) as info:
        WidgetSubmission.from_json(data)
    assert info.value.reason is Refusal.BAD_FIELD and info.value.field == field


def test_status_counts_live_comments_per_unit_by_status_and_names_nobody(db, doc):
    key_h, key_p = doc["keys"]
    with db.session() as s:
        for text, unit in [
            ("One about the heading.", key_h),
            ("Two about the paragraph.", key_p),
            ("Three about the paragraph.", key_p),
            ("Four, later hidden.", key_p),
        ]:
            take_widget_comment(
                s,
                submission(doc, unit=unit, text=text, item_id=None, user="Secret Person"),
                now=NOW,
            )
    with db.session() as s:
        rows = s.scalars(select(Comment).order_by(Comment.id)).all()
        rows[1].status = TriageStatus.ACCEPTED
        rows[3].hidden_reason = HiddenReason.SUPPRESSED
    with db.session() as s:
        status = document_status(s, "definition")
    assert status["total"] == 3
    assert status["consultation"]["id"] == doc["consultation"] and status["consultation"]["open"]
    assert status["units"] == {
        key_h: {"count": 1, "statuses": {"new": 1}},
        key_p: {"count": 2, "statuses": {"accepted": 1, "new": 1}},
    }
    assert "Secret Person" not in repr(status) and "later hidden" not in repr(status)


def test_status_of_a_closed_consultation_stays_visible_but_not_open(db, doc):
    with db.session() as s:
        take_widget_comment(s, submission(doc), now=NOW)
        service.close_consultation(s, doc["consultation"], now=NOW + timedelta(hours=1))
    with db.session() as s:
        status = document_status(s, "definition")
    assert status["consultation"]["open"] is False and status["total"] == 1
    with pytest.raises(WidgetCommentRejected) as info, db.session() as s:
        document_status(s, "unknown")
    assert info.value.reason is Refusal.UNKNOWN_DOCUMENT


def test_watching_consultations_are_found_by_talk_page_title(db, doc):
    with db.session() as s:
        assert consultations_watching(s, "Talk:Leadership") == [doc["consultation"]]
        assert consultations_watching(s, "Talk:Leadership/fr") == [doc["consultation"]]
        assert consultations_watching(s, "Talk:Leadership/de") == []
        service.close_consultation(s, doc["consultation"], now=NOW)
    with db.session() as s:
        assert consultations_watching(s, "Talk:Leadership") == []
