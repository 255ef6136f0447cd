"""The session cookie: verified once and remembered, never believed unverified, copied for
each request, forgotten when it would expire."""

from __future__ import annotations

import time
from datetime import timedelta

from flask import flash, get_flashed_messages, request


def _interface(app):
    return app.session_interface


def test_a_verified_cookie_is_remembered_and_each_request_gets_its_own_copy(
    app, client, browser, scene
):
    browser.signin("Tom")
    for _ in range(2):  # the first page puts a CSRF token in: a new cookie, read once
        client.get("/dashboard/queue")
    interface = _interface(app)
    before = (interface.hits, interface.misses)
    for _ in range(3):
        assert client.get("/dashboard/queue").status_code == 200
    assert (interface.hits - before[0], interface.misses - before[1]) == (3, 0)
    cookie = client.get_cookie("convene").value
    # What one request does to its session does not reach the next one with the same cookie.
    with app.test_request_context(headers={"Cookie": f"convene={cookie}"}):
        opened = interface.open_session(app, request)
        opened["_flashes"] = [("success", "changed here")]
        opened.setdefault("csrf_token", "x")
    with app.test_request_context(headers={"Cookie": f"convene={cookie}"}):
        again = interface.open_session(app, request)
        assert "_flashes" not in again and "sid" in again


def test_a_flash_made_in_one_request_is_shown_once(app, scene):
    @app.get("/_test/flash")
    def make_flash():
        flash("saved", "success")
        return "ok"

    @app.get("/_test/show")
    def show():
        return " ".join(m for m in get_flashed_messages()) or "-"

    client = app.test_client()
    client.get("/_test/show")
    client.get("/_test/flash")
    assert client.get("/_test/show").get_data(as_text=True) == "saved"
    assert client.get("/_test/show").get_data(as_text=True) == "-"


def test_a_tampered_or_foreign_cookie_is_an_empty_session(app, client, browser, scene):
    browser.signin("Tom")
    cookie = client.get_cookie("convene").value
    body, _, signature = cookie.rpartition(".")
    forged = body + "." + ("A" if signature[0] != "A" else "B") + signature[1:]
    other = app.test_client()
    other.set_cookie("convene", forged)
    assert other.get("/dashboard/queue").status_code == 302  # to the sign-in page
    app.secret_key = "another secret"  # remembered under the old keys only
    assert client.get("/dashboard/queue").status_code == 302


def test_a_remembered_cookie_is_forgotten_when_it_would_expire(
    app, client, browser, scene, monkeypatch
):
    app.permanent_session_lifetime = timedelta(seconds=60)
    browser.signin("Tom")
    assert client.get("/dashboard/queue").status_code == 200
    assert client.get("/dashboard/queue").status_code == 200  # remembered now
    later = time.time() + 61
    # Both clocks move: the remembered entry's and the one the signature's age is read by.
    monkeypatch.setattr(_interface(app), "_clock", lambda: later)
    monkeypatch.setattr(time, "time", lambda: later)
    assert client.get("/dashboard/queue").status_code == 302
