"""The feedback API against a real database: filter, search, keyset pages, triage, bulk,
export, and the hostile inputs of issue 5 — each refused clearly, with nothing changed."""

from __future__ import annotations

import csv
import io
import json
from urllib.parse import parse_qs, urlsplit

import pytest
from api_support import api, app, scene  # noqa: F401  (fixtures)
from sqlalchemy import func, select

from services.feedback.models import AuditEntry, Comment, HiddenReason, TriageStatus
from services.web.auth import users

pytestmark = pytest.mark.integration


def _state(db, comment_id):
    with db.session() as s:
        c = s.get(Comment, comment_id)
        return c.status, c.note, s.scalar(select(func.count()).select_from(AuditEntry))


def test_filter_search_and_pages(api, scene):
    tom = api("Tom")
    body = tom.get(f"/api/v1/feedback?consultation={scene['c1']}&language=ar&count=1").get_json()
    assert [i["id"] for i in body["items"]] == [scene["arabic"]]
    assert body["items"][0]["excerpt"].startswith("القيادة") and body["total"] == 1
    body = tom.get("/api/v1/feedback?q=mentoring&sort=oldest").get_json()
    assert [i["id"] for i in body["items"]] == [scene["first"], scene["reply"]]
    body = tom.get(f"/api/v1/feedback?unit={scene['units'][2]}").get_json()
    assert [i["id"] for i in body["items"]] == [scene["arabic"]]
    # Keyset pages: follow `next` until the end; every comment once.
    seen, url = [], "/api/v1/feedback?limit=2"
    while url:
        page = tom.get(url).get_json()
        seen += [i["id"] for i in page["items"]]
        url = page["next"]
    assert sorted(seen) == sorted(
        {scene[k] for k in ("first", "reply", "arabic", "french", "hostile", "other")}
    )


def test_hidden_comments_are_never_served_with_text_or_author(api, scene, db):
    with db.session() as s:
        s.get(Comment, scene["french"]).hidden_reason = HiddenReason.USER_HIDDEN
    tom = api("Tom")
    detail = tom.get(f"/api/v1/feedback/{scene['french']}").get_json()
    assert detail["hidden"] == "userhidden"
    assert detail["text"] is None and detail["html"] is None and detail["author"] is None
    assert all(v["text"] is None for v in detail["versions"])
    listed = tom.get("/api/v1/feedback?hidden=1&language=fr").get_json()["items"]
    assert listed[0]["author"] is None and listed[0]["excerpt"] is None
    assert tom.get("/api/v1/feedback?language=fr").get_json()["items"] == []
    exported = tom.get(f"/api/v1/consultations/{scene['c1']}/export?format=json").get_data(
        as_text=True
    )
    assert "trop longue" not in exported and "Élodie" not in exported
    assert detail["item_id"] is None and detail["wiki_url"] is None and detail["diff_url"] is None


def test_comment_detail_is_sanitized_with_thread_and_links(api, scene):
    tom = api("Tom")
    detail = tom.get(f"/api/v1/feedback/{scene['hostile']}").get_json()
    assert "<script" not in detail["html"] and "javascript:" not in detail["html"]
    assert "onclick" not in detail["html"] and detail["author"] == "<img src=x onerror=alert(1)>"
    reply = tom.get(f"/api/v1/feedback/{scene['reply']}").get_json()
    assert [t["id"] for t in reply["thread"]][:2] == [scene["first"], scene["reply"]]
    assert reply["wiki_url"].startswith("http://127.0.0.1:8765/index.php?title=Talk")
    assert "oldid=100" in reply["wiki_url"] and "diff=prev" in reply["diff_url"]
    assert reply["anchors"][0]["unit_key"] == scene["units"][1]


def test_triage_by_token_and_by_session(api, scene, db):
    tom = api("Tom")
    response = tom.patch(
        f"/api/v1/feedback/{scene['first']}",
        {
            "status": "accepted",
            "themes": ["mentoring", "onboarding"],
            "response": "Added to the next revision.",
        },
    )
    assert response.status_code == 200 and response.get_json()["changed"] == 1
    detail = response.get_json()["comment"]
    assert detail["status"] == "accepted" and detail["audit"][0]["actor"] == "Tom"
    assert detail["audit"][0]["before"]["status"] == "new"
    again = tom.patch(f"/api/v1/feedback/{scene['first']}", {"status": "accepted"})
    assert again.get_json()["changed"] == 0
    browser = api("Tom", via="session")
    ok = browser.patch(
        f"/api/v1/feedback/{scene['reply']}",
        {"status": "declined"},
        headers={"X-CSRFToken": browser.csrf},
    )
    assert ok.status_code == 200
    assert _state(db, scene["reply"])[0] is TriageStatus.DECLINED


