"""Dashboard pages on the real test database: sign-in, cookies, CSRF, triage and bulk forms,
scopes, sanitized comment HTML, right-to-left text."""

from __future__ import annotations

import re

import dashboard_factory as factory
import pytest
from sqlalchemy import func, select

from services.feedback.models import AuditEntry, Comment, TriageStatus
from services.web import create_app


def _status(db, comment_id) -> TriageStatus:
    with db.session() as s:
        return s.get(Comment, comment_id).status


def _audits(db) -> int:
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(AuditEntry))


@pytest.mark.parametrize(
    "path",
    ["/dashboard/", "/dashboard/queue", "/dashboard/comments/1", "/dashboard/consultations/1", "/"],
)
def test_anonymous_visitors_see_nothing_private(client, scene, path):
    response = client.get(path, follow_redirects=True)
    assert response.request.path == "/auth/signin"
    body = response.get_data(as_text=True)
    assert "mentoring" not in body and "Alice" not in body


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/feedback",
        "/api/v1/consultations",
        "/api/v1/me",
        "/api/v1/feedback/1",
        "/api/v1/documents",
        "/api/v1/consultations/1/export",
    ],
)
def test_anonymous_api_calls_get_401(client, scene, path):
    response = client.get(path)
    assert response.status_code == 401 and response.get_json()["error"]["code"] == "unauthorized"


def test_sign_in_sets_a_hardened_cookie_and_sign_out_kills_it(client, browser, scene):
    response = browser.signin("Tom")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and cookie.startswith("convene=")
    assert client.get("/dashboard/queue").status_code == 200
    stolen = client.get_cookie("convene").value
    browser.post("/auth/signout", {})
    assert client.get("/dashboard/queue").status_code == 302
    # A copy of the cookie taken before signing out is worthless now.
    thief = client.application.test_client()
    thief.set_cookie("convene", stolen)
    assert thief.get("/dashboard/queue").status_code == 302
    assert thief.get("/api/v1/me").status_code == 401


def test_production_cookie_is_secure_and_host_prefixed(config, db, scene):
    app = create_app(config=config.replace(environment="production"))
    client = app.test_client()
    page = client.get("/auth/signin", base_url="https://convene.example")
    token = re.search(r'name="csrf-token" content="([^"]+)"', page.get_data(as_text=True)).group(1)
    response = client.post(
        "/auth/signin",
        base_url="https://convene.example",
        headers={"Referer": "https://convene.example/auth/signin"},
        data={"name": "Tom", "password": factory.PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 302
    cookie = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("__Host-convene=")][
        0
    ]
    assert (
        "Secure" in cookie
        and "HttpOnly" in cookie
        and "Path=/" in cookie
        and "Domain" not in cookie
    )
    app.extensions["convene.db"].dispose()


def test_wrong_password_is_refused_without_saying_which_part(client, browser, scene):
    token = browser.csrf()
    for name, password in [("Tom", "wrong password"), ("Nobody", factory.PASSWORD)]:
        response = client.post(
            "/auth/signin", data={"name": name, "password": password, "csrf_token": token}
        )
        assert response.status_code == 401
        assert "Wrong user name or password." in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "target",
    ["https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)"],
)
def test_sign_in_never_redirects_off_site(client, browser, scene, target):
    response = client.post(
        "/auth/signin",
        data={
            "name": "Tom",
            "password": factory.PASSWORD,
            "csrf_token": browser.csrf(),
            "next": target,
        },
    )
    assert response.headers["Location"] == "/dashboard/"


@pytest.mark.parametrize("token", [None, "", "forged-token", "IjEyMyI.ZZZ.forged"])
def test_forms_without_a_valid_csrf_token_change_nothing(client, browser, scene, db, token):
    browser.signin("Tom")
    data = {"status": "declined", "note": "csrf"}
    if token is not None:
        data["csrf_token"] = token
    response = client.post(f"/dashboard/comments/{scene['first']}", data=data)
    assert response.status_code == 400 and "CSRF" in response.get_data(as_text=True)
    response = client.post("/dashboard/queue/bulk", data={**data, "ids": [scene["first"]]})
    assert response.status_code == 400
    response = client.post("/auth/signout", data=data)
    assert response.status_code == 400
    assert _status(db, scene["first"]) is TriageStatus.NEW and _audits(db) == 0
    assert client.get("/dashboard/").status_code == 200  # still signed in


def test_sign_in_form_needs_csrf_too(client, scene):
    response = client.post("/auth/signin", data={"name": "Tom", "password": factory.PASSWORD})
    assert response.status_code == 400


