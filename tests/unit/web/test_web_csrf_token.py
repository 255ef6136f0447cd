"""The CSRF token on a page: signed once per session token and reused while it is good."""

from __future__ import annotations

import itertools
import re

from itsdangerous import TimestampSigner

from services.feedback.models import Comment, TriageStatus

_TOKENS = re.compile(r'(?:name="csrf_token" value|name="csrf-token" content)="([^"]+)"')


def _tokens(client, path: str) -> set[str]:
    return set(_TOKENS.findall(client.get(path).get_data(as_text=True)))


def test_every_page_of_a_session_carries_the_same_token_and_it_is_accepted(
    client, browser, scene, app, monkeypatch
):
    # Every signature made gets a later time, so two signatures never look alike.
    ticks = itertools.count(1_700_000_000)
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: next(ticks))
    browser.signin("Tom")
    queue, comment = "/dashboard/queue", f"/dashboard/comments/{scene['first']}"
    first = _tokens(client, queue)
    assert len(first) == 1  # the header's form and the bulk form alike
    assert _tokens(client, queue) == first == _tokens(client, comment)
    # Not a coincidence of two signatures in the same second: the first one is reused
    # (beside the one of the session before signing in, which signing in replaced).
    signed = list(app.extensions["convene.csrf_signed"].tokens.values())
    assert len(signed) == 2 and signed[-1] == next(iter(first))
    response = client.post(comment, data={"status": "declined", "csrf_token": first.pop()})
    assert response.status_code == 302


def test_a_new_session_gets_a_new_token_and_the_old_one_is_refused(client, browser, scene, db):
    browser.signin("Tom")
    old = _tokens(client, "/dashboard/queue").pop()
    browser.post("/auth/signout", {})
    browser.signin("Tom")
    new = _tokens(client, "/dashboard/queue")
    assert new and old not in new
    response = client.post(
        f"/dashboard/comments/{scene['first']}", data={"status": "declined", "csrf_token": old}
    )
    assert response.status_code == 400
    with db.session() as s:
        assert s.get(Comment, scene["first"]).status is TriageStatus.NEW


def test_with_a_time_limit_each_page_is_signed_anew(client, browser, scene, app):
    app.config["WTF_CSRF_TIME_LIMIT"] = 3600  # the timestamp in the token then matters
    browser.signin("Tom")
    token = _tokens(client, "/dashboard/queue").pop()
    assert "convene.csrf_signed" not in app.extensions
    response = client.post(
        f"/dashboard/comments/{scene['first']}", data={"status": "declined", "csrf_token": token}
    )
    assert response.status_code == 302
