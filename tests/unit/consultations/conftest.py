"""A document with a published revision, and a wiki stand-in for harvest unit tests."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

import pytest

from bots.harvest import PageState
from services.consultations.intake import RevisionInfo, SeenComment
from services.documents.models import Document, UnitKind
from services.documents.store import create_revision, mark_published
from services.documents.units import UnitDraft

T0 = datetime(2025, 3, 1, 12, 0)

DEFINITION_UNITS = [
    UnitDraft(UnitKind.HEADING, "Qualities of leaders", level=2),
    UnitDraft(
        UnitKind.LIST_ITEM,
        "Resilience: Ability to push through difficulties and "
        "challenges by reassessing strategies, changing methods and/or slowing down.",
        level=1,
    ),
    UnitDraft(
        UnitKind.LIST_ITEM,
        "Empathy: Ability to sense emotions, needs and desires of others and to (re-)act sensibly.",
        level=1,
    ),
    UnitDraft(
        UnitKind.PARAGRAPH,
        "Leadership is a collective effort: the way a group of "
        "people work together is key to reaching a common goal.",
    ),
]


@pytest.fixture
def document(db):
    """The ``definition`` document, revision 1 published at T0 - 1 day."""
    with db.session() as s:
        doc = Document(
            slug="definition",
            title="Definition of leadership",
            wiki_title="Leadership/Definition",
            language="en",
        )
        s.add(doc)
        s.flush()
        revision = create_revision(s, doc, DEFINITION_UNITS, label="October 2022")
        mark_published(s, revision, when=T0 - timedelta(days=1))
        return {"id": doc.id, "revision_id": revision.id, "keys": [u.key for u in revision.units]}


@dataclass
class _Revision:
    info: RevisionInfo
    comments: list[SeenComment]


@dataclass
class FakeWiki:
    """Talk pages as lists of revisions, with the API's answers; counts requests and parses."""

    now: datetime = T0
    pages: dict[str, list[_Revision]] = field(default_factory=dict)
    touched: dict[str, datetime] = field(default_factory=dict)
    next_revid: int = 100
    requests: int = 0
    parsed: list[str] = field(default_factory=list)
    fail_states: bool = False
    broken: set[str] = field(default_factory=set)
    problems: dict[str, list[str]] = field(default_factory=dict)

    def tick(self, minutes: int = 1) -> datetime:
        self.now += timedelta(minutes=minutes)
        return self.now

    def save(self, title: str, user: str, comments: list[SeenComment]) -> int:
        self.tick()
        self.next_revid += 1
        info = RevisionInfo(self.next_revid, self.now, user)
        self.pages.setdefault(title, []).append(_Revision(info, list(comments)))
        self.touched[title] = self.now
        return self.next_revid

    def current(self, title: str) -> list[SeenComment]:
        return list(self.pages[title][-1].comments) if title in self.pages else []

    def hide(self, revid: int, **flags: bool) -> None:
        self.tick()
        for title, revisions in self.pages.items():
            for rev in revisions:
                if rev.info.revid == revid:
                    rev.info = replace(rev.info, **flags)
                    self.touched[title] = self.now

    def comment(
        self, user: str, text: str, *, heading: str = "Feedback", parent=None, level: int = 1
    ) -> SeenComment:
        """A comment signed now (the minute of the next save)."""
        when = (self.now + timedelta(minutes=1)).replace(second=0)
        name = f"c-{user}-{when:%Y%m%d%H%M%S}"
        # As DiscussionTools forms it: a reply's id ends with its parent's name (author and
        # time), a comment that opens a thread with the heading.
        after = f"{parent.author}-{parent.posted_at:%Y%m%d%H%M%S}" if parent else f"h-{heading}"
        return SeenComment(
            item_id=f"{name}-{after}",
            author=user,
            posted_at=when,
            text_html=f"<p>{text}</p>",
            text_plain=text,
            heading=heading,
            level=level,
            parent_item_id=parent.item_id if parent else None,
        )

    # -- WikiReader -------------------------------------------------------------------------

    def page_states(self, titles):
        self.requests += 1
        if self.fail_states:
            raise ConnectionError("wiki down")
        self.now += timedelta(seconds=1)  # a real read comes after the edits it sees
        states = {}
        for title in titles:
            if title in self.pages:
                states[title] = PageState(
                    title, True, self.pages[title][-1].info.revid, self.touched[title]
                )
            else:
                states[title] = PageState(title, False)
        return self.now, states

    def revisions_since(self, title, after_revid, since):
        self.requests += 1
        return [
            r.info
            for r in self.pages[title]
            if (after_revid is None or r.info.revid > after_revid)
            and (since is None or r.info.timestamp >= since)
        ]

    def revision_flags(self, revids):
        self.requests += 1
        wanted = set(revids)
        return {
            r.info.revid: r.info
            for revs in self.pages.values()
            for r in revs
            if r.info.revid in wanted
        }

    def comments(self, title, revid):
        self.requests += 1
        if title in self.broken:
            raise RuntimeError(f"parse of {title} failed")
        self.parsed.append(title)
        rev = next(r for r in self.pages[title] if r.info.revid == revid)
        return list(rev.comments), list(self.problems.get(title, []))


@pytest.fixture
def wiki():
    return FakeWiki()