def test_triage_form_saves_and_logs(client, browser, scene, db):
    browser.signin("Tom")
    response = browser.post(
        f"/dashboard/comments/{scene['first']}",
        {
            "status": "partly_accepted",
            "assignee": "Vera",
            "themes": "mentoring, newcomers",
            "note": "discuss on Monday",
            "response": "Thanks, we added a line.",
            "duplicate_of": "",
        },
    )
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Saved." in page and "discuss on Monday" in page and "newcomers" in page
    assert _status(db, scene["first"]) is TriageStatus.PARTLY_ACCEPTED
    with db.session() as s:
        entry = s.scalar(select(AuditEntry))
        assert entry.actor == "Tom" and entry.after["assignee"] == "Vera"


def test_triage_form_refuses_unknown_assignee_and_keeps_input(client, browser, scene, db):
    browser.signin("Tom")
    response = browser.post(
        f"/dashboard/comments/{scene['first']}",
        {"status": "accepted", "assignee": "Nobody Such", "note": "kept"},
    )
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "no user named" in body and "kept" in body
    assert _status(db, scene["first"]) is TriageStatus.NEW


def test_viewers_and_out_of_scope_triagers_cannot_triage(client, browser, scene, db):
    browser.signin("Vera")
    page = client.get(f"/dashboard/comments/{scene['first']}").get_data(as_text=True)
    assert "convene-triage-form" not in page
    response = browser.post(f"/dashboard/comments/{scene['first']}", {"status": "declined"})
    assert response.status_code == 403
    queue = client.get("/dashboard/queue").get_data(as_text=True)
    assert 'name="ids"' not in queue
    browser.post("/auth/signout", {})
    browser.signin("Sam")  # triager on consultation 2 only
    assert client.get(f"/dashboard/comments/{scene['first']}").status_code == 404
    response = browser.post(
        "/dashboard/queue/bulk", {"ids": [scene["first"], scene["other"]], "status": "declined"}
    )
    assert response.status_code == 404
    assert client.get(f"/dashboard/consultations/{scene['c1']}").status_code == 404
    assert "Feedback on the definition" not in client.get("/dashboard/").get_data(as_text=True)
    assert _status(db, scene["first"]) is TriageStatus.NEW
    assert _status(db, scene["other"]) is TriageStatus.NEW and _audits(db) == 0


def test_bulk_form(client, browser, scene, db):
    browser.signin("Tom")
    back = f"/dashboard/queue?consultation={scene['c1']}"
    response = browser.post(
        "/dashboard/queue/bulk",
        {
            "ids": [scene["first"], scene["reply"]],
            "status": "duplicate",
            "assignee": "",
            "add_theme": "mentoring",
            "return_to": back,
        },
    )
    assert response.status_code == 302 and response.headers["Location"] == back
    assert "2 of 2 selected comments changed." in client.get(back).get_data(as_text=True)
    assert _status(db, scene["reply"]) is TriageStatus.DUPLICATE
    assert browser.post("/dashboard/queue/bulk", {"status": "new"}).status_code == 400
    assert (
        browser.post("/dashboard/queue/bulk", {"ids": ["1 OR 1=1"], "status": "new"}).status_code
        == 400
    )


def test_comment_html_is_sanitized_and_names_escaped(client, browser, scene):
    browser.signin("Tom")
    page = client.get(f"/dashboard/comments/{scene['hostile']}").get_data(as_text=True)
    text = page[page.index('id="convene-comment-text"') :]
    text = text[: text.index("</div>")]
    assert "<script" not in text and "onclick" not in text and "javascript:" not in text
    assert "<img" not in page.replace("&lt;img", "")
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    queue = client.get("/dashboard/queue").get_data(as_text=True)
    assert "<script>alert" not in queue and "&lt;script&gt;alert(1)&lt;/script&gt;" in queue


def test_arabic_comment_is_shown_right_to_left(client, browser, scene):
    browser.signin("Tom")
    page = client.get(f"/dashboard/comments/{scene['arabic']}").get_data(as_text=True)
    assert 'id="convene-comment-text" lang="ar" dir="rtl"' in page
    french = client.get(f"/dashboard/comments/{scene['french']}").get_data(as_text=True)
    assert 'id="convene-comment-text" lang="fr" dir="ltr"' in french
    queue = client.get("/dashboard/queue").get_data(as_text=True)
    assert 'lang="ar" dir="rtl"' in queue


def test_interface_language_and_direction(client, browser, scene):
    browser.signin("Tom")
    page = client.get("/dashboard/queue?uselang=ar").get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in page and "قائمة الملاحظات" in page
    page = client.get("/dashboard/queue", headers={"Accept-Language": "ar, en;q=0.5"}).get_data(
        as_text=True
    )
    assert 'dir="rtl"' in page
    page = client.get("/dashboard/queue?uselang=xx").get_data(as_text=True)
    assert '<html lang="en" dir="ltr">' in page


