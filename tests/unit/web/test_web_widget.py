"""The widget endpoints: signed calls only, comments in, harvests queued, status out."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from services.consultations import service
from services.documents.models import Document, UnitKind
from services.documents.store import create_revision, mark_published
from services.documents.units import UnitDraft
from services.feedback.models import AnchorMethod, Comment, CommentSource
from services.web import create_app
from services.web.widget_signature import (
    MAX_SKEW_SECONDS,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    canonical_query,
    sign,
    signed_headers,
    verify,
)

SECRET = "s3cret-for-tests-" + "x" * 20


@pytest.fixture
def widget_app(config, db):
    app = create_app(config=config.replace(widget_shared_secret=SECRET))
    yield app
    app.extensions["convene.db"].dispose()


class Wiki:
    """Calls the widget endpoints the way the extension does, signed with a secret."""

    def __init__(self, client, secret: str = SECRET):
        self.client = client
        self.secret = secret

    def post(
        self,
        path: str,
        payload,
        *,
        secret: str | None = None,
        now: float | None = None,
        raw: bytes | None = None,
        headers: dict | None = None,
    ):
        body = raw if raw is not None else json.dumps(payload).encode()
        signed = signed_headers(secret or self.secret, "POST", path, (), body, now)
        return self.client.post(
            path, data=body, content_type="application/json", headers={**signed, **(headers or {})}
        )

    def get(self, path: str, params: dict, *, secret: str | None = None):
        signed = signed_headers(secret or self.secret, "GET", path, params.items())
        return self.client.get(path, query_string=params, headers=signed)


@pytest.fixture
def wiki(widget_app):
    return Wiki(widget_app.test_client())


@pytest.fixture
def doc(db):
    now = datetime.now(UTC).replace(tzinfo=None)
    with db.session() as s:
        document = Document(slug="plan", title="Plan", wiki_title="Leadership plan", language="en")
        s.add(document)
        revision = create_revision(
            s,
            document,
            [
                UnitDraft(UnitKind.HEADING, "Goals", level=2),
                UnitDraft(UnitKind.PARAGRAPH, "Grow leaders in every community."),
            ],
            label="Summary",
        )
        mark_published(s, revision, when=now - timedelta(days=1))
        consultation = service.open_consultation(
            s, "plan", languages=["ar"], opens_at=now - timedelta(hours=1)
        )
        return {"consultation": consultation.id, "keys": [u.key for u in revision.units]}


def comment(doc, **changes):
    body = {
        "document": "plan",
        "unit": doc["keys"][1],
        "text": "Which communities first?",
        "user": "Alice",
        "page": "Leadership plan",
        "language": "en",
        "document_revision": 1,
        "wiki_revid": 7,
        "item_id": "w-6f1c1a0e-8a48-4c1f-9f0e-2b7d1c9a5e01",
    }
    body.update(changes)
    return body


def test_a_signed_comment_is_stored_and_a_retry_is_answered_without_a_second_copy(wiki, db, doc):
    first = wiki.post("/api/v1/widget/comments", comment(doc))
    assert first.status_code == 201, first.get_json()
    assert first.get_json()["comment"] == {
        "id": "w-6f1c1a0e-8a48-4c1f-9f0e-2b7d1c9a5e01",
        "consultation": doc["consultation"],
        "unit": doc["keys"][1],
        "created": True,
    }
    again = wiki.post("/api/v1/widget/comments", comment(doc))
    assert again.status_code == 200 and again.get_json()["comment"]["created"] is False
    with db.session() as s:
        stored = s.scalars(select(Comment)).one()
        assert stored.source is CommentSource.WIDGET
        assert [(a.unit_key, a.method) for a in stored.anchors] == [
            (doc["keys"][1], AnchorMethod.WIDGET)
        ]


@pytest.mark.parametrize(
    "changes, status, code",
    [
        ({"text": "x" * 5001}, 400, "too_long"),
        ({"text": "a\x00b"}, 400, "control_characters"),
        ({"unit": "nosuchkey"}, 422, "unknown_unit"),
        ({"document": "nope"}, 404, "unknown_document"),
        ({"user": 12}, 400, "bad_field"),
    ],
)
def test_bad_comments_get_a_clear_refusal(wiki, db, doc, changes, status, code):
    response = wiki.post("/api/v1/widget/comments", comment(doc, **changes))
    assert response.status_code == status
    error = response.get_json()["error"]
    assert error["code"] == code and error["message"]
    with db.session() as s:
        assert s.scalars(select(Comment)).all() == []


def test_a_closed_consultation_takes_no_comment(wiki, db, doc):
    with db.session() as s:
        service.close_consultation(s, doc["consultation"])
    response = wiki.post("/api/v1/widget/comments", comment(doc))
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "no_open_consultation"


def test_a_body_that_is_not_a_json_object_is_refused(wiki, doc):
    response = wiki.post("/api/v1/widget/comments", None, raw=b"text=hello")
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "bad_field"


@pytest.mark.parametrize("tamper", ["secret", "body", "stale", "future", "missing", "path"])
def test_calls_not_signed_with_the_shared_secret_are_refused(wiki, db, doc, tamper):
    path = "/api/v1/widget/comments"
    body = json.dumps(comment(doc)).encode()
    headers = signed_headers(SECRET, "POST", path, (), body)
    if tamper == "secret":
        headers = signed_headers("another-secret", "POST", path, (), body)
    elif tamper == "body":
        body = json.dumps(comment(doc, text="Altered on the way.")).encode()
    elif tamper == "stale":
        headers = signed_headers(
            SECRET, "POST", path, (), body, now=time.time() - MAX_SKEW_SECONDS - 5
        )
    elif tamper == "future":
        headers = signed_headers(
            SECRET, "POST", path, (), body, now=time.time() + MAX_SKEW_SECONDS + 5
        )
    elif tamper == "missing":
        headers = {}
    elif tamper == "path":
        headers = signed_headers(SECRET, "POST", "/api/v1/widget/page-saved", (), body)
    response = wiki.client.post(path, data=body, content_type="application/json", headers=headers)
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "bad_signature"
    with db.session() as s:
        assert s.scalars(select(Comment)).all() == []


def test_without_a_shared_secret_the_widget_is_disabled_with_a_clear_message(config, db):
    app = create_app(config=config)
    try:
        response = Wiki(app.test_client()).get("/api/v1/widget/status", {"document": "plan"})
    finally:
        app.extensions["convene.db"].dispose()
    assert response.status_code == 503
    error = response.get_json()["error"]
    assert error["code"] == "widget_disabled" and "CONVENE_WIDGET_SHARED_SECRET" in error["message"]


def test_no_csrf_token_or_session_is_needed_for_signed_calls(widget_app, wiki, doc):
    assert widget_app.config.get("WTF_CSRF_ENABLED", True) is True
    assert wiki.post("/api/v1/widget/comments", comment(doc)).status_code == 201


def test_status_gives_counts_and_mix_per_unit(wiki, db, doc):
    for n in range(3):
        wiki.post("/api/v1/widget/comments", comment(doc, item_id=None, text=f"Point {n}."))
    response = wiki.get("/api/v1/widget/status", {"document": "plan"})
    assert response.status_code == 200
    data = response.get_json()
    assert data["total"] == 3
    assert data["units"] == {doc["keys"][1]: {"count": 3, "statuses": {"new": 3}}}
    assert "Alice" not in response.get_data(as_text=True)
    # The query is signed too: the same signature for another document is refused.
    signed = signed_headers(SECRET, "GET", "/api/v1/widget/status", [("document", "plan")])
    forged = wiki.client.get(
        "/api/v1/widget/status", query_string={"document": "other"}, headers=signed
    )
    assert forged.status_code == 401
    missing = wiki.get("/api/v1/widget/status", {"document": ""})
    assert missing.status_code == 400
    unknown = wiki.get("/api/v1/widget/status", {"document": "nope"})
    assert unknown.status_code == 404


def test_a_saved_talk_page_queues_one_harvest_per_watching_consultation_after_commit(
    wiki, doc, monkeypatch
):
    from services.worker.tasks.harvest import harvest_consultation

    sent = []
    monkeypatch.setattr(
        harvest_consultation,
        "apply_async",
        lambda args=(), kwargs=None, **_: sent.append(tuple(args)),
    )
    response = wiki.post(
        "/api/v1/widget/page-saved",
        {
            "title": "Discussion:Leadership plan/ar",
            "canonical_title": "Talk:Leadership plan/ar",
            "revid": 12,
        },
    )
    assert response.status_code == 202
    assert response.get_json()["harvests"] == [doc["consultation"]]
    assert sent == [(doc["consultation"],)]
    unwatched = wiki.post("/api/v1/widget/page-saved", {"title": "Talk:Elsewhere"})
    assert unwatched.status_code == 202 and unwatched.get_json()["harvests"] == []
    assert sent == [(doc["consultation"],)]
    assert wiki.post("/api/v1/widget/page-saved", {"revid": 3}).status_code == 400


def test_the_query_is_canonical_whatever_the_order_and_encoding():
    assert canonical_query([("b", "2"), ("a", "x y/é~")]) == "a=x%20y%2F%C3%A9~&b=2"
    stamp = str(int(time.time()))
    signature = sign(SECRET, "get", "/p", "a=1", stamp, b"")
    assert signature.startswith("v1=") and len(signature) == 67
    assert (
        verify(
            SECRET,
            method="GET",
            path="/p",
            params=[("a", "1")],
            body=b"",
            timestamp=stamp,
            signature=signature,
        )
        is None
    )
    assert "not a number" in verify(
        SECRET, method="GET", path="/p", params=[], body=b"", timestamp="soon", signature=signature
    )
    assert TIMESTAMP_HEADER in verify(
        SECRET, method="GET", path="/p", params=[], body=b"", timestamp=None, signature=None
    )
    assert SIGNATURE_HEADER == "X-Convene-Signature"


def test_the_endpoints_are_in_the_openapi_document_with_their_real_answers(widget_app):
    spec = widget_app.test_client().get("/api/v1/openapi.json").get_json()
    comments = spec["paths"]["/api/v1/widget/comments"]["post"]
    assert set(comments["responses"]) == {"200", "201", "400", "401", "404", "409", "422", "503"}
    assert comments["security"] == [{"wikiSignature": []}]
    assert set(spec["paths"]["/api/v1/widget/page-saved"]["post"]["responses"]) == {
        "202",
        "400",
        "401",
        "503",
    }
    status = spec["paths"]["/api/v1/widget/status"]["get"]
    assert [p["name"] for p in status["parameters"]] == ["document"]
    assert spec["components"]["securitySchemes"]["wikiSignature"]["name"] == SIGNATURE_HEADER
    assert {"WidgetComment", "WidgetStatus"} <= set(spec["components"]["schemas"])
