"""The dashboard in a real headless Chromium: sign in, filter, triage, a bulk action, export,
hostile comments, right-to-left text, sign out. Screenshots are kept for a person to look at."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from browser_support import sign_in
from sqlalchemy import select

from services.feedback.models import AuditEntry, Comment, TriageStatus

pytestmark = pytest.mark.e2e


def _no_errors(page):
    # CSP violations and script errors both land here; the pages must have none.
    assert page.js_errors == []


def test_sign_in_filter_and_rtl(live_server, page, scene, shots):
    page.goto(f"{live_server}/dashboard/queue")
    assert page.url.startswith(f"{live_server}/auth/signin")
    page.screenshot(path=str(shots / "01-signin.png"))
    page.fill("#f-name", "Tom")
    page.fill("#f-password", "not the password")
    page.click("button[type=submit]")
    assert "Wrong user name or password." in page.inner_text("main")
    page.js_errors.clear()  # the browser logs the deliberate 401 of a failed sign-in
    sign_in(page, live_server, "Tom")
    assert "Feedback on the definition" in page.inner_text("main")
    page.screenshot(path=str(shots / "02-home.png"), full_page=True)

    page.click("text=Feedback queue")
    assert len(page.query_selector_all("tbody tr[data-comment-id]")) == 6
    page.select_option("#f-consultation", str(scene["c1"]))
    page.select_option("#f-language", "ar")
    page.click("form[role=search] button[type=submit]")
    rows = page.query_selector_all("tbody tr[data-comment-id]")
    assert [r.get_attribute("data-comment-id") for r in rows] == [str(scene["arabic"])]
    excerpt = rows[0].query_selector("a.convene-excerpt")
    assert excerpt.evaluate("e => getComputedStyle(e).direction") == "rtl"
    assert "1 comment matches" in page.inner_text("#convene-count")
    page.screenshot(path=str(shots / "03-queue-filtered-ar.png"), full_page=True)

    page.fill("#f-q", "MENTORING")
    page.select_option("#f-language", "")
    page.click("form[role=search] button[type=submit]")
    ids = {
        r.get_attribute("data-comment-id")
        for r in page.query_selector_all("tbody tr[data-comment-id]")
    }
    assert ids == {str(scene["first"]), str(scene["reply"])}
    _no_errors(page)


def test_triage_one_comment(live_server, page, scene, shots, db):
    sign_in(page, live_server, "Tom")
    page.goto(f"{live_server}/dashboard/comments/{scene['first']}")
    page.select_option("#f-status", "accepted")
    page.select_option("#f-assignee", "Vera")
    page.fill("#f-themes", "mentoring, onboarding")
    page.fill("#f-note", "Bring to Monday's call")
    page.fill("#f-response", "Thank you — the next revision says this.")
    page.click("#convene-triage-form button[type=submit]")
    assert "Saved." in page.inner_text("main")
    audit = page.inner_text(".convene-audit")
    assert "Tom" in audit and "Accepted" in audit and "New" in audit
    page.screenshot(path=str(shots / "04-comment-triaged.png"), full_page=True)
    with db.session() as s:
        comment = s.get(Comment, scene["first"])
        assert comment.status is TriageStatus.ACCEPTED and comment.assignee == "Vera"
        assert s.scalar(select(AuditEntry)).after["themes"] == ["mentoring", "onboarding"]
    _no_errors(page)


def test_bulk_action_with_select_all(live_server, page, scene, shots, db):
    sign_in(page, live_server, "Tom")
    page.goto(f"{live_server}/dashboard/queue?consultation={scene['c1']}&q=mentoring")
    page.check("#convene-select-all")  # the page's script ticks every row
    assert all(box.is_checked() for box in page.query_selector_all("input[name=ids]"))
    page.select_option("#bulk-status", "duplicate")
    page.fill("#bulk-add-theme", "mentoring")
    page.click("#convene-bulk-form .convene-bulk button[type=submit]")
    assert "2 of 2 selected comments changed." in page.inner_text("main")
    assert page.url.endswith("q=mentoring")  # back on the same filtered queue
    chips = [c.get_attribute("data-status") for c in page.query_selector_all("tbody [data-status]")]
    assert chips == ["duplicate", "duplicate"]
    page.screenshot(path=str(shots / "05-bulk-done.png"), full_page=True)
    with db.session() as s:
        assert {s.get(Comment, i).status for i in (scene["first"], scene["reply"])} == {
            TriageStatus.DUPLICATE
        }
        assert s.get(Comment, scene["arabic"]).status is TriageStatus.NEW
    _no_errors(page)


def test_export_and_document_view(live_server, page, scene, shots):
    sign_in(page, live_server, "Vera")
    page.goto(f"{live_server}/dashboard/consultations/{scene['c1']}")
    assert page.query_selector_all("svg.convene-chart")
    hot = page.query_selector(f'[data-unit="{scene["units"][1]}"]')
    assert hot.get_attribute("data-count") == "2"
    page.screenshot(path=str(shots / "06-document-view.png"), full_page=True)
    with page.expect_download() as info:
        page.click("#convene-export-csv")
    rows = list(csv.DictReader(io.StringIO(Path(info.value.path()).read_text(encoding="utf-8"))))
    assert info.value.suggested_filename == f"consultation-{scene['c1']}-feedback.csv"
    assert len(rows) == 5 and {r["author"] for r in rows} >= {"Alice", "Salim"}
    with page.expect_download() as info:
        page.click("#convene-export-json")
    doc = json.loads(Path(info.value.path()).read_text(encoding="utf-8"))
    assert len(doc["comments"]) == 5
    _no_errors(page)


def test_hostile_comment_runs_nothing_and_sign_out_ends_the_session(
    live_server, page, scene, shots
):
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    sign_in(page, live_server, "Tom")
    page.goto(f"{live_server}/dashboard/comments/{scene['hostile']}")
    page.goto(f"{live_server}/dashboard/queue")
    assert dialogs == []
    assert page.query_selector("#convene-comment-text script") is None
    page.goto(f"{live_server}/dashboard/comments/{scene['hostile']}")
    assert page.query_selector("#convene-comment-text a[href^='javascript']") is None
    assert "<img src=x onerror=alert(1)>" in page.inner_text(".convene-meta")
    page.screenshot(path=str(shots / "07-hostile-comment.png"), full_page=True)
    page.click("text=Sign out")
    assert page.url.startswith(f"{live_server}/auth/signin")
    page.goto(f"{live_server}/dashboard/queue")
    assert page.url.startswith(f"{live_server}/auth/signin")
    _no_errors(page)


def test_arabic_interface(live_server, page, scene, shots):
    sign_in(page, live_server, "Tom")
    page.goto(f"{live_server}/dashboard/queue?uselang=ar")
    assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
    page.screenshot(path=str(shots / "08-queue-arabic-interface.png"), full_page=True)
    page.goto(f"{live_server}/dashboard/consultations/{scene['c1']}?uselang=ar")
    page.screenshot(path=str(shots / "09-document-view-arabic-interface.png"), full_page=True)
    _no_errors(page)