@pytest.mark.parametrize("csrf", [None, "forged", ""])
def test_cookie_calls_without_csrf_change_nothing(api, scene, db, csrf):
    browser = api("Tom", via="session")
    before = _state(db, scene["first"])
    headers = {} if csrf is None else {"X-CSRFToken": csrf}
    response = browser.patch(f"/api/v1/feedback/{scene['first']}", {"status": "declined"}, headers)
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "csrf_failed"
    response = browser.post(
        "/api/v1/feedback/bulk",
        {"ids": [scene["first"]], "change": {"status": "declined"}},
        headers,
    )
    assert response.status_code == 400
    assert _state(db, scene["first"]) == before


def test_token_revoked_mid_session(api, scene, db):
    tom = api("Tom")
    assert tom.get("/api/v1/me").status_code == 200
    with db.session() as s:
        users.revoke_token(s, tom.token_row.id)
    before = _state(db, scene["first"])
    response = tom.patch(f"/api/v1/feedback/{scene['first']}", {"status": "declined"})
    assert response.status_code == 401 and "revoked" in response.get_json()["error"]["message"]
    assert tom.get("/api/v1/feedback").status_code == 401
    assert _state(db, scene["first"]) == before


@pytest.mark.parametrize(
    "header", ["Bearer", "Bearer cvn_forged", "Basic dG9tOnB3", "cvn_x", "Bearer " + "x" * 500]
)
def test_bad_tokens_are_refused(api, scene, header):
    anonymous = api(None)
    anonymous.headers["Authorization"] = header
    response = anonymous.get("/api/v1/feedback")
    assert response.status_code == 401 and response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_token_never_opens_dashboard_pages(api, scene):
    tom = api("Tom")
    assert tom.get("/dashboard/queue").status_code == 302


@pytest.mark.parametrize(
    "query, parameter",
    [
        ("limit=abc", "limit"),
        ("cursor=forged", "cursor"),
        ("cursor=eyJ4IjoxfQ.AAAA", "cursor"),
        ("status=new,bogus", "status"),
        ("q=" + "x" * 201, "q"),
        ("language=" + ",".join(["xx"] * 51), "language"),
        ("from=yesterday", "from"),
        ("consultation=1%20OR%201=1", "consultation"),
        ("stauts=new", "stauts"),
    ],
)
def test_bad_queue_parameters_are_refused(api, scene, query, parameter):
    response = api("Tom").get(f"/api/v1/feedback?{query}")
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["parameter"] == parameter and error["message"]


def test_huge_page_size_is_clamped(api, scene):
    body = api("Tom").get("/api/v1/feedback?limit=1000000000").get_json()
    assert body["limit"] == 200 and len(body["items"]) == 6
    body = api("Tom").get("/api/v1/feedback?limit=-4").get_json()
    assert body["limit"] == 1 and len(body["items"]) == 1 and body["next_cursor"]


def test_cursor_from_another_sort_or_with_a_changed_id_is_refused(api, scene):
    tom = api("Tom")
    cursor = tom.get("/api/v1/feedback?limit=1").get_json()["next_cursor"]
    assert tom.get(f"/api/v1/feedback?limit=1&sort=oldest&cursor={cursor}").status_code == 400
    body, sig = cursor.split(".")
    import base64

    payload = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    for row_id in (payload[2] - 1, -1):
        payload[2] = row_id
        forged = base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")
        assert tom.get(f"/api/v1/feedback?cursor={forged}.{sig}").status_code == 400


def test_scope_rules(api, scene, db):
    sam = api("Sam")  # triager on consultation 2 only
    assert sam.get(f"/api/v1/feedback?consultation={scene['c1']}").status_code == 404
    assert {i["id"] for i in sam.get("/api/v1/feedback").get_json()["items"]} == {scene["other"]}
    assert sam.get(f"/api/v1/feedback/{scene['first']}").status_code == 404
    assert sam.get(f"/api/v1/consultations/{scene['c1']}").status_code == 404
    assert sam.get(f"/api/v1/consultations/{scene['c1']}/export").status_code == 404
    before = _state(db, scene["first"])
    assert (
        sam.patch(f"/api/v1/feedback/{scene['first']}", {"status": "declined"}).status_code == 404
    )
    response = sam.post(
        "/api/v1/feedback/bulk",
        {"ids": [scene["other"], scene["first"]], "change": {"status": "declined"}},
    )
    assert response.status_code == 404
    assert _state(db, scene["first"]) == before
    assert _state(db, scene["other"])[0] is TriageStatus.NEW
    vera = api("Vera")  # viewer everywhere
    response = vera.patch(f"/api/v1/feedback/{scene['first']}", {"status": "declined"})
    assert response.status_code == 403 and _state(db, scene["first"]) == before
    assert (
        sam.patch(f"/api/v1/feedback/{scene['other']}", {"status": "declined"}).status_code == 200
    )


