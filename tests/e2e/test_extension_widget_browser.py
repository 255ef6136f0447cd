"""The widget in a real browser: Alice logs in on the local wiki, opens a published page, comments
on one unit and sees its count change; the same on an Arabic (right-to-left) page."""

from __future__ import annotations

import re

import pytest
from extension_support import (
    ENGLISH_UNITS,
    SHARED_SECRET,
    extension_settings,
    publish_with_consultation,
    served_app,
    service,  # noqa: F401  (fixture)
)
from sqlalchemy import select

from deploy.local.processes import free_port
from deploy.local.wiki import BOT_NAME, LocalWiki, register_with_pywikibot
from services.documents.models import UnitKind
from services.feedback.models import AnchorMethod, Comment, CommentSource

H, P, L = UnitKind.HEADING, UnitKind.PARAGRAPH, UnitKind.LIST_ITEM
ARABIC = [
    (H, "الغرض"),
    (P, "يدعم فريق العمل القادة في جميع أنحاء الحركة."),
    (L, "استمع إلى المجتمعات."),
    (L, "شارك ما تتعلمه."),
]


@pytest.fixture(scope="module")
def wiki(tmp_path_factory):
    """A wiki of this module's own with the extension, pointed at the widget service."""
    wiki = LocalWiki(
        tmp_path_factory.mktemp("wiki-widget"), free_port(), extra_settings=extension_settings()
    ).up()
    register_with_pywikibot(wiki, tmp_path_factory.mktemp("pwb") / "user-password.py")
    yield wiki
    wiki.down()


@pytest.fixture
def wiki_config(config, wiki):
    return config.replace(
        wiki_api_url=wiki.api_url,
        wiki_family=wiki.family,
        wiki_username=BOT_NAME,
        widget_shared_secret=SHARED_SECRET,
    )


@pytest.fixture
def app(service, wiki_config, db):
    with served_app(service, wiki_config) as app:
        yield app


def log_in(page, wiki: LocalWiki, user: str = "Alice") -> None:
    page.goto(wiki.page_url("Special:UserLogin"))
    page.fill("#wpName1", user)
    page.fill("#wpPassword1", wiki.credentials[user]["password"])
    page.click("#wpLoginAttempt")
    page.wait_for_selector("#pt-logout, #pt-userpage", state="attached")


def open_page(page, url: str) -> None:
    page.goto(url)
    page.wait_for_selector(".convene-header[data-convene-status=ready]", state="attached")


def comment_on(page, key: str, text: str) -> None:
    widget = page.locator(f".convene-widget[data-convene-for='{key}']")
    widget.locator("button.convene-widget-button").click()
    form = page.locator(f"form.convene-widget-form[data-convene-for='{key}']")
    form.locator("textarea").fill(text)
    form.locator("button[type=submit]").click()
    form.locator(".convene-widget-message-success").wait_for()


@pytest.fixture
def failed_urls(page) -> list[str]:
    """Every URL the page loaded that answered an HTTP error."""
    failed: list[str] = []
    page.on("response", lambda r: failed.append(r.url) if r.status >= 400 else None)
    return failed


def real_errors(page, failed_urls) -> list[str]:
    """Script errors, and failed loads other than the wiki's missing favicon."""
    others = [u for u in failed_urls if not u.endswith("/favicon.ico")]
    generic_404 = "the server responded with a status of 404"
    return others + [e for e in page.js_errors if not (generic_404 in e and not others)]


def stored(db) -> list[Comment]:
    with db.session() as s:
        rows = s.scalars(select(Comment).order_by(Comment.id)).all()
        for row in rows:
            row.anchors
        return rows


