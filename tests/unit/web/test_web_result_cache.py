"""The queue's cached results: the read after any write shows it, viewers with different
scopes or roles never share what differs, and nothing private ends up in the cache."""

from __future__ import annotations

import re
from datetime import timedelta

import dashboard_factory as factory
import lz4.block
import pytest

from services.consultations.intake import FeedbackIntake, PageSnapshot, SeenComment
from services.consultations.models import Consultation, WatchedPage
from services.feedback.models import Comment, TriageStatus
from services.web import create_app
from services.web.auth import users
from services.web.resultcache import ResultCache, result_cache

# The cache itself -----------------------------------------------------------------------


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_lru_keeps_within_its_size_and_drops_the_least_recently_used():
    cache = ResultCache(max_bytes=800, ttl=60)
    for key in "abcd":
        cache.put(key, key * 10, 100)
    assert cache.get("a") == "a" * 10  # now the most recently used
    for key in "efgh":
        cache.put(key, key, 100)
    cache.put("i", "i", 100)
    assert cache.size <= 800 and len(cache) == 8
    assert cache.get("b") is None and cache.get("a") == "a" * 10
    cache.put("huge", "x", 101)  # more than an eighth of the whole: never kept
    assert cache.get("huge") is None


def test_entries_expire_after_their_time_to_live():
    clock = Clock()
    cache = ResultCache(max_bytes=1000, ttl=10, clock=clock)
    cache.put("k", "v", 1)
    clock.now = 9.9
    assert cache.get("k") == "v"
    clock.now = 10.1
    assert cache.get("k") is None and len(cache) == 0 and cache.size == 0


def test_fetch_computes_once_and_packed_values_come_back_whole():
    cache, calls = ResultCache(max_bytes=10**6), []
    body = b'{"items":[' + b",".join(b'{"id":%d}' % i for i in range(200)) + b"]}"

    def compute():
        calls.append(1)
        return body

    assert cache.fetch_packed("k", compute) == body == cache.fetch_packed("k", compute)
    assert len(calls) == 1 and cache.size < len(body) / 2  # kept compressed
    assert cache.fetch("n", lambda: "value") == "value" == cache.fetch("n", lambda: "other")


def test_the_size_comes_from_the_configuration_and_zero_keeps_nothing(config, db):
    sized = create_app(config=config.replace(result_cache_mb=3))
    off = create_app(config=config.replace(result_cache_mb=0))
    assert result_cache(sized).max_bytes == 3 * 1024 * 1024
    cache = result_cache(off)
    cache.put("k", "v", 1)
    assert cache.get("k") is None
    for app in (sized, off):
        app.extensions["convene.db"].dispose()


# The read after a write -----------------------------------------------------------------


def _token(db, name: str) -> dict:
    with db.session() as s:
        _, raw = users.issue_token(s, users.get_user(s, name), "tests")
    return {"Authorization": f"Bearer {raw}"}