def test_security_headers(client, browser, scene):
    browser.signin("Tom")
    response = client.get("/dashboard/queue")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "no-store" in response.headers["Cache-Control"]
    body = response.get_data(as_text=True)
    assert "<script>" not in body and " style=" not in body and "onclick" not in body


def test_queue_filters_pages_and_refuses_bad_filters(client, browser, scene):
    browser.signin("Tom")
    page = client.get(f"/dashboard/queue?consultation={scene['c1']}&language=fr").get_data(
        as_text=True
    )
    assert "trop longue" in page and "mentoring of newcomers" not in page
    first = client.get("/dashboard/queue?limit=2").get_data(as_text=True)
    next_url = re.search(r'<a href="([^"]+)" rel="next">', first).group(1).replace("&amp;", "&")
    second = client.get(next_url).get_data(as_text=True)
    rows = lambda html: set(re.findall(r'data-comment-id="(\d+)"', html))
    assert rows(first) and rows(second) and not rows(first) & rows(second)
    for bad in [
        "limit=abc",
        "cursor=forged.cursor",
        "status=bogus",
        "q=" + "x" * 300,
        f"consultation={10**6}",
    ]:
        response = client.get(f"/dashboard/queue?{bad}")
        assert response.status_code == 400, bad
        assert "This filter cannot be used" in response.get_data(as_text=True)


def test_consultation_page_has_heat_view_charts_and_exports(client, browser, scene):
    browser.signin("Vera")
    page = client.get(f"/dashboard/consultations/{scene['c1']}").get_data(as_text=True)
    assert page.count('class="convene-chart"') >= 3
    assert f'data-unit="{scene["units"][1]}" data-count="2"' in page
    assert "convene-heat-5" in page and "convene-heat-0" in page
    assert "/api/v1/consultations/%d/export?format=csv" % scene["c1"] in page


def test_404_pages_are_html_and_api_404s_are_json(client, browser, scene):
    browser.signin("Tom")
    assert "text/html" in client.get("/dashboard/nothing").headers["Content-Type"]
    response = client.get("/api/v1/nothing")
    assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"


def test_option_tags_escape_what_they_show_and_mark_the_selected_one():
    from services.web.dashboard.fields import option_tags

    options = [("", "All"), ('"><script>x</script>', "<b>bold</b>"), (25, "25"), (250, "250")]
    html = str(option_tags(options, 25))
    assert "<script>" not in html and "<b>" not in html
    assert (
        '<option value="&#34;&gt;&lt;script&gt;x&lt;/script&gt;">&lt;b&gt;bold&lt;/b&gt;</option>'
        in html
    )
    assert html.count(" selected") == 1 and '<option value="25" selected>25</option>' in html
    # The same options again, another selection: the kept list is not changed by the first.
    again = str(option_tags(options, '"><script>x</script>'))
    assert again.count(" selected") == 1 and 'x&lt;/script&gt;" selected>' in again
    assert str(option_tags(options)).startswith('<option value="" selected>All</option>')


def test_form_fields_write_their_attributes_as_attributes_and_escape_the_rest():
    from services.web.dashboard.fields import checkbox, select_field, text_field

    html = str(
        text_field(
            "q",
            "<i>Search</i>",
            '"><script>',
            type="search",
            attrs={"maxlength": 200, "required": True, "list": None},
        )
    )
    assert 'maxlength="200" required>' in html and "list" not in html
    assert 'value="&#34;&gt;&lt;script&gt;"' in html and "&lt;i&gt;Search&lt;/i&gt;" in html
    html = str(select_field("sort", "Sort", [("newest", "Newest"), ("oldest", "Oldest")], "oldest"))
    assert '<option value="oldest" selected>Oldest</option>' in html and 'id="f-sort"' in html
    html = str(checkbox("status", "new", "New", checked=True, label_hidden=True))
    assert 'id="cb-status-new"' in html and " checked>" in html and "visually-hidden" in html


def test_the_sign_in_form_and_the_filters_limit_what_is_typed(client, browser, scene):
    page = client.get("/auth/signin").get_data(as_text=True)
    assert 'name="name" value="" autocomplete="username" required>' in page
    assert 'autocomplete="current-password" required>' in page
    browser.signin("Tom")
    page = client.get("/dashboard/queue").get_data(as_text=True)
    assert 'name="q" value="" maxlength="200">' in page and "&#34;200&#34;" not in page
