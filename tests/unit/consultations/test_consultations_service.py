from datetime import datetime

import pytest

from services.consultations import service
from services.consultations.models import ConsultationStatus
from services.documents.store import DocumentNotFound


@pytest.mark.parametrize(
    "title, talk",
    [
        ("Leadership/Definition", "Talk:Leadership/Definition"),
        ("Help:Convene", "Help talk:Convene"),
        ("Project:Working group", "Project talk:Working group"),
        ("Leadership: a definition", "Talk:Leadership: a definition"),
        ("Talk:Already", "Talk:Already"),
        ("User talk:Alice", "User talk:Alice"),
    ],
)
def test_talk_page_title(title, talk):
    assert service.talk_page_title(title) == talk


def test_open_watches_source_and_language_talk_pages(db, document):
    with db.session() as s:
        c = service.open_consultation(
            s,
            "definition",
            languages=["fr", "ar", "en", "fr"],
            pages=["Talk:Leadership/Definition/Archive 1"],
            prompts=["What is missing?", "  "],
            now=datetime(2025, 3, 1, 9, 30),
        )
        assert c.status is ConsultationStatus.OPEN
        assert c.opens_at == datetime(2025, 3, 1, 9, 30)
        assert c.revision_id == document["revision_id"]
        assert c.prompts == ["What is missing?"]
        assert [(p.title, p.language) for p in c.pages] == [
            ("Talk:Leadership/Definition", "en"),
            ("Talk:Leadership/Definition/fr", "fr"),
            ("Talk:Leadership/Definition/ar", "ar"),
            ("Talk:Leadership/Definition/Archive 1", "en"),
        ]
        assert c.title == "Definition of leadership: feedback on October 2022"


def test_default_languages_come_from_translations(db, document):
    from services.translations.models import UnitTranslation

    with db.session() as s:
        for lang in ("pl", "sr"):
            s.add(
                UnitTranslation(
                    document_id=document["id"],
                    unit_key=document["keys"][0],
                    language=lang,
                    text="x",
                    source_hash="h",
                )
            )
    with db.session() as s:
        c = service.open_consultation(s, "definition")
        assert [p.language for p in c.pages] == ["en", "pl", "sr"]


def test_second_open_round_on_a_document_is_refused(db, document):
    with db.session() as s:
        first = service.open_consultation(s, "definition", languages=[])
    with db.session() as s, pytest.raises(service.ConsultationError, match=f"#{first.id}"):
        service.open_consultation(s, "definition", languages=[])
    with db.session() as s:
        service.close_consultation(s, first.id)
        second = service.open_consultation(s, "definition", languages=[])
        assert second.status is ConsultationStatus.OPEN


def test_draft_then_start_then_close_then_report(db, document):
    with db.session() as s:
        draft = service.open_consultation(s, "definition", draft=True, languages=[])
        assert draft.status is ConsultationStatus.DRAFT and draft.opens_at is None
        with pytest.raises(service.ConsultationError, match="not open"):
            service.close_consultation(s, draft.id)
        started = service.start_consultation(s, draft.id, now=datetime(2025, 1, 1))
        assert started.status is ConsultationStatus.OPEN
        with pytest.raises(service.ConsultationError, match="not a draft"):
            service.start_consultation(s, draft.id)
        with pytest.raises(service.ConsultationError, match="only a closed one"):
            service.mark_reported(s, draft.id)
        closed = service.close_consultation(s, draft.id, now=datetime(2025, 2, 1))
        assert closed.closes_at == datetime(2025, 2, 1)
        assert service.mark_reported(s, draft.id).status is ConsultationStatus.REPORTED


def test_closing_keeps_an_earlier_closing_time(db, document):
    with db.session() as s:
        c = service.open_consultation(
            s,
            "definition",
            languages=[],
            opens_at=datetime(2025, 1, 1),
            closes_at=datetime(2025, 1, 10),
        )
        service.close_consultation(s, c.id, now=datetime(2025, 2, 1))
        assert c.closes_at == datetime(2025, 1, 10)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"revision_number": 7}, "has no revision 7"),
        ({"opens_at": datetime(2025, 2, 1), "closes_at": datetime(2025, 1, 1)}, "is not after"),
    ],
)
def test_bad_requests_name_the_problem(db, document, kwargs, message):
    with db.session() as s, pytest.raises(service.ConsultationError, match=message):
        service.open_consultation(s, "definition", **kwargs)


def test_unknown_document_and_consultation(db, document):
    with db.session() as s:
        with pytest.raises(DocumentNotFound, match="nope"):
            service.open_consultation(s, "nope")
        with pytest.raises(service.ConsultationNotFound, match="#99"):
            service.close_consultation(s, 99)


def test_add_watched_page_refuses_duplicates(db, document):
    with db.session() as s:
        c = service.open_consultation(s, "definition", languages=[])
        page = service.add_watched_page(s, c.id, "Talk:Leadership/Definition_archive", "fr")
        assert (page.title, page.language) == ("Talk:Leadership/Definition archive", "fr")
        with pytest.raises(service.ConsultationError, match="already watches"):
            service.add_watched_page(s, c.id, "Talk:Leadership/Definition")


def test_list_and_summarize(db, document):
    with db.session() as s:
        c = service.open_consultation(s, "definition", languages=["fr"])
        summary = service.summarize(s, c)
        assert summary["status"] == "open"
        assert summary["revision"] == {"number": 1, "label": "October 2022"}
        assert [p["comments"] for p in summary["pages"]] == [0, 0]
        assert summary["last_harvest"] is None
        assert [x.id for x in service.list_consultations(s)] == [c.id]
        assert service.list_consultations(s, ConsultationStatus.CLOSED) == []
        assert [x.id for x in service.open_consultations(s)] == [c.id]