def _listed(client, headers, query="") -> dict[int, dict]:
    response = client.get(f"/api/v1/feedback?{query}", headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    return {item["id"]: item for item in response.get_json()["items"]}


def _cached_read(app, client, headers, query=""):
    """A listing twice: the second from the cache (else the test would prove nothing)."""
    cache = result_cache(app)
    first = _listed(client, headers, query)
    hits = cache.hits
    assert _listed(client, headers, query) == first and cache.hits > hits
    return first


def test_triage_by_api_is_seen_by_the_next_read(app, client, db, scene):
    tom = _token(db, "Tom")
    assert _cached_read(app, client, tom)[scene["first"]]["status"] == "new"
    response = client.patch(
        f"/api/v1/feedback/{scene['first']}",
        headers=tom,
        json={"status": "accepted", "themes": ["scope"]},
    )
    assert response.status_code == 200
    item = _listed(client, tom)[scene["first"]]
    assert item["status"] == "accepted" and item["themes"] == ["scope"]
    # Another consultation's cached page stays (only what changed is recomputed).
    other = f"consultation={scene['c2']}"
    _cached_read(app, client, tom, other)
    client.patch(f"/api/v1/feedback/{scene['first']}", headers=tom, json={"status": "declined"})
    hits = result_cache(app).hits
    _listed(client, tom, other)
    assert result_cache(app).hits > hits


def test_bulk_action_on_the_page_is_seen_by_the_next_page_and_api_read(
    app, client, browser, db, scene
):
    tom = _token(db, "Tom")
    _cached_read(app, client, tom)
    browser.signin("Tom")
    query = f"/dashboard/queue?consultation={scene['c1']}&status=duplicate"
    assert f'data-comment-id="{scene["reply"]}"' not in client.get(query).get_data(as_text=True)
    response = browser.post(
        "/dashboard/queue/bulk",
        {"ids": [scene["first"], scene["reply"]], "status": "duplicate", "add_theme": "bulked"},
    )
    assert response.status_code == 302
    page = client.get(query).get_data(as_text=True)
    assert f'data-comment-id="{scene["reply"]}"' in page and "bulked" in page
    listed = _listed(client, tom)
    assert listed[scene["reply"]]["status"] == "duplicate"
    assert listed[scene["first"]]["themes"] == ["bulked", "mentoring"]


def _harvest(db, consultation_id: int, seen: list[SeenComment]):
    """The harvest's upsert, as a run with these comments on the talk page applies it."""
    with db.session() as s:
        consultation = s.get(Consultation, consultation_id)
        page = WatchedPage(consultation_id=consultation_id, title="Talk:Convene/definition")
        s.add(page)
        s.flush()
        FeedbackIntake(s, consultation).apply_snapshot(
            page, PageSnapshot(title=page.title, revid=200, comments=seen)
        )


def _seen(db, comment_id: int) -> SeenComment:
    with db.session() as s:
        c = s.get(Comment, comment_id)
        return SeenComment(
            item_id=c.item_id,
            author=c.author,
            posted_at=c.posted_at,
            text_html=c.text_html,
            text_plain=c.text_plain,
            parent_item_id=c.parent_item_id,
            heading=c.heading,
            level=c.level,
        )


def test_harvest_upserts_and_hidden_comments_are_seen_by_the_next_read(app, client, db, scene):
    tom = _token(db, "Tom")
    query = f"consultation={scene['c1']}"
    before = _cached_read(app, client, tom, query)
    assert scene["first"] in before and scene["french"] in before
    kept = [
        _seen(db, i) for i in (scene["first"], scene["reply"], scene["arabic"], scene["hostile"])
    ]
    edited = kept[0].__class__(
        **{
            **kept[0].__dict__,
            "text_plain": "Edited on the wiki.",
            "text_html": "<p>Edited on the wiki.</p>",
        }
    )
    new = SeenComment(
        item_id="c-Nadia-20240310120000-h-Feedback",
        author="Nadia",
        posted_at=factory.START + timedelta(days=9),
        text_html="<p>Brand new.</p>",
        text_plain="Brand new.",
        heading="Feedback",
    )
    # The French comment is not on the page any more: the harvest hides it.
    _harvest(db, scene["c1"], [edited, *kept[1:], new])
    after = _listed(client, tom, query)
    assert scene["french"] not in after
    assert after[scene["first"]]["excerpt"] == "Edited on the wiki."
    assert [i for i in after.values() if i["author"] == "Nadia"][0]["excerpt"] == "Brand new."
    hidden = _listed(client, tom, query + "&hidden=1")[scene["french"]]
    assert hidden["hidden"] == "removed" and hidden["excerpt"] is None


# Scopes, roles and what is private -------------------------------------------------------


def test_viewers_with_different_scopes_never_share_results(app, client, browser, db, scene):
    tom, sam = _token(db, "Tom"), _token(db, "Sam")  # Sam sees consultation 2 only
    everything = _cached_read(app, client, tom)
    assert scene["first"] in everything and scene["other"] in everything
    assert set(_listed(client, sam)) == {scene["other"]}
    assert (
        client.get(f"/api/v1/feedback?consultation={scene['c1']}", headers=sam).status_code == 404
    )
    # The same page, first as a triager (checkboxes), then as a viewer (none).
    browser.signin("Tom")
    assert f'name="ids" value="{scene["first"]}"' in client.get("/dashboard/queue").get_data(
        as_text=True
    )
    browser.post("/auth/signout", {})
    browser.signin("Vera")
    page = client.get("/dashboard/queue").get_data(as_text=True)
    assert f'data-comment-id="{scene["first"]}"' in page and 'name="ids"' not in page


def test_notes_and_session_tokens_never_reach_the_cache(app, client, browser, db, scene):
    browser.signin("Tom")
    note = "private note 7f3a: do not publish"
    response = browser.post(
        f"/dashboard/comments/{scene['first']}",
        {"status": "in_review", "note": note, "response": "", "assignee": ""},
    )
    assert response.status_code == 302
    tokens = set()
    for path in ("/dashboard/queue", f"/dashboard/queue?consultation={scene['c1']}"):
        body = client.get(path).get_data(as_text=True)
        assert "In review" in body
        tokens.update(re.findall(r'name="csrf_token" value="([^"]+)"', body))
    tom = _token(db, "Tom")
    assert _listed(client, tom, "count=1")[scene["first"]]["status"] == "in_review"
    cache = result_cache(app)
    cached = " ".join(_text(value) for _, _, value in cache._entries.values())
    assert len(cache) > 5 and "in_review" in cached and "In review" in cached
    assert note not in cached and "7f3a" not in cached
    assert tokens and not any(token in cached for token in tokens)


def _text(value) -> str:
    if isinstance(value, bytes):
        try:
            return lz4.block.decompress(value).decode()
        except lz4.block.LZ4BlockError:
            return value.decode(errors="replace")
    return str(value)


@pytest.mark.parametrize("change", ["title", "user"])
def test_a_renamed_consultation_or_a_new_user_shows_on_the_cached_page(
    client, browser, db, scene, change
):
    browser.signin("Tom")
    assert "Newcomer" not in client.get("/dashboard/queue").get_data(as_text=True)
    with db.session() as s:
        if change == "title":
            s.get(Consultation, scene["c1"]).title = "Newcomer round"
        else:
            factory.user(s, "Newcomer", "triager")
    assert "Newcomer" in client.get("/dashboard/queue").get_data(as_text=True)


def test_a_status_change_moves_the_cached_count(client, browser, db, scene):
    browser.signin("Tom")
    query = f"/dashboard/queue?consultation={scene['c1']}&status=accepted"
    assert "0 comments match" in client.get(query).get_data(as_text=True)
    with db.session() as s:
        s.get(Comment, scene["first"]).status = TriageStatus.ACCEPTED
    assert "1 comment matches" in client.get(query).get_data(as_text=True)


def test_comments_read_for_the_api_are_not_read_again_for_the_page(
    app, client, browser, db, scene, monkeypatch
):
    from services.feedback import queries

    app.config["QUEUE_INDEX"] = "off"  # else the index holds the comments; see below
    read: list[int] = []
    items_by_id = queries.items_by_id
    monkeypatch.setattr(
        queries, "items_by_id", lambda s, ids: read.extend(ids) or items_by_id(s, ids)
    )
    tom = _token(db, "Tom")
    query = f"consultation={scene['c1']}"
    listed = _listed(client, tom, query)
    assert sorted(read) == sorted(listed)
    browser.signin("Tom")
    read.clear()
    page = client.get(f"/dashboard/queue?{query}").get_data(as_text=True)
    assert read == [] and all(f'data-comment-id="{i}"' in page for i in listed)
    # A change to the consultation moves its version: the changed comment is read anew.
    client.patch(f"/api/v1/feedback/{scene['first']}", headers=tom, json={"status": "declined"})
    assert _listed(client, tom, query)[scene["first"]]["status"] == "declined" and read


def test_comments_of_a_consultation_whose_index_is_held_are_not_read_from_the_database(
    app, client, browser, db, scene, monkeypatch
):
    from services.feedback import queries

    read: list[int] = []
    items_by_id = queries.items_by_id
    monkeypatch.setattr(
        queries, "items_by_id", lambda s, ids: read.extend(ids) or items_by_id(s, ids)
    )
    tom = _token(db, "Tom")
    # A text search is answered by SQL, its comments by the index all the same.
    for query in (f"consultation={scene['c1']}", f"consultation={scene['c1']}&q=mentoring"):
        listed = _listed(client, tom, query)
        assert listed and read == []
    with db.session() as s:
        expected = {i: item for i, item in items_by_id(s, list(listed)).items()}
    assert {i: (v["themes"], v["units"], v["status"]) for i, v in listed.items()} == {
        i: (item.themes, item.units, item.status.value) for i, item in expected.items()
    }
    # A change moves the version: the new index (made inline here) holds the change.
    client.patch(f"/api/v1/feedback/{scene['first']}", headers=tom, json={"status": "declined"})
    assert (
        _listed(client, tom, f"consultation={scene['c1']}")[scene["first"]]["status"] == "declined"
    )
    assert read == []


def test_the_cached_page_around_the_queue_is_each_users_own_with_their_session_token(
    app, db, scene, browser
):
    pages = {}
    for name in ("Tom", "Ada"):
        browser = type(browser)(app.test_client())  # a browser of its own for each
        browser.signin(name)
        first = browser.client.get("/dashboard/queue").get_data(as_text=True)
        again = browser.client.get(f"/dashboard/queue?consultation={scene['c1']}").get_data(
            as_text=True
        )
        tokens = set(re.findall(r'name="csrf_token" value="([^"]+)"', again))
        assert len(tokens) == 1 and "<csrf-slot>" not in again and "<content-slot>" not in again
        # The token in the cached page is this session's: a change made with it is taken.
        response = browser.client.post(
            "/dashboard/queue/bulk",
            data={
                "csrf_token": tokens.pop(),
                "ids": [scene["french"]],
                "status": "accepted",
                "return_to": "/dashboard/queue",
            },
        )
        assert response.status_code == 302
        pages[name] = re.search(r'<div class="convene-user">.*?</div>', again, re.S).group(0)
    assert "Tom" in pages["Tom"] and "Ada" not in pages["Tom"]
    assert "Ada" in pages["Ada"] and "Tom" not in pages["Ada"]