@pytest.mark.parametrize(
    "body, status",
    [
        ({"ids": [1], "change": {"note": "x"}}, 400),
        ({"ids": "1,2", "change": {"status": "new"}}, 400),
        ({"ids": [True], "change": {"status": "new"}}, 400),
        ({"ids": list(range(1, 600)), "change": {"status": "new"}}, 400),
        ({"ids": [1], "change": {}}, 400),
        ({"ids": [1], "change": {"status": "new"}, "extra": 1}, 400),
    ],
)
def test_bad_bulk_bodies(api, scene, db, body, status):
    before = _state(db, scene["first"])
    assert api("Tom").post("/api/v1/feedback/bulk", body).status_code == status
    assert _state(db, scene["first"]) == before


def test_bulk_and_json_content_type(api, scene, db):
    tom = api("Tom")
    ids = [scene["first"], scene["reply"], scene["arabic"]]
    response = tom.post(
        "/api/v1/feedback/bulk",
        {
            "ids": ids,
            "change": {"status": "in_review", "assignee": "Vera", "add_themes": ["scope"]},
        },
    )
    assert response.status_code == 200 and response.get_json() == {"changed": 3, "ids": ids}
    assert (
        tom.post("/api/v1/feedback/bulk", {"ids": ids, "change": {"assignee": "Ghost"}}).status_code
        == 400
    )
    raw = tom.client.post("/api/v1/feedback/bulk", data="ids=1", headers=tom.headers)
    assert raw.status_code == 415


def test_export_csv_and_json(api, scene):
    vera = api("Vera")
    response = vera.get(f"/api/v1/consultations/{scene['c1']}/export?format=csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert len(rows) == 5 and {r["language"] for r in rows} == {"en", "ar", "fr"}
    doc = vera.get(f"/api/v1/consultations/{scene['c1']}/export?format=json").get_json()
    assert doc["consultation"]["id"] == scene["c1"] and len(doc["comments"]) == 5
    assert vera.get(f"/api/v1/consultations/{scene['c1']}/export?format=xml").status_code == 400


def test_documents_consultations_and_aggregates(api, scene):
    vera = api("Vera")
    docs = vera.get("/api/v1/documents").get_json()["items"]
    assert [d["slug"] for d in docs] == ["leadership-definition", "leadership-plan"]
    revs = vera.get("/api/v1/documents/leadership-definition/revisions").get_json()["items"]
    rev = vera.get(f"/api/v1/revisions/{revs[0]['id']}").get_json()
    assert [u["key"] for u in rev["units"]] == scene["units"]
    assert vera.get("/api/v1/documents/nothing").status_code == 404
    consultations = vera.get("/api/v1/consultations").get_json()["items"]
    assert {c["your_role"] for c in consultations} == {"viewer"}
    agg = vera.get(f"/api/v1/consultations/{scene['c1']}/aggregates").get_json()
    assert agg["by_language"] == {"en": 3, "ar": 1, "fr": 1}
    assert {u["key"]: u["total"] for u in agg["units"]}[scene["units"][1]] == 2
    themes = vera.get(f"/api/v1/consultations/{scene['c1']}/themes").get_json()["items"]
    assert [t["name"] for t in themes] == ["mentoring"]
    me = vera.get("/api/v1/me").get_json()
    assert me == {
        "name": "Vera",
        "role": "viewer",
        "via_token": True,
        "consultations": {str(scene["c1"]): "viewer", str(scene["c2"]): "viewer"},
    }


def test_next_link_keeps_filters(api, scene):
    body = (
        api("Tom")
        .get(f"/api/v1/feedback?consultation={scene['c1']}&limit=1&q=mentoring")
        .get_json()
    )
    params = parse_qs(urlsplit(body["next"]).query)
    assert params["q"] == ["mentoring"] and params["consultation"] == [str(scene["c1"])]