def test_alice_comments_on_a_unit_and_sees_the_count_change(
    page, wiki, wiki_config, db, app, shots, failed_urls
):
    doc = publish_with_consultation(
        wiki_config, db, "Convene e2e/Definition", ENGLISH_UNITS, slug="e2e-definition"
    )
    log_in(page, wiki)
    open_page(page, wiki.page_url(doc["title"]))
    # One button per unit, none counting anything yet.
    assert page.locator(".convene-widget").count() == len(ENGLISH_UNITS)
    key = doc["keys"][1]
    widget = page.locator(f".convene-widget[data-convene-for='{key}']")
    assert widget.get_attribute("data-convene-count") == "0"
    assert not widget.locator(".convene-widget-count").is_visible()

    comment_on(page, key, "Which leaders do we mean here: only elected ones?")
    page.wait_for_selector(f".convene-widget[data-convene-for='{key}'][data-convene-count='1']")
    assert widget.locator(".convene-widget-count").inner_text() == "1"
    assert re.search(r"1 comment: 1 new", widget.locator("button").get_attribute("aria-label"))
    # The other units still count nothing.
    others = page.locator(".convene-widget[data-convene-count='0']")
    assert others.count() == len(ENGLISH_UNITS) - 1
    page.screenshot(path=str(shots / "extension-widget-en.png"), full_page=True)

    [comment] = stored(db)
    assert (comment.author, comment.source, comment.text_plain) == (
        "Alice",
        CommentSource.WIDGET,
        "Which leaders do we mean here: only elected ones?",
    )
    assert [(a.unit_key, a.method) for a in comment.anchors] == [(key, AnchorMethod.WIDGET)]

    # A fresh load shows the stored count: it comes from the service, not from the page.
    open_page(page, wiki.page_url(doc["title"]))
    page.wait_for_selector(f".convene-widget[data-convene-for='{key}'][data-convene-count='1']")
    assert real_errors(page, failed_urls) == []


def test_an_anonymous_reader_sees_counts_and_is_asked_to_log_in(page, wiki, wiki_config, db, app):
    doc = publish_with_consultation(
        wiki_config, db, "Convene e2e/Anonymous", ENGLISH_UNITS, slug="e2e-anonymous"
    )
    open_page(page, wiki.page_url(doc["title"]))
    page.locator(f".convene-widget[data-convene-for='{doc['keys'][0]}'] button").click()
    link = page.locator(f"form[data-convene-for='{doc['keys'][0]}'] a")
    assert "Special:UserLogin" in link.get_attribute("href")
    assert page.locator("form.convene-widget-form textarea").count() == 0
    assert stored(db) == []


def test_right_to_left_page_places_the_widget_at_the_end_of_the_line(
    page, wiki, wiki_config, db, app, shots, failed_urls
):
    doc = publish_with_consultation(
        wiki_config, db, "Convene e2e/تعريف", ARABIC, slug="e2e-arabic", language="ar"
    )
    log_in(page, wiki)
    open_page(page, wiki.page_url(doc["title"]) + "?uselang=ar")
    assert page.locator("html").get_attribute("dir") == "rtl"
    key = doc["keys"][1]
    unit = page.locator(f".convene-unit[data-convene-unit='{key}']")
    widget = page.locator(f".convene-widget[data-convene-for='{key}']")
    unit_box, widget_box = unit.bounding_box(), widget.bounding_box()
    # Right to left: the text ends on the left, and the button follows it there.
    assert widget_box["x"] + widget_box["width"] <= unit_box["x"] + 1

    comment_on(page, key, "أقترح إضافة مثال عن القيادة المشتركة في المجتمعات الصغيرة.")
    page.wait_for_selector(f".convene-widget[data-convene-for='{key}'][data-convene-count='1']")
    form_box = page.locator(f"form[data-convene-for='{key}']").bounding_box()
    content_box = page.locator(".convene-document").bounding_box()
    # The form hangs from the right edge of the right-to-left text.
    assert abs((form_box["x"] + form_box["width"]) - (content_box["x"] + content_box["width"])) < 2
    page.screenshot(path=str(shots / "extension-widget-ar.png"), full_page=True)

    [comment] = stored(db)
    assert comment.language == "ar" and comment.page_title == doc["title"]
    assert real_errors(page, failed_urls) == []
